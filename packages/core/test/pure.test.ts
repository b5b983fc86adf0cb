/**
 * The pure backend: every algorithm signs and verifies, agrees with node:crypto in both
 * directions, passes the RFC 9421 vectors, and answers false (never throws) for bad signatures.
 */
import * as nodeCrypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { algorithms, getAlgorithm, type AlgorithmDescriptor, type AlgorithmName } from '../src/algorithms.ts'
import type { KeyMaterial } from '../src/backend.ts'
import { pureBackend } from '../src/backends/pure.ts'
import { fromBase64, utf8 } from '../src/bytes.ts'
import { isSignetError } from '../src/errors.ts'

interface VectorKey {
  jwk: JsonWebKey
}
interface VectorExample {
  id: string
  alg: AlgorithmName
  keyid: string
  deterministic: boolean | string
  expect: string
  signature_base: string
  signature_b64: string
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8'),
) as { keys: Record<string, VectorKey>; examples: VectorExample[] }

/** A fresh key pair for `alg` from node:crypto, as JWK private and public halves. */
function nodeKeyPair(alg: AlgorithmDescriptor): { priv: KeyMaterial; pub: KeyMaterial; node: NodeKeys } {
  let pair: nodeCrypto.KeyPairKeyObjectResult
  switch (alg.kty) {
    case 'oct': {
      const secret = nodeCrypto.createSecretKey(nodeCrypto.randomBytes(32))
      const jwk = secret.export({ format: 'jwk' })
      return { priv: { jwk }, pub: { jwk }, node: { privateKey: secret, publicKey: secret } }
    }
    case 'OKP':
      pair = nodeCrypto.generateKeyPairSync('ed25519')
      break
    case 'EC':
      pair = nodeCrypto.generateKeyPairSync('ec', { namedCurve: alg.crv === 'P-256' ? 'prime256v1' : 'secp384r1' })
      break
    case 'RSA':
      pair = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      break
  }
  return {
    priv: { jwk: pair.privateKey.export({ format: 'jwk' }) },
    pub: { jwk: pair.publicKey.export({ format: 'jwk' }) },
    node: pair,
  }
}

interface NodeKeys {
  privateKey: nodeCrypto.KeyObject
  publicKey: nodeCrypto.KeyObject
}

const nodeHash = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' } as const

function nodeSign(alg: AlgorithmDescriptor, keys: NodeKeys, data: Uint8Array): Uint8Array {
  switch (alg.family) {
    case 'hmac':
      return nodeCrypto.createHmac(nodeHash[alg.hash], keys.privateKey).update(data).digest()
    case 'eddsa':
      return nodeCrypto.sign(null, data, keys.privateKey)
    case 'ecdsa':
      return nodeCrypto.sign(nodeHash[alg.hash], data, { key: keys.privateKey, dsaEncoding: 'ieee-p1363' })
    case 'rsa-pss':
      return nodeCrypto.sign(nodeHash[alg.hash], data, {
        key: keys.privateKey,
        padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: alg.saltLength,
      })
    case 'rsa-v1_5':
      return nodeCrypto.sign(nodeHash[alg.hash], data, keys.privateKey)
  }
}

function nodeVerify(alg: AlgorithmDescriptor, keys: NodeKeys, data: Uint8Array, signature: Uint8Array): boolean {
  switch (alg.family) {
    case 'hmac':
      return nodeCrypto.timingSafeEqual(nodeSign(alg, keys, data), signature)
    case 'eddsa':
      return nodeCrypto.verify(null, data, keys.publicKey, signature)
    case 'ecdsa':
      return nodeCrypto.verify(nodeHash[alg.hash], data, { key: keys.publicKey, dsaEncoding: 'ieee-p1363' }, signature)
    case 'rsa-pss':
      return nodeCrypto.verify(
        nodeHash[alg.hash],
        data,
        { key: keys.publicKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength },
        signature,
      )
    case 'rsa-v1_5':
      return nodeCrypto.verify(nodeHash[alg.hash], data, keys.publicKey, signature)
  }
}

// One key pair per algorithm for the whole file: RSA generation takes a while.
const pairs = new Map(algorithms.map((alg) => [alg.name, nodeKeyPair(alg)]))
const pairFor = (alg: AlgorithmDescriptor): ReturnType<typeof nodeKeyPair> => pairs.get(alg.name)!

const base = utf8('"@method": POST\n"@authority": example.com\n"@signature-params": ("@method" "@authority");created=1618884473')

describe('pure backend: every algorithm', () => {
  for (const alg of algorithms) {
    describe(alg.name, () => {
      it('signs and verifies its own signature', async () => {
        const { priv, pub } = pairFor(alg)
        const sig = await pureBackend.sign(alg, priv, base)
        if (alg.signatureLength !== undefined) expect(sig.length).toBe(alg.signatureLength)
        expect(await pureBackend.verify(alg, pub, base, sig)).toBe(true)
        expect(await pureBackend.verify(alg, pub, utf8('another message'), sig)).toBe(false)
      })

      it('verifies node:crypto signatures', async () => {
        const { pub, node } = pairFor(alg)
        const sig = nodeSign(alg, node, base)
        expect(await pureBackend.verify(alg, pub, base, sig)).toBe(true)
      })

      it('makes signatures node:crypto verifies', async () => {
        const { priv, node } = pairFor(alg)
        const sig = await pureBackend.sign(alg, priv, base)
        expect(nodeVerify(alg, node, base, sig)).toBe(true)
      })

      it('rejects any one-bit change of the signature', async () => {
        const { priv, pub } = pairFor(alg)
        const sig = await pureBackend.sign(alg, priv, base)
        for (const index of [0, sig.length >> 1, sig.length - 1]) {
          const bad = sig.slice()
          bad[index] = (bad[index] as number) ^ 0x01
          expect(await pureBackend.verify(alg, pub, base, bad)).toBe(false)
        }
      })

      it('returns false, never throws, for malformed signatures', async () => {
        const { priv, pub } = pairFor(alg)
        const sig = await pureBackend.sign(alg, priv, base)
        const bad: Uint8Array[] = [
          new Uint8Array(0),
          new Uint8Array(1),
          sig.subarray(0, sig.length - 1),
          new Uint8Array([...sig, 0]),
          new Uint8Array(sig.length),
          new Uint8Array(sig.length).fill(0xff),
          new Uint8Array(4096),
        ]
        for (const signature of bad) expect(await pureBackend.verify(alg, pub, base, signature)).toBe(false)
        expect(await pureBackend.verify(alg, pub, base, 'not bytes' as unknown as Uint8Array)).toBe(false)
      })
    })
  }
})

describe('pure backend: ECDSA accepts both s and n - s', () => {
  // RFC 9421 does not require low-S; node:crypto and WebCrypto produce either half.
  const orders: Record<string, bigint> = {
    'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  }
  for (const alg of algorithms.filter((a) => a.family === 'ecdsa')) {
    it(`${alg.name}: the mirrored signature verifies on pure and on node:crypto`, async () => {
      const { priv, pub, node } = pairFor(alg)
      const sig = await pureBackend.sign(alg, priv, base)
      const half = sig.length / 2
      const n = orders[alg.crv!]!
      const s = BigInt('0x' + Buffer.from(sig.subarray(half)).toString('hex'))
      const mirrored = new Uint8Array(sig)
      mirrored.set(Buffer.from((n - s).toString(16).padStart(half * 2, '0'), 'hex'), half)
      expect(Buffer.from(mirrored).equals(Buffer.from(sig))).toBe(false)
      expect(nodeVerify(alg, node, base, mirrored)).toBe(true)
      expect(await pureBackend.verify(alg, pub, base, mirrored)).toBe(true)
      // s = n itself (and s = 0) are out of range.
      const sN = new Uint8Array(sig)
      sN.set(Buffer.from(n.toString(16).padStart(half * 2, '0'), 'hex'), half)
      expect(await pureBackend.verify(alg, pub, base, sN)).toBe(false)
      const s0 = new Uint8Array(sig)
      s0.fill(0, half)
      expect(await pureBackend.verify(alg, pub, base, s0)).toBe(false)
    })
  }
})

describe('pure backend: RFC 9421 vectors', () => {
  for (const example of vectors.examples) {
    it(`${example.id} (${example.alg}) verifies`, async () => {
      const alg = getAlgorithm(example.alg)
      const key: KeyMaterial = { jwk: vectors.keys[example.keyid]!.jwk }
      const data = utf8(example.signature_base)
      const signature = fromBase64(example.signature_b64)
      expect(await pureBackend.verify(alg, key, data, signature)).toBe(example.expect === 'valid')
      const tampered = utf8(example.signature_base.replace('created=', 'created=1'))
      expect(await pureBackend.verify(alg, key, tampered, signature)).toBe(false)
    })
    if (example.deterministic === true || example.deterministic === 'True') {
      it(`${example.id} (${example.alg}) re-signs byte for byte`, async () => {
        const alg = getAlgorithm(example.alg)
        const key: KeyMaterial = { jwk: vectors.keys[example.keyid]!.jwk }
        const signature = await pureBackend.sign(alg, key, utf8(example.signature_base))
        expect(Buffer.from(signature).toString('base64')).toBe(example.signature_b64)
      })
    }
  }
})

describe('pure backend: properties over random messages', () => {
  for (const alg of algorithms) {
    // RSA signing is milliseconds per signature on BigInt: fewer runs, same property.
    const numRuns = alg.kty === 'RSA' ? 8 : 40
    it(`${alg.name}: verify(sign(m)) holds on pure and on node:crypto, and fails for another message`, async () => {
      const { priv, pub, node } = pairFor(alg)
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), async (message, extra) => {
          const sig = await pureBackend.sign(alg, priv, message)
          expect(await pureBackend.verify(alg, pub, message, sig)).toBe(true)
          expect(nodeVerify(alg, node, message, sig)).toBe(true)
          const other = new Uint8Array([...message, ...extra])
          expect(await pureBackend.verify(alg, pub, other, sig)).toBe(false)
          expect(await pureBackend.verify(alg, pub, message, nodeSign(alg, node, message))).toBe(true)
        }),
        { numRuns },
      )
    })
  }

  it('ed25519: the cached-key signer equals node:crypto byte for byte (deterministic)', async () => {
    const alg = getAlgorithm('ed25519')
    const { priv, node } = pairFor(alg)
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), async (message) => {
        const ours = await pureBackend.sign(alg, priv, message)
        expect(Buffer.from(ours).equals(nodeSign(alg, node, message))).toBe(true)
      }),
      { numRuns: 50 },
    )
  })

  it('any random byte string is rejected as a signature, without throwing', async () => {
    for (const alg of algorithms) {
      const { pub } = pairFor(alg)
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (signature) => {
          expect(await pureBackend.verify(alg, pub, base, signature)).toBe(false)
        }),
        { numRuns: alg.kty === 'RSA' ? 30 : 100 },
      )
    }
  })
})

describe('pure backend: digests', () => {
  it.each(['sha-256', 'sha-384', 'sha-512'] as const)('%s matches node:crypto', async (hash) => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1000 }), async (data) => {
        const ours = await pureBackend.digest(hash, data)
        expect(Buffer.from(ours).equals(nodeCrypto.createHash(nodeHash[hash]).update(data).digest())).toBe(true)
      }),
      { numRuns: 30 },
    )
  })

  it('refuses an unknown hash with a TypeError', () => {
    expect(() => pureBackend.digest('md5' as 'sha-256', new Uint8Array(1))).toThrow(TypeError)
  })
})

describe('pure backend: keys', () => {
  it('supports every algorithm without a key, and refuses a non-extractable CryptoKey', async () => {
    for (const alg of algorithms) expect(pureBackend.supports(alg)).toBe(true)
    const alg = getAlgorithm('hmac-sha256')
    const cryptoKey = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    expect(pureBackend.supports(alg, { jwk: {}, cryptoKey })).toBe(false)
    const extractable = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])
    const jwk = await crypto.subtle.exportKey('jwk', extractable)
    expect(pureBackend.supports(alg, { jwk, cryptoKey: extractable })).toBe(true)
  })

  it('says no for a key of another type', () => {
    expect(pureBackend.supports(getAlgorithm('ed25519'), pairFor(getAlgorithm('hmac-sha256')).priv)).toBe(false)
  })

  it('throws coded errors for unusable keys', async () => {
    const codeOf = async (fn: () => unknown): Promise<string | undefined> => {
      try {
        await fn()
      } catch (err) {
        return isSignetError(err) ? err.code : `not coded: ${String(err)}`
      }
      return undefined
    }
    const ed = getAlgorithm('ed25519')
    const p256 = getAlgorithm('ecdsa-p256-sha256')
    const hs = getAlgorithm('hmac-sha256')
    expect(await codeOf(() => pureBackend.sign(ed, pairFor(ed).pub, base))).toBe('ERR_KEY_INVALID')
    expect(await codeOf(() => pureBackend.sign(ed, { jwk: { kty: 'OKP', crv: 'Ed25519', d: 'AAAA' } }, base))).toBe('ERR_KEY_INVALID')
    expect(await codeOf(() => pureBackend.sign(hs, { jwk: { kty: 'oct', k: 'a+b' } }, base))).toBe('ERR_KEY_INVALID')
    expect(await codeOf(() => pureBackend.sign(hs, pairFor(ed).priv, base))).toBe('ERR_ALG_MISMATCH')
    const pubJwk = pairFor(p256).pub.jwk
    const offCurve = { ...pubJwk, y: pubJwk.x! }
    expect(await codeOf(() => pureBackend.verify(p256, { jwk: offCurve }, base, new Uint8Array(64)))).toBe('ERR_KEY_INVALID')
  })

  it('caches the decoded key per KeyMaterial object', async () => {
    const alg = getAlgorithm('ed25519')
    const material: KeyMaterial = { jwk: { ...pairFor(alg).priv.jwk } }
    const first = await pureBackend.sign(alg, material, base)
    // The cache is keyed by the object: changing the (normally immutable) JWK afterwards does
    // not change the key in use, which shows the decoded key was kept.
    ;(material.jwk as { d?: string }).d = 'invalid'
    expect(await pureBackend.sign(alg, material, base)).toEqual(first)
  })
})

describe('pure backend: key operations', () => {
  const curveAlgs = algorithms.filter((alg) => alg.kty === 'OKP' || alg.kty === 'EC')

  for (const alg of curveAlgs) {
    it(`${alg.name}: derives the same public members as node:crypto`, () => {
      const { priv } = pairFor(alg)
      const { x, y, ...scalarOnly } = priv.jwk
      const derived = pureBackend.derivePublicJwk!(alg, scalarOnly) as JsonWebKey
      expect(derived.x).toBe(x)
      expect(derived.y).toBe(y)
      expect(derived.d).toBe(priv.jwk.d)
    })

    it(`${alg.name}: generates keys node:crypto accepts and verifies`, async () => {
      const jwk = (await pureBackend.generateJwk!(alg, { modulusLength: 2048 })) as JsonWebKey
      const { d: _d, ...publicOnly } = jwk
      const privateKey = nodeCrypto.createPrivateKey({ key: jwk as nodeCrypto.JsonWebKey, format: 'jwk' })
      const publicKey = nodeCrypto.createPublicKey({ key: publicOnly as nodeCrypto.JsonWebKey, format: 'jwk' })
      const sig = await pureBackend.sign(alg, { jwk }, base)
      expect(nodeVerify(alg, { privateKey, publicKey }, base, sig)).toBe(true)
    })
  }

  it('refuses what it cannot do, with coded errors', () => {
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn()
      } catch (err) {
        return isSignetError(err) ? err.code : `not coded: ${String(err)}`
      }
      return undefined
    }
    expect(codeOf(() => pureBackend.generateJwk!(getAlgorithm('hmac-sha256'), { modulusLength: 2048 }))).toBe('ERR_KEY_UNSUPPORTED')
    expect(codeOf(() => pureBackend.derivePublicJwk!(getAlgorithm('hmac-sha256'), { kty: 'oct', k: 'AAAA' }))).toBe('ERR_KEY_UNSUPPORTED')
    const zero = { kty: 'EC', crv: 'P-256', d: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }
    expect(codeOf(() => pureBackend.derivePublicJwk!(getAlgorithm('ecdsa-p256-sha256'), zero))).toBe('ERR_KEY_INVALID')
  })
})
