/**
 * createSigner checks the key when the signer is made (issue 4): each bad key in `coded` throws
 * from `createSigner` itself, synchronously, before any `sign()`, with a coded SignetError (a
 * TypeError for a public JWK). Each is also handed to core's `importKey`, which must refuse it
 * with the same code: the creation checks agree with the import they run ahead of. What only
 * the import reads (`atFirstSign`) is held to the README's promise: it fails the first sign().
 * Keys that pass the checks still sign, PKCS#8 and SEC1 PEM included (with a matching `alg`).
 */
import { fromFetchRequest, hasErrorCode, importKey, publicKey, verifyMessage } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { describe, expect, it } from 'vitest'
import { createSigner } from '../src/index.ts'
import type { SignerOptions } from '../src/index.ts'
import { ed25519Jwk, hmacJwk, p256Jwk, publicJwk, vectors } from './keys.ts'

const URL_ = 'https://api.example/orders?id=7'
const pem = (label: string, body = 'MC4CAQAwBQYDK2VwBCIEIA=='): string => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`
const rsaJwk = vectors.keys['test-key-rsa']!.jwk
const rsaPkcs1 = vectors.keys['test-key-rsa']!.private_pem!
const pssPkcs8 = vectors.keys['test-key-rsa-pss']!.private_pem!
const edPkcs8 = vectors.keys['test-key-ed25519']!.private_pem!
const p256Sec1 = vectors.keys['test-key-ecc-p256']!.private_pem!
const { kid: _kid, ...rsaNoKid } = rsaJwk

/** The error `createSigner` throws synchronously; fails the test when it returns a signer. */
function creationError(options: SignerOptions): unknown {
  let signer: unknown
  try {
    signer = createSigner(options)
  } catch (err) {
    return err
  }
  throw new Error(`createSigner accepted the key; the signer's sign() would be the first to fail (${typeof signer})`)
}

// [name, options, code]: each fails at createSigner with this code, and at importKey alike.
const coded: [string, SignerOptions, string][] = [
  ['text that is neither PEM nor JSON', { key: 'not a key' }, 'ERR_KEY_INVALID'],
  ['PEM without an END line', { key: '-----BEGIN PRIVATE KEY-----\nAAAA\n' }, 'ERR_KEY_INVALID'],
  ['PEM whose labels differ', { key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }, 'ERR_KEY_INVALID'],
  ['PEM certificate', { key: pem('CERTIFICATE') }, 'ERR_KEY_UNSUPPORTED'],
  ['PEM encrypted PKCS#8', { key: pem('ENCRYPTED PRIVATE KEY') }, 'ERR_KEY_UNSUPPORTED'],
  ['PEM of an unknown kind', { key: pem('DSA PRIVATE KEY') }, 'ERR_KEY_UNSUPPORTED'],
  ['SEC1 EC PEM with alg ed25519', { key: p256Sec1, alg: 'ed25519' }, 'ERR_ALG_MISMATCH'],
  ['PKCS#1 RSA PEM with alg ecdsa-p256-sha256', { key: rsaPkcs1, alg: 'ecdsa-p256-sha256' }, 'ERR_ALG_MISMATCH'],
  ['JSON text that does not parse', { key: '{"kty": ' }, 'ERR_KEY_INVALID'],
  ['JSON text of an Ed25519 JWK with alg hmac-sha256', { key: JSON.stringify(ed25519Jwk), alg: 'hmac-sha256' }, 'ERR_ALG_MISMATCH'],
  ['JWK without kty', { key: { crv: 'Ed25519', d: ed25519Jwk.d, x: ed25519Jwk.x } }, 'ERR_KEY_INVALID'],
  ['JWK as an array', { key: [] as never }, 'ERR_KEY_INVALID'],
  ['JWK of an unknown kty', { key: { kty: 'AES', k: hmacJwk.k }, keyId: 'k' }, 'ERR_KEY_UNSUPPORTED'],
  ['OKP JWK without crv', { key: { kty: 'OKP', d: ed25519Jwk.d, x: ed25519Jwk.x } }, 'ERR_KEY_INVALID'],
  ['OKP JWK on X25519', { key: { ...ed25519Jwk, crv: 'X25519' } }, 'ERR_KEY_UNSUPPORTED'],
  ['EC JWK on P-521', { key: { ...p256Jwk, crv: 'P-521' } }, 'ERR_KEY_UNSUPPORTED'],
  ['HMAC JWK without k', { key: { kty: 'oct' }, keyId: 'k' }, 'ERR_KEY_INVALID'],
  ['Ed25519 JWK with alg hmac-sha256', { key: ed25519Jwk, alg: 'hmac-sha256' }, 'ERR_ALG_MISMATCH'],
  ['HMAC JWK with alg ed25519', { key: hmacJwk, alg: 'ed25519' }, 'ERR_ALG_MISMATCH'],
  ['P-256 JWK with alg ecdsa-p384-sha384', { key: p256Jwk, alg: 'ecdsa-p384-sha384' }, 'ERR_ALG_MISMATCH'],
  ['RSA JWK with alg ed25519', { key: rsaJwk, alg: 'ed25519' }, 'ERR_ALG_MISMATCH'],
  ['raw HMAC bytes under 32', { key: new Uint8Array(16).fill(1), alg: 'hmac-sha256', keyId: 'k' }, 'ERR_KEY_TOO_SHORT'],
  ['raw bytes without alg, not DER', { key: new Uint8Array(32).fill(1), keyId: 'k' }, 'ERR_KEY_UNSUPPORTED'],
  ['raw 32 bytes with alg ed25519 (a seed or a public key?)', { key: new Uint8Array(32).fill(1), alg: 'ed25519', keyId: 'k' }, 'ERR_KEY_UNSUPPORTED'],
]

// [name, options, code]: what only the import reads passes createSigner and fails the first
// sign() with this code (the README lists these).
const atFirstSign: [string, SignerOptions, string][] = [
  ['PEM body not base64', { key: pem('PRIVATE KEY', 'AA*A') }, 'ERR_KEY_INVALID'],
  ['PEM with two keys', { key: edPkcs8 + edPkcs8 }, 'ERR_KEY_INVALID'],
  ['PEM with Proc-Type headers', { key: pem('RSA PRIVATE KEY', 'Proc-Type: 4,ENCRYPTED\n\nAAAA'), alg: 'rsa-pss-sha512' }, 'ERR_KEY_UNSUPPORTED'],
  ['PKCS#1 RSA PEM without alg', { key: rsaPkcs1 }, 'ERR_KEY_UNSUPPORTED'],
  ['PKCS#8 Ed25519 PEM with alg ecdsa-p256-sha256', { key: edPkcs8, alg: 'ecdsa-p256-sha256' }, 'ERR_ALG_MISMATCH'],
  ['PKCS#8 RSA-PSS PEM with alg rsa-v1_5-sha256', { key: pssPkcs8, alg: 'rsa-v1_5-sha256' }, 'ERR_ALG_MISMATCH'],
  ['HMAC JWK with an empty k', { key: { kty: 'oct', k: '' }, keyId: 'k' }, 'ERR_KEY_TOO_SHORT'],
  ['Ed25519 JWK with a d of the wrong length', { key: { ...ed25519Jwk, d: `${ed25519Jwk.d}AA` } }, 'ERR_KEY_INVALID'],
  ['RSA JWK declaring PS512 with alg rsa-v1_5-sha256', { key: { ...rsaJwk, alg: 'PS512' }, alg: 'rsa-v1_5-sha256' }, 'ERR_ALG_MISMATCH'],
  ['JWK alg that does not fit its kty', { key: { ...ed25519Jwk, alg: 'ES256' } }, 'ERR_KEY_INVALID'],
  ['RSA JWK without any alg', { key: rsaNoKid, keyId: 'k' }, 'ERR_KEY_UNSUPPORTED'],
]

describe('createSigner refuses a bad key at creation, before any sign()', () => {
  for (const [name, options, code] of coded) {
    it(`${name}: ${code}`, async () => {
      const err = creationError(options)
      expect(hasErrorCode(err, code as never), `expected ${code}, got ${String(err)}`).toBe(true)
      // The import would have refused it the same way on the first sign().
      const material = options.key as Parameters<typeof importKey>[0]
      const imported = await importKey(material, options.alg === undefined ? {} : { alg: options.alg }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(hasErrorCode(imported, code as never), `importKey: expected ${code}, got ${String(imported)}`).toBe(true)
    })
  }

  it('a SignetKey bound to another algorithm: ERR_ALG_MISMATCH', async () => {
    const key = await importKey(ed25519Jwk)
    expect(hasErrorCode(creationError({ key, alg: 'ecdsa-p256-sha256' }), 'ERR_ALG_MISMATCH')).toBe(true)
    expect(() => createSigner({ key, alg: 'ed25519' })).not.toThrow()
  })

  it('a public JWK (object or JSON text) is a TypeError naming "key"', () => {
    const publics: unknown[] = [publicJwk(ed25519Jwk), publicJwk(p256Jwk), { ...publicJwk(rsaJwk), alg: 'RS256' }, JSON.stringify(publicJwk(ed25519Jwk))]
    for (const key of publics) {
      const err = creationError({ key: key as never, keyId: 'k' })
      expect(err, String(key)).toBeInstanceOf(TypeError)
      expect(String(err)).toMatch(/"key" is a public key/)
    }
  })
})

describe('what only the import reads fails the first sign()', () => {
  for (const [name, options, code] of atFirstSign) {
    it(`${name}: ${code}`, async () => {
      const signer = createSigner(options)
      const err = await signer.sign(new Request(URL_)).then(() => undefined, (e: unknown) => e)
      expect(hasErrorCode(err, code as never), `expected ${code}, got ${String(err)}`).toBe(true)
    })
  }

  it('CryptoKeys are checked by the import: another algorithm, a cipher key', async () => {
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign'])
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify'])
    const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])
    const cases: [SignerOptions, string][] = [
      [{ key: hmac, alg: 'ed25519', keyId: 'k' }, 'ERR_ALG_MISMATCH'],
      [{ key: p384, alg: 'ecdsa-p256-sha256' }, 'ERR_ALG_MISMATCH'],
      [{ key: aes as CryptoKey, keyId: 'k' }, 'ERR_KEY_UNSUPPORTED'],
    ]
    for (const [options, code] of cases) {
      const err = await createSigner(options).sign(new Request(URL_)).then(() => undefined, (e: unknown) => e)
      expect(hasErrorCode(err, code as never), `expected ${code}, got ${String(err)}`).toBe(true)
    }
  })

  it('a public key in PEM, as a SignetKey or a CryptoKey is a TypeError from sign()', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
    const publics: unknown[] = [vectors.keys['test-key-ed25519']!.public_pem, publicKey(await importKey(ed25519Jwk)), pair.publicKey]
    for (const key of publics) {
      const err = await createSigner({ key: key as never, keyId: 'k' }).sign(new Request(URL_)).then(() => undefined, (e: unknown) => e)
      expect(err, String(key)).toBeInstanceOf(TypeError)
      expect(String(err)).toMatch(/"key" is a public key/)
    }
  })
})

describe('keys that pass the creation checks sign', () => {
  const cases: [string, SignerOptions, () => Promise<SignetKey>][] = [
    ['PKCS#8 Ed25519 PEM', { key: edPkcs8, alg: 'ed25519', keyId: 'k' }, () => importKey(publicJwk(ed25519Jwk), { kid: 'k' })],
    ['SEC1 P-256 PEM', { key: p256Sec1, keyId: 'k' }, () => importKey(publicJwk(p256Jwk), { kid: 'k' })],
    ['PKCS#1 RSA PEM with alg', { key: rsaPkcs1, alg: 'rsa-v1_5-sha256', keyId: 'k' }, () => importKey(publicJwk(rsaJwk), { alg: 'rsa-v1_5-sha256', kid: 'k' })],
    ['PKCS#8 RSA-PSS PEM', { key: pssPkcs8, keyId: 'k' }, async () => publicKey(await importKey(pssPkcs8, { kid: 'k' }))],
    ['JSON text of a JWK', { key: JSON.stringify(hmacJwk) }, () => importKey(hmacJwk)],
  ]
  for (const [name, options, verifyKey] of cases) {
    it(name, async () => {
      const signed = await createSigner({ ...options, now: () => 1_700_000_000 }).sign(new Request(URL_, { method: 'POST', body: 'x' }))
      const [result] = await verifyMessage(await fromFetchRequest(signed), { key: await verifyKey(), now: () => 1_700_000_001 })
      expect(result?.keyid).toBe(options.keyId ?? hmacJwk.kid)
    })
  }

  it('an Ed25519 private key imported from its raw seed signs', async () => {
    const key = await importKey(seedOf(ed25519Jwk), { alg: 'ed25519', type: 'private', kid: 'k' })
    const signed = await createSigner({ key, now: () => 1_700_000_000 }).sign(new Request(URL_, { method: 'POST', body: 'x' }))
    const [result] = await verifyMessage(await fromFetchRequest(signed), { key: await importKey(publicJwk(ed25519Jwk), { kid: 'k' }), now: () => 1_700_000_001 })
    expect(result?.keyid).toBe('k')
  })

  it('an HMAC secret given as an Ed25519 key never becomes a signer', () => {
    expect(() => createSigner({ key: seedOf(ed25519Jwk), alg: 'ed25519', keyId: 'k' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNSUPPORTED' }))
  })

  it('SEC1 EC PEM with its matching alg signs, alone and after an EC PARAMETERS block', async () => {
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n'
    for (const key of [p256Sec1, params + p256Sec1]) {
      const signed = await createSigner({ key, alg: 'ecdsa-p256-sha256', keyId: 'k', now: () => 1_700_000_000 }).sign(new Request(URL_))
      const [result] = await verifyMessage(await fromFetchRequest(signed), { key: await importKey(publicJwk(p256Jwk), { kid: 'k' }), now: () => 1_700_000_001 })
      expect(result?.alg).toBe('ecdsa-p256-sha256')
    }
  })

  it('one half of a key pair is not a pair', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
    expect(() => createSigner({ key: { privateKey: (pair as CryptoKeyPair).privateKey } as never, keyId: 'k' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }))
  })

  it('a JSON-text HMAC JWK without a kid needs a keyId, at creation', () => {
    const { kid: _k, ...noKid } = hmacJwk
    expect(() => createSigner({ key: JSON.stringify(noKid) })).toThrow(/"keyId"/)
  })
})

function seedOf(jwk: JsonWebKey): Uint8Array {
  const b64 = String(jwk.d).replace(/-/g, '+').replace(/_/g, '/')
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0))
}
