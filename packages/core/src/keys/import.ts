/**
 * `importKey`: JWK, PEM, DER, raw bytes or a WebCrypto `CryptoKey` in, a `SignetKey` bound to
 * one algorithm out.
 *
 * This module holds the public signature and its options; the importer itself (import-any.ts,
 * with its validation and every key form) loads on the first call. `importKey` is async anyway,
 * and a server resolves keys on its first requests, not at start-up: its cold import skips
 * compiling the importer (issue 10 item 4).
 *
 * @module
 */
import type { ImportKeyOptions, KeyInput } from './import-options.ts'
import type { SignetKey } from './signet-key.ts'

export type { ImportKeyOptions, JwkInput, KeyInput } from './import-options.ts'

let importer: Promise<typeof import('./import-any.ts')> | undefined

/**
 * Import a key and bind it to its algorithm.
 *
 * @param input - a JWK (object or JSON text); PEM text (SPKI, PKCS#8, PKCS#1, SEC1, PKCS#8 or
 *   SPKI with the RSASSA-PSS OID); DER bytes; raw bytes (an HMAC secret with
 *   `alg: 'hmac-sha256'`, an Ed25519 seed or public key with `alg: 'ed25519'` and `type`); a
 *   WebCrypto `CryptoKey` (a non-extractable one stays on the webcrypto backend); or a
 *   `CryptoKeyPair` (its public half supplies the thumbprint and the public key).
 * @param options - {@link ImportKeyOptions}.
 * @returns the key, with `kid` from the options, the JWK, or the RFC 7638 thumbprint.
 * @throws {SignetError} `ERR_KEY_INVALID` for malformed input; `ERR_KEY_UNSUPPORTED` for an
 *   unsupported key type or an RSA key without `alg`; `ERR_ALG_MISMATCH` when `alg` contradicts
 *   the key; `ERR_KEY_TOO_SHORT` for an HMAC secret under 32 bytes or a small RSA modulus.
 * @throws {TypeError} or {RangeError} for malformed options.
 * @example
 * ```ts
 * const hmac = await importKey({ kty: 'oct', k: secretB64u })          // hmac-sha256
 * const rsa = await importKey(pem, { alg: 'rsa-v1_5-sha256' })          // RSA needs alg
 * const ed = await importKey(seed, { alg: 'ed25519', type: 'private' }) // raw seed
 * ```
 */
export async function importKey(input: KeyInput, options?: ImportKeyOptions): Promise<SignetKey> {
  return (await (importer ??= import('./import-any.ts'))).importAnyKey(input, options)
}
