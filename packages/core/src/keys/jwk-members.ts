/**
 * The key members of the two JWK types a client signer holds: an HMAC secret (`oct`, RFC 7518
 * section 6.4) and an Ed25519 key (`OKP`, RFC 8037 section 2).
 *
 * One set of rules for every import: the lean `importJwk` (import-jwk.ts) and the full
 * `validateJwk` (jwk.ts) both take these members from here, so a key is accepted or refused the
 * same way whichever entry point a caller used. The members are checked as text, without
 * decoding (the backends decode): canonical unpadded base64url (RFC 7515 section 2: the
 * alphabet only and zero unused bits in the last character, so a key has one spelling), and a
 * length in bytes computed from the text. This module is part of the lean signing graph: it
 * imports nothing but the error class.
 *
 * @module
 */
import { SignetError } from '../errors.ts'

/** HMAC secrets shorter than the hash output weaken the MAC (RFC 2104 section 3). */
export const MIN_SECRET_BYTES = 32
// A secret longer than this is not a key someone meant to use; refuse rather than hash it.
const MAX_SECRET_BYTES = 1024
const MAX_MEMBER_CHARS = 4096

const BASE64URL = /^(?:[\w-]{4})*(?:[\w-][AQgw]|[\w-]{2}[AEIMQUYcgkosw048])?$/

/**
 * Throw `ERR_KEY_INVALID`.
 *
 * @param message - what is wrong, naming members, never their values.
 * @throws {SignetError} always.
 */
export function invalid(message: string): never {
  throw new SignetError('ERR_KEY_INVALID', message)
}

/**
 * A base64url member of `length` bytes, or with no `length` an HMAC secret (32 to 1024 bytes;
 * a fixed length is never under 32, so the one "too short" check serves both); returns its text.
 */
function member(jwk: Readonly<Record<string, unknown>>, name: string, length?: number): string {
  const value = jwk[name]
  if (typeof value !== 'string' || value.length > MAX_MEMBER_CHARS || !BASE64URL.test(value)) return invalid(`JWK member "${name}" must be base64url`)
  const bytes = (value.length * 3) >> 2
  if (length === undefined ? bytes > MAX_SECRET_BYTES : bytes !== length) invalid(`JWK member "${name}" has a wrong length, ${bytes} bytes`)
  if (bytes < MIN_SECRET_BYTES) throw new SignetError('ERR_KEY_TOO_SHORT', `"${name}" expected at least ${MIN_SECRET_BYTES} bytes, got ${bytes}`)
  return value
}

/**
 * The normalized members of an `oct` JWK: `{ kty: 'oct', k }`.
 *
 * @param jwk - a JWK whose `kty` is `oct`; members other than `k` are not read.
 * @returns the key members, `k` unchanged (canonical already).
 * @throws {SignetError} `ERR_KEY_INVALID` for a missing or malformed `k` or one over 1024
 *   bytes; `ERR_KEY_TOO_SHORT` for a secret under 32 bytes.
 * @example octMembers({ kty: 'oct', k: secret, kid: 'a' }) // { kty: 'oct', k: secret }
 */
export function octMembers(jwk: Readonly<Record<string, unknown>>): JsonWebKey {
  return { kty: 'oct', k: member(jwk, 'k') }
}

/**
 * The normalized members of an Ed25519 `OKP` JWK: `{ kty, crv, x }`, plus `d` for a private key.
 *
 * @param jwk - a JWK whose `kty` is `OKP` and `crv` is `Ed25519` (the caller checked both).
 * @returns the key members.
 * @throws {SignetError} `ERR_KEY_INVALID` for a missing or malformed `x`, or an `x` or `d` that
 *   is not 32 bytes.
 * @example ed25519Members(jwk).d === undefined // a public key
 */
export function ed25519Members(jwk: Readonly<Record<string, unknown>>): JsonWebKey {
  const out: JsonWebKey = { kty: 'OKP', crv: 'Ed25519', x: member(jwk, 'x', 32) }
  if (jwk.d !== undefined) out.d = member(jwk, 'd', 32)
  return out
}
