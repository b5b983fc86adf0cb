/**
 * Generated keys for every algorithm: sign/verify on native and webcrypto, across backends,
 * export/import round trips (JWK, PEM SPKI/PKCS#8, every other PEM form written by node:crypto),
 * the algorithm binding, and fast-check properties (verify(sign(m)) holds, any change fails).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import { algorithms, type AlgorithmName } from '../src/algorithms.ts'
import type { BackendName } from '../src/backend.ts'
import { utf8 } from '../src/bytes.ts'
import {
  exportJwk,
  exportPem,
  generateKey,
  importKey,
  publicKey,
  signBytes,
  verifyBytes,
  type SignetKey,
} from '../src/keys/index.ts'

const BACKENDS: BackendName[] = ['native', 'webcrypto']
const ALGS = algorithms.map((a) => a.name)
const keys = new Map<AlgorithmName, SignetKey>()

beforeAll(async () => {
  for (const alg of ALGS) keys.set(alg, await generateKey(alg))
})

describe('generateKey: every algorithm signs and verifies on both backends and across them', () => {
  for (const alg of ALGS) {
    for (const signer of BACKENDS) {
      test(`${alg}: signed on ${signer}, verified on native and webcrypto`, async () => {
        const key = keys.get(alg)!
        expect(key.algorithm.name).toBe(alg)
        expect(key.type).toBe(alg === 'hmac-sha256' ? 'secret' : 'private')
        expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const data = utf8(`"@method": POST\n"@signature-params": ();alg="${alg}"`)
        const signature = await signBytes(key, data, { backend: signer })
        const length = key.algorithm.signatureLength
        if (length !== undefined) expect(signature.length).toBe(length)
        else expect(signature.length).toBe(256)
        const verifier = key.type === 'secret' ? key : publicKey(key)
        for (const backend of BACKENDS) {
          expect(await verifyBytes(verifier, data, signature, { backend })).toBe(true)
          expect(await verifyBytes(verifier, utf8('other'), signature, { backend })).toBe(false)
        }
        // Default backend (native on Node) too.
        expect(await verifyBytes(verifier, data, signature)).toBe(true)
      })
    }
  }

  test('RSA modulusLength option', async () => {
    const key = await generateKey('rsa-v1_5-sha256', { modulusLength: 3072, kid: 'big' })
    expect(key.kid).toBe('big')
    const jwk = await exportJwk(key)
    expect(Buffer.from(jwk.n!, 'base64url').length).toBe(384)
    await expect(generateKey('rsa-pss-sha512', { modulusLength: 1024 })).rejects.toThrow(RangeError)
    await expect(generateKey('nope' as AlgorithmName)).rejects.toMatchObject({ code: 'ERR_ALG_UNSUPPORTED' })
  })

  test('non-extractable keys stay on webcrypto and never export their private part', async () => {
    for (const alg of ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256'] as const) {
      const key = await generateKey(alg, { extractable: false, kid: `ne-${alg}` })
      expect(key.extractable).toBe(false)
      const data = utf8('payload')
      const signature = await signBytes(key, data)
      expect(await verifyBytes(key, data, signature)).toBe(true)
      await expect(signBytes(key, data, { backend: 'native' })).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
      await expect(exportJwk(key, { private: true })).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
      if (alg !== 'hmac-sha256') {
        // Its public half is ordinary and verifies anywhere.
        const pub = publicKey(key)
        expect(await verifyBytes(pub, data, signature, { backend: 'native' })).toBe(true)
        expect((await exportJwk(pub)).kid).toBe(`ne-${alg}`)
      }
    }
  })
})

describe('export and import round trips', () => {
  for (const alg of ALGS) {
    test(`${alg}: JWK round trip keeps algorithm, kid and material`, async () => {
      const key = keys.get(alg)!
      const jwk = await exportJwk(key, { private: true })
      expect(jwk.alg).toBe(key.algorithm.jose)
      expect((jwk as { kid?: string }).kid).toBe(key.kid)
      const again = await importKey(jwk)
      expect(again.algorithm).toBe(key.algorithm)
      expect(again.kid).toBe(key.kid)
      expect(await exportJwk(again, { private: true })).toEqual(jwk)
      if (alg === 'hmac-sha256') {
        await expect(exportJwk(key)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
        await expect(exportPem(key, { private: true })).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
        expect(() => publicKey(key)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNSUPPORTED', message: 'an HMAC key has no public part' }))
        return
      }
      const pub = await exportJwk(key)
      expect(pub).not.toHaveProperty('d')
      // JSON text is accepted as well.
      expect((await importKey(JSON.stringify(pub))).type).toBe('public')
    })
  }

  for (const alg of ALGS.filter((a) => a !== 'hmac-sha256')) {
    test(`${alg}: PEM SPKI and PKCS#8 round trip, readable by node:crypto`, async () => {
      const key = keys.get(alg)!
      const spki = await exportPem(key)
      const pkcs8 = await exportPem(key, { private: true })
      expect(spki).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/)
      expect(pkcs8).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
      for (const line of pkcs8.split('\n')) expect(line.length).toBeLessThanOrEqual(64)
      // node:crypto reads what we write and derives the same JWK.
      expect(createPublicKey(spki).export({ format: 'jwk' })).toEqual(expect.objectContaining(await exportJwk(publicKey(key)).then(({ alg: _a, kid: _k, ...m }) => m)))
      const opts = { alg } as const
      const back = await importKey(pkcs8, opts)
      expect(await exportJwk(back, { private: true })).toEqual(await exportJwk(key, { private: true }).then((j) => ({ ...j, kid: back.kid })))
      expect(back.kid).toBe(key.kid) // thumbprint of the same public key
      const backPublic = await importKey(spki, opts)
      const data = utf8('round trip')
      expect(await verifyBytes(backPublic, data, await signBytes(back, data))).toBe(true)
    })
  }

  test('PEM forms written by node:crypto: PKCS#1 RSA, SEC1 EC, PKCS#8 and SPKI with the RSASSA-PSS OID', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pkcs1Private = rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string
    const pkcs1Public = rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string
    expect(pkcs1Private).toContain('BEGIN RSA PRIVATE KEY')
    const a = await importKey(pkcs1Private, { alg: 'rsa-v1_5-sha256' })
    const b = await importKey(pkcs1Public, { alg: 'rsa-v1_5-sha256' })
    expect((await exportJwk(b)).n).toBe(rsa.publicKey.export({ format: 'jwk' }).n)
    const data = utf8('pkcs1')
    expect(await verifyBytes(b, data, await signBytes(a, data, { backend: 'webcrypto' }))).toBe(true)

    for (const namedCurve of ['P-256', 'P-384'] as const) {
      const ec = generateKeyPairSync('ec', { namedCurve })
      const sec1 = ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string
      expect(sec1).toContain('BEGIN EC PRIVATE KEY')
      const key = await importKey(sec1)
      expect(key.algorithm.crv).toBe(namedCurve)
      expect(await exportJwk(key, { private: true })).toMatchObject(ec.privateKey.export({ format: 'jwk' }))
    }

    // RSASSA-PSS keys: node:crypto writes the id-RSASSA-PSS OID, with and without parameters.
    const unrestricted = generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
    const restricted = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512', saltLength: 64 })
    for (const pair of [unrestricted, restricted]) {
      const priv = await importKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)
      const pub = await importKey(pair.publicKey.export({ format: 'pem', type: 'spki' }) as string)
      expect(priv.algorithm.name).toBe('rsa-pss-sha512')
      expect(pub.algorithm.name).toBe('rsa-pss-sha512')
      for (const backend of BACKENDS) expect(await verifyBytes(pub, data, await signBytes(priv, data, { backend }))).toBe(true)
      await expect(importKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { alg: 'rsa-v1_5-sha256' })).rejects.toMatchObject({
        code: 'ERR_ALG_MISMATCH',
      })
    }
    const sha256Pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 })
    await expect(importKey(sha256Pss.publicKey.export({ format: 'pem', type: 'spki' }) as string)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
    const bigSalt = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512', saltLength: 100 })
    await expect(importKey(bigSalt.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })

    // DER bytes work without armor.
    const der = new Uint8Array(createPrivateKey(pkcs1Private).export({ format: 'der', type: 'pkcs8' }))
    expect((await importKey(der, { alg: 'rsa-v1_5-sha256' })).type).toBe('private')

    // PKCS#8 v2 (RFC 5958) Ed25519 with the public key, and an EC PARAMETERS block before SEC1.
    const ed = generateKeyPairSync('ed25519')
    const seed = ed.privateKey.export({ format: 'jwk' }).d!
    const x = ed.publicKey.export({ format: 'jwk' }).x!
    const v2 = Buffer.concat([
      Buffer.from('3051020101300506032b657004220420', 'hex'),
      Buffer.from(seed, 'base64url'),
      Buffer.from('812100', 'hex'),
      Buffer.from(x, 'base64url'),
    ])
    const v2Key = await importKey(`-----BEGIN PRIVATE KEY-----\n${v2.toString('base64')}\n-----END PRIVATE KEY-----\n`)
    expect((await exportJwk(v2Key)).x).toBe(x)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const withParams = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n' + (ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string)
    expect((await importKey(withParams)).algorithm.name).toBe('ecdsa-p256-sha256')
  })

  test('raw bytes: HMAC secret, Ed25519 seed and public key', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(48))
    const hmac = await importKey(secret, { alg: 'hmac-sha256' })
    secret.fill(0) // the key keeps its own copy
    expect(await verifyBytes(hmac, utf8('x'), await signBytes(hmac, utf8('x')))).toBe(true)
    expect((await exportJwk(hmac, { private: true })).k).not.toBe(Buffer.alloc(48).toString('base64url'))

    const ed = generateKeyPairSync('ed25519')
    const seed = new Uint8Array(Buffer.from(ed.privateKey.export({ format: 'jwk' }).d!, 'base64url'))
    const x = new Uint8Array(Buffer.from(ed.publicKey.export({ format: 'jwk' }).x!, 'base64url'))
    const priv = await importKey(seed, { alg: 'ed25519', type: 'private' })
    const pub = await importKey(x, { alg: 'ed25519', type: 'public' })
    expect(priv.kid).toBe(pub.kid)
    expect(await verifyBytes(pub, utf8('m'), await signBytes(priv, utf8('m')))).toBe(true)
  })
})

describe('a key is bound to one algorithm (RFC 9421 section 7.3.6)', () => {
  test('signBytes and verifyBytes refuse another algorithm', async () => {
    for (const key of keys.values()) {
      const other = ALGS.find((a) => a !== key.algorithm.name)!
      await expect(signBytes(key, utf8('x'), { alg: other })).rejects.toMatchObject({ code: 'ERR_ALG_MISMATCH' })
      await expect(verifyBytes(key, utf8('x'), new Uint8Array(64), { alg: other })).rejects.toMatchObject({ code: 'ERR_ALG_MISMATCH' })
      expect(await signBytes(key, utf8('x'), { alg: key.algorithm.name })).toBeInstanceOf(Uint8Array)
    }
  })

  test('importKey refuses an explicit alg that contradicts the key', async () => {
    const cases: [AlgorithmName, AlgorithmName][] = [
      ['hmac-sha256', 'ed25519'],
      ['ed25519', 'ecdsa-p256-sha256'],
      ['ecdsa-p256-sha256', 'ecdsa-p384-sha384'],
      ['ecdsa-p384-sha384', 'rsa-pss-sha512'],
      ['rsa-pss-sha512', 'rsa-v1_5-sha256'], // the exported JWK says PS512
      ['rsa-v1_5-sha256', 'hmac-sha256'],
    ]
    for (const [have, want] of cases) {
      const jwk = await exportJwk(keys.get(have)!, { private: true })
      await expect(importKey(jwk, { alg: want })).rejects.toMatchObject({ code: 'ERR_ALG_MISMATCH' })
    }
  })

  test('a public key cannot sign', async () => {
    await expect(signBytes(publicKey(keys.get('ed25519')!), utf8('x'))).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
    await expect(signBytes(publicKey(keys.get('ed25519')!), utf8('x'), { backend: 'webcrypto' })).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
  })
})

describe('properties (fast-check)', () => {
  const fast = ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256'] as const
  for (const alg of fast) {
    test(`${alg}: verify(sign(m)) holds and any one-byte change fails`, async () => {
      const key = keys.get(alg)!
      const verifier = key.type === 'secret' ? key : publicKey(key)
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom(...BACKENDS), async (data, at, flip, backend) => {
          const signature = await signBytes(key, data, { backend })
          if (!(await verifyBytes(verifier, data, signature, { backend: backend === 'native' ? 'webcrypto' : 'native' }))) return false
          const changed = signature.slice()
          changed[at % changed.length]! ^= flip
          if (await verifyBytes(verifier, data, changed)) return false
          if (data.length === 0) return true
          const other = data.slice()
          other[at % other.length]! ^= flip
          return !(await verifyBytes(verifier, other, signature))
        }),
        { numRuns: 60 },
      )
    })
  }

  test('JWK import/export is the identity on normalized members, for any HMAC secret of 32..128 bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 128 }), async (secret) => {
        const key = await importKey(secret, { alg: 'hmac-sha256' })
        const jwk = await exportJwk(key, { private: true })
        const again = await importKey(jwk)
        return jwk.k === Buffer.from(secret).toString('base64url') && again.kid === key.kid
      }),
      { numRuns: 50 },
    )
  })
})
