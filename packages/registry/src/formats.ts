/**
 * Key id and secret formats: a readable prefix, base62 randomness and a CRC-32 checksum.
 *
 * ```
 * key id   sgn_id_ + 22 base62 chars (128 random bits) + 6 base62 chars (CRC-32)    35 chars
 * secret   sgn_sk_ + 43 base62 chars (256 random bits) + 6 base62 chars (CRC-32)    56 chars
 * ```
 *
 * The prefix says what a token is when it turns up in a log, a paste or a commit; the
 * checksum (CRC-32 of the prefix and random part, big-endian base62, fixed width) lets a
 * secret scanner tell a real token from a random string of the same shape, and lets the
 * registry refuse a mistyped or truncated token before any lookup. Base62 keeps the token one
 * "word" for double-click selection and needs no escaping in URLs, headers or JSON.
 *
 * The HMAC key is the secret exactly as printed: the UTF-8 bytes of the whole `sgn_sk_...`
 * string (56 bytes, above the 32-byte floor). A JWK for it has `k` = base64url of those bytes,
 * so any HMAC library given the secret string computes the same MAC as Signet.
 *
 * @module
 */
import { SignetError, fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from '@signet/core'
import { crc32Ascii } from './crc32.ts'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Prefix of every key id. */
export const KEY_ID_PREFIX = 'sgn_id_'
/** Prefix of every HMAC secret. */
export const SECRET_PREFIX = 'sgn_sk_'

const KEY_ID_RANDOM_CHARS = 22 // 62^22 > 2^128
const SECRET_RANDOM_CHARS = 43 // 62^43 > 2^256
const CHECKSUM_CHARS = 6 // 62^6 > 2^32

/**
 * Regular expression matching a Signet HMAC secret anywhere in a text, for secret scanners
 * (GitHub secret scanning custom patterns, gitleaks, trufflehog). A match still has to pass
 * {@link isSecret} (the CRC-32) to be a real secret.
 *
 * @example `grep -E '\bsgn_sk_[0-9A-Za-z]{49}\b'`
 */
export const SECRET_PATTERN: RegExp = /\bsgn_sk_[0-9A-Za-z]{49}\b/
/** Regular expression matching a Signet key id anywhere in a text (not a secret). */
export const KEY_ID_PATTERN: RegExp = /\bsgn_id_[0-9A-Za-z]{28}\b/

const SECRET_EXACT = /^sgn_sk_[0-9A-Za-z]{49}$/
const KEY_ID_EXACT = /^sgn_id_[0-9A-Za-z]{28}$/

/** Encode `value` in base62, big-endian, left-padded with `0` to exactly `width` chars. */
function base62(value: bigint, width: number): string {
  let out = ''
  let v = value
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(v % 62n)]! + out
    v /= 62n
  }
  if (v !== 0n) throw new RangeError(`"value" does not fit in ${width} base62 chars`)
  return out
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** The 6-char checksum: a 32-bit value is exact in a double, so no BigInt on this hot path. */
function checksum(text: string): string {
  let v = crc32Ascii(text)
  let out = ''
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = ALPHABET[v % 62]! + out
    v = Math.floor(v / 62)
  }
  return out
}

function mint(prefix: string, randomByteCount: number, chars: number): string {
  const body = prefix + base62(bytesToBigInt(randomBytes(randomByteCount)), chars)
  return body + checksum(body)
}

function hasValidChecksum(text: string): boolean {
  const body = text.slice(0, text.length - CHECKSUM_CHARS)
  // A checksum, not a secret: an ordinary comparison is fine here.
  return checksum(body) === text.slice(text.length - CHECKSUM_CHARS)
}

/**
 * A new random key id (128 random bits).
 *
 * @returns a string like `sgn_id_0Xq3...` matching {@link KEY_ID_PATTERN}
 * @example const id = generateKeyId()
 */
export function generateKeyId(): string {
  return mint(KEY_ID_PREFIX, 16, KEY_ID_RANDOM_CHARS)
}

/**
 * A new random HMAC secret (256 random bits).
 *
 * @returns a string like `sgn_sk_...` matching {@link SECRET_PATTERN}
 * @example const secret = generateSecret()
 */
export function generateSecret(): string {
  return mint(SECRET_PREFIX, 32, SECRET_RANDOM_CHARS)
}

/** True when `value` is a well-formed key id with a valid checksum. */
export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && KEY_ID_EXACT.test(value) && hasValidChecksum(value)
}

/** True when `value` is a well-formed secret with a valid checksum. */
export function isSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET_EXACT.test(value) && hasValidChecksum(value)
}

/**
 * Check a key id's shape and checksum before any lookup.
 *
 * @param value - the candidate key id
 * @returns `value`, typed as a string
 * @throws {SignetError} `ERR_KEY_ID_MALFORMED` when the prefix, length, alphabet or checksum is wrong
 * @example assertKeyId('sgn_id_...')
 */
export function assertKeyId(value: unknown): string {
  if (isKeyId(value)) return value
  // A secret pasted where a key id belongs must not be repeated in the error (which may reach
  // a log or a problem body): name its prefix only.
  if (typeof value === 'string' && value.startsWith(SECRET_PREFIX)) {
    throw new SignetError('ERR_KEY_ID_MALFORMED', `malformed key id: this is a secret (${SECRET_PREFIX}...), not a key id (sgn_id_...); the secret is not shown`)
  }
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value
  throw new SignetError('ERR_KEY_ID_MALFORMED', `malformed key id ${shown}: expected sgn_id_ followed by 28 base62 chars with a valid checksum`)
}

/**
 * Check a secret's shape and checksum. The message never repeats the input.
 *
 * @throws {SignetError} `ERR_SECRET_MALFORMED`
 */
export function assertSecret(value: unknown): string {
  if (isSecret(value)) return value
  throw new SignetError('ERR_SECRET_MALFORMED', 'malformed secret: expected sgn_sk_ followed by 49 base62 chars with a valid checksum')
}

/** An HMAC JWK for a registry secret, as `signet sign --key` reads it. */
export interface SecretJwk {
  kty: 'oct'
  kid: string
  alg: 'HS256'
  k: string
}

/**
 * The JWK form of a registry HMAC secret: `k` is base64url (no padding) of the UTF-8 bytes of
 * the whole secret string, prefix and checksum included.
 *
 * @param keyid - the key id (checked)
 * @param secret - the secret (checked)
 * @throws {SignetError} `ERR_KEY_ID_MALFORMED`, `ERR_SECRET_MALFORMED`
 * @example secretToJwk(keyid, secret) // { kty: 'oct', kid, alg: 'HS256', k: 'c2duX3NrX...' }
 */
export function secretToJwk(keyid: string, secret: string): SecretJwk {
  return { kty: 'oct', kid: assertKeyId(keyid), alg: 'HS256', k: toBase64Url(utf8(assertSecret(secret))) }
}

/**
 * The secret string inside a JWK made by {@link secretToJwk}.
 *
 * @throws {SignetError} `ERR_SECRET_MALFORMED` when `k` does not hold a registry secret
 */
export function secretFromJwk(jwk: { k?: unknown }): string {
  let text: string
  try {
    text = fromUtf8(fromBase64Url(typeof jwk.k === 'string' ? jwk.k : '', 'k'))
  } catch {
    text = ''
  }
  return assertSecret(text)
}
