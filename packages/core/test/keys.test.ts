/**
 * Keys against published vectors: the five RFC 9421 test keys (PEM and JWK forms), the
 * Appendix B signatures verified over the signature bases given there on every backend, the
 * deterministic ones re-signed byte for byte, and RFC 7638 / RFC 8037 thumbprints.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { AlgorithmName } from '../src/algorithms.ts'
import type { BackendName } from '../src/backend.ts'
import { fromBase64, utf8 } from '../src/bytes.ts'
import { exportJwk, importKey, publicKey, signBytes, thumbprint, verifyBytes, type SignetKey } from '../src/keys/index.ts'

interface VectorKey {
  kid: string
  usable_with: AlgorithmName[]
  public_pem?: string
  private_pem?: string
  base64?: string
  jwk: JsonWebKey & { kid: string }
}
interface Example {
  id: string
  keyid: string
  alg: AlgorithmName
  deterministic: boolean
  expect: string
  signature_base: string
  signature_b64: string
}
const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8')) as {
  keys: Record<string, VectorKey>
  examples: Example[]
}

const BACKENDS: BackendName[] = ['native', 'webcrypto']
const asymmetric = Object.values(vectors.keys).filter((k) => k.private_pem !== undefined)

/** Import a vector key from its JWK, with the alg the vector file says it is used with. */
async function vectorKey(kid: string): Promise<SignetKey> {
  const k = vectors.keys[kid] as VectorKey
  return importKey(k.jwk, { alg: k.usable_with[0] as AlgorithmName })
}

describe('RFC 9421 test keys: every form imports to the same JWK (source: rfc9421-vectors.json)', () => {
  for (const k of asymmetric) {
    const alg = k.usable_with[0] as AlgorithmName
    test(`${k.kid}: private PEM = JWK`, async () => {
      const fromJwk = await importKey(k.jwk, { alg })
      const fromPem = await importKey(k.private_pem as string, { alg, kid: k.kid })
      expect(fromPem.type).toBe('private')
      expect(await exportJwk(fromPem, { private: true })).toEqual(await exportJwk(fromJwk, { private: true }))
    })
    test(`${k.kid}: public PEM = public part of the JWK`, async () => {
      const fromJwk = await importKey(k.jwk, { alg })
      const fromPem = await importKey(k.public_pem as string, { alg, kid: k.kid })
      expect(fromPem.type).toBe('public')
      expect(await exportJwk(fromPem)).toEqual(await exportJwk(publicKey(fromJwk)))
      // The default kid is the RFC 7638 thumbprint of the public key, the same from both forms.
      const pemDefault = await importKey(k.public_pem as string, { alg })
      expect(pemDefault.kid).toBe(await thumbprint(fromJwk))
    })
  }

  test('test-shared-secret: base64 bytes = JWK', async () => {
    const k = vectors.keys['test-shared-secret'] as VectorKey
    const fromJwk = await importKey(k.jwk)
    const fromRaw = await importKey(fromBase64(k.base64 as string), { alg: 'hmac-sha256', kid: k.kid })
    expect(fromJwk.algorithm.name).toBe('hmac-sha256')
    expect(await exportJwk(fromRaw, { private: true })).toEqual(await exportJwk(fromJwk, { private: true }))
  })

  test('algorithms implied by the key forms (CLI.md "Keys")', async () => {
    const keys = vectors.keys
    expect((await importKey(keys['test-key-ed25519']!.jwk)).algorithm.name).toBe('ed25519')
    expect((await importKey(keys['test-key-ed25519']!.private_pem!)).algorithm.name).toBe('ed25519')
    expect((await importKey(keys['test-key-ecc-p256']!.jwk)).algorithm.name).toBe('ecdsa-p256-sha256')
    expect((await importKey(keys['test-key-ecc-p256']!.private_pem!)).algorithm.name).toBe('ecdsa-p256-sha256')
    expect((await importKey(keys['test-shared-secret']!.jwk)).algorithm.name).toBe('hmac-sha256')
    // The PKCS#8 file of test-key-rsa-pss carries id-RSASSA-PSS: the algorithm comes with it.
    expect((await importKey(keys['test-key-rsa-pss']!.private_pem!)).algorithm.name).toBe('rsa-pss-sha512')
    // ... but its SPKI uses rsaEncryption, and PKCS#1 says nothing: alg is required.
    for (const text of [keys['test-key-rsa-pss']!.public_pem!, keys['test-key-rsa']!.private_pem!, keys['test-key-rsa']!.public_pem!]) {
      const error = await importKey(text).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
      expect(String((error as Error).message)).toContain('`alg` is required')
    }
    // A JWK alg member names it too.
    expect((await importKey({ ...keys['test-key-rsa']!.jwk, alg: 'RS256' })).algorithm.name).toBe('rsa-v1_5-sha256')
  })
})

describe('RFC 9421 Appendix B signatures verify on every backend (source: rfc9421-vectors.json)', () => {
  const valid = vectors.examples.filter((e) => e.expect === 'valid')
  test('the vector file has the expected examples', () => {
    expect(valid.length).toBeGreaterThanOrEqual(12)
    expect(new Set(valid.map((e) => e.alg))).toEqual(new Set(['rsa-pss-sha512', 'ecdsa-p256-sha256', 'hmac-sha256', 'ed25519', 'rsa-v1_5-sha256']))
  })
  for (const example of valid) {
    for (const backend of BACKENDS) {
      test(`${example.id} (${example.alg}) on ${backend}`, async () => {
        const key = await vectorKey(example.keyid)
        expect(key.algorithm.name).toBe(example.alg)
        const base = utf8(example.signature_base)
        const signature = fromBase64(example.signature_b64)
        expect(await verifyBytes(key, base, signature, { backend })).toBe(true)
        // Through the public key alone too, for asymmetric keys.
        if (key.type === 'private') expect(await verifyBytes(publicKey(key), base, signature, { backend })).toBe(true)
        // Any one-bit change in the base or the signature fails.
        const badBase = base.slice()
        badBase[badBase.length - 1]! ^= 1
        expect(await verifyBytes(key, badBase, signature, { backend })).toBe(false)
        const badSignature = signature.slice()
        badSignature[0]! ^= 0x80
        expect(await verifyBytes(key, base, badSignature, { backend })).toBe(false)
        if (example.deterministic) {
          expect(await signBytes(key, base, { backend })).toEqual(signature)
        }
      })
    }
  }

  test('deterministic examples re-sign from the PEM forms too', async () => {
    for (const example of valid.filter((e) => e.deterministic)) {
      const k = vectors.keys[example.keyid] as VectorKey
      const key = k.private_pem === undefined ? await vectorKey(example.keyid) : await importKey(k.private_pem, { alg: example.alg })
      for (const backend of BACKENDS) {
        expect(await signBytes(key, utf8(example.signature_base), { backend })).toEqual(fromBase64(example.signature_b64))
      }
    }
  })
})

describe('thumbprints', () => {
  test('RFC 7638 section 3.1 example', async () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    }
    expect(await thumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
    // The imported key's default kid would be the same; the JWK's own kid wins when present.
    const { kid: _kid, ...withoutKid } = jwk
    expect((await importKey(withoutKid)).kid).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
    expect((await importKey(jwk)).kid).toBe('2011-04-29')
  })

  test('RFC 8037 appendix A.3 (Ed25519)', async () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }
    expect(await thumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k')
  })

  test('RFC 8037 appendix A.4 signature (Ed25519 from the raw seed)', async () => {
    // Secret key 9d61b19d... and message "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc".
    const seed = Uint8Array.from(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'))
    const key = await importKey(seed, { alg: 'ed25519', type: 'private' })
    expect((await exportJwk(key)).x).toBe('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo')
    const expected = 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg'
    for (const backend of BACKENDS) {
      const sig = await signBytes(key, utf8('eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc'), { backend })
      expect(Buffer.from(sig).toString('base64url')).toBe(expected)
    }
  })

  test('oct thumbprint covers {k, kty} only', async () => {
    const k = vectors.keys['test-shared-secret'] as VectorKey
    const { kid: _kid, ...jwk } = k.jwk
    const key = await importKey(jwk)
    expect(key.kid).toBe(await thumbprint({ kty: 'oct', k: jwk.k, alg: 'HS256' } as JsonWebKey))
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})
