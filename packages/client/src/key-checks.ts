/**
 * The key checks `createSigner` runs when a signer is made, before any key is imported.
 *
 * Importing is asynchronous (WebCrypto, backend preparation) and stays lazy, on the first
 * `sign()`. What the input's shape tells without importing it is checked here, synchronously,
 * so a misconfigured signer fails where it is configured rather than at its first request: PEM
 * armour (a key block of a known kind, matching labels), JWK `kty`, `crv` and `k`, an explicit
 * `alg` that fits the key (RFC 9421 section 7.3.6: a key is bound to one algorithm), a public
 * JWK where a signing key is needed. Each rule is one that `importKey` of `@signet/core`
 * applies later, with the same code, so a key refused here would be refused there too
 * (key-checks.test.ts holds both to that).
 *
 * Left to the import, because this module is paid for in the full entry's bundle budget: the PEM
 * body and the DER inside it (a PKCS#8 key names its algorithm only there, a SEC1 key its
 * curve), JWK members' encodings and lengths and a JWK's own `alg`, what DER bytes hold,
 * `CryptoKey`s, whether a key pair's halves belong together, a public key in PEM or as a
 * `SignetKey`. The README lists both sets.
 *
 * @module
 */
import { algorithms, getAlgorithm, SignetError } from '@signet/core/signing'
import type { AlgorithmDescriptor, AlgorithmName, SignetErrorCode, SignetKey } from '@signet/core'
import { isCryptoKey } from './crypto-key.ts'

// RFC 7468 labels core reads (PKCS#8, SPKI, PKCS#1, SEC1, and the EC PARAMETERS block that
// `openssl ecparam -genkey` writes before the key); the prefix is the key type.
const PEM_LABEL = /^((RSA )?(PRIVATE|PUBLIC) KEY|EC P(RIVATE KEY|ARAMETERS))$/

function fail(code: SignetErrorCode, message: string): never {
  throw new SignetError(code, message)
}

/**
 * Check the key input of a signer without importing it.
 *
 * @param input - the `key` option (already known to be an object, a string or bytes).
 * @param alg - the `alg` option, already checked to be a known name.
 * @returns the JWK the input is (a JSON text parsed), else undefined; the caller reads it to
 *   tell whether a `keyId` is needed.
 * @throws {SignetError} `ERR_KEY_INVALID` for text that is neither PEM nor JSON, no complete PEM
 *   key block, labels that differ, a JWK without `kty`, `crv` or `k`; `ERR_KEY_UNSUPPORTED` for
 *   a PEM kind other than a plain key (a certificate, an encrypted key), an unknown `kty` or
 *   curve; `ERR_ALG_MISMATCH` when `alg` does not fit the key.
 * @throws {TypeError} for a public JWK.
 * @example checkKeyInput('-----BEGIN CERTIFICATE-----...', undefined) // throws ERR_KEY_UNSUPPORTED
 */
export function checkKeyInput(input: unknown, alg: AlgorithmName | undefined): JsonWebKey | undefined {
  const explicit = alg === undefined ? undefined : getAlgorithm(alg)
  if (input instanceof Uint8Array) {
    checkRaw(input, explicit)
    return undefined
  }
  if (typeof input === 'string' && input.includes('-----BEGIN')) {
    checkPem(input, explicit)
  } else if (isSignetKeyShape(input)) {
    // Bound to one algorithm: any other `alg` fails checkFits on the empty key type.
    if (explicit?.name !== input.algorithm.name) checkFits(explicit, '')
  } else if (typeof input === 'string' || !(isCryptoKey(input) || isCryptoKeyPair(input))) {
    let jwk = input
    if (typeof input === 'string') {
      try {
        jwk = JSON.parse(input)
      } catch {
        fail('ERR_KEY_INVALID', 'key text is not PEM or JSON')
      }
    }
    checkJwk(jwk as Record<string, unknown>, explicit)
    return jwk as JsonWebKey
  }
  return undefined
}

/** A WebCrypto key pair: both halves are CryptoKeys (one half alone is not a pair). */
function isCryptoKeyPair(value: unknown): boolean {
  const pair = value as { privateKey?: unknown; publicKey?: unknown }
  return typeof value === 'object' && value !== null && isCryptoKey(pair.privateKey) && isCryptoKey(pair.publicKey)
}

/** True for a core `SignetKey` (its `algorithm` is a descriptor with a JOSE name). */
export function isSignetKeyShape(value: unknown): value is SignetKey {
  if (typeof value !== 'object' || value === null || isCryptoKey(value)) return false
  const alg = (value as { algorithm?: unknown }).algorithm
  return typeof alg === 'object' && alg !== null && typeof (alg as { jose?: unknown }).jose === 'string'
}

/** @throws {TypeError} when `isPublic`: signing needs a private or secret key. */
export function refusePublic(isPublic: boolean): void {
  if (isPublic) throw new TypeError('"key" is a public key, which cannot sign')
}

/** ERR_ALG_MISMATCH unless `alg` (when given) is for this key type and curve. */
function checkFits(alg: AlgorithmDescriptor | undefined, kty: unknown, crv?: unknown): void {
  // The curve is compared only when the input names one: a SEC1 PEM names it inside its DER,
  // which the import reads.
  if (alg !== undefined && (alg.kty !== kty || (alg.crv !== undefined && crv !== undefined && alg.crv !== crv))) {
    fail('ERR_ALG_MISMATCH', `"alg" ${alg.name} cannot be used with this key`)
  }
}

/**
 * Raw bytes: an HMAC secret (at least 32 bytes, RFC 9421 key practice), DER (which starts with a
 * SEQUENCE, 0x30), or 32 bytes for Ed25519, which could be a seed or a public key alike: core
 * refuses to guess, and a signer cannot say which, so they are refused here with core's code.
 */
function checkRaw(bytes: Uint8Array, alg: AlgorithmDescriptor | undefined): void {
  if (alg?.name === 'ed25519') {
    fail('ERR_KEY_UNSUPPORTED', 'raw Ed25519 bytes may be a seed or a public key: pass a JWK, or importKey(bytes, { alg: "ed25519", type: "private" })')
  }
  if (alg?.symmetric === true && bytes.length < 32) fail('ERR_KEY_TOO_SHORT', `an HMAC secret needs at least 32 bytes, got ${bytes.length}`)
  if (alg === undefined && bytes[0] !== 0x30) fail('ERR_KEY_UNSUPPORTED', 'raw bytes without "alg" must be DER (PKCS#8 or SPKI)')
}

function checkPem(text: string, explicit: AlgorithmDescriptor | undefined): void {
  let found: string | undefined
  for (const [, label = '', , end] of text.matchAll(/-----BEGIN ([A-Z0-9 ]{1,40})-----([\s\S]*?)-----END ([A-Z0-9 ]{1,40})-----/g)) {
    if (label !== end) fail('ERR_KEY_INVALID', 'PEM labels differ')
    // A certificate, an encrypted key, or another kind.
    if (!PEM_LABEL.test(label)) fail('ERR_KEY_UNSUPPORTED', `PEM ${label} is not a plain key`)
    found = label
  }
  if (found === undefined) fail('ERR_KEY_INVALID', 'no PEM key block')
  // PKCS#8 and SPKI name their algorithm inside the DER, read by the import.
  if (/^(RSA|EC) /.test(found)) checkFits(explicit, found.split(' ')[0])
}

function checkJwk(jwk: Record<string, unknown>, explicit: AlgorithmDescriptor | undefined): void {
  const { kty, crv } = jwk ?? {}
  if (typeof kty !== 'string') fail('ERR_KEY_INVALID', 'JWK "kty" missing')
  const ofKty = algorithms.filter((a) => a.kty === kty)
  if (ofKty.length === 0) fail('ERR_KEY_UNSUPPORTED', 'JWK "kty" not supported')
  if (ofKty[0]?.crv !== undefined) {
    if (typeof crv !== 'string') fail('ERR_KEY_INVALID', 'JWK "crv" missing')
    if (!ofKty.some((a) => a.crv === crv)) fail('ERR_KEY_UNSUPPORTED', 'JWK "crv" not supported')
  }
  if (kty === 'oct' && typeof jwk.k !== 'string') fail('ERR_KEY_INVALID', 'JWK "k" missing')
  checkFits(explicit, kty, crv)
  refusePublic(kty !== 'oct' && jwk.d === undefined)
}
