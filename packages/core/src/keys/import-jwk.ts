/**
 * `importJwk`: the key import of the lean signing entry, for the two key types a client signer
 * holds: an HMAC secret (`oct`, RFC 7518 section 6.4) and an Ed25519 key (`OKP`, RFC 8037
 * section 2).
 *
 * `importKey` (import.ts) takes every form, PEM and DER included, and every key type, which
 * costs a browser bundle the ASN.1 reader and the RSA checks. This module applies the same
 * rules as `validateJwk` to these two types only (members present, base64url, of the right
 * length; `use` and `key_ops` allow signing; HMAC secrets of at least 32 bytes), and produces
 * the same `SignetKey`, usable with every other Signet function. Unlike `importKey`, it does
 * not check at import that an Ed25519 `x` belongs to `d`: a mismatched pair fails at the
 * verifier, never silently.
 *
 * @module
 */
import { ED25519, HMAC_SHA256 } from '../algorithms.ts'
import { utf8 } from '../bytes.ts'
import { shortBase64 } from '../short-base64.ts'
import { digestBytes } from '../backends/signing.ts'
import { SignetError } from '../errors.ts'
import { createSignetKey, type SignetKey } from './signet-key.ts'

/** Options of {@link importJwk}. */
export interface ImportJwkOptions {
  /** The key id; default: the JWK's `kid`, else the RFC 7638 thumbprint. */
  readonly kid?: string | undefined
  /** Whether `exportJwk` may reveal the secret or private part. Default true. */
  readonly extractable?: boolean | undefined
}

// RFC 2104 section 3: a secret shorter than the hash output weakens the MAC.
const MIN_SECRET_BYTES = 32
const MAX_SECRET_BYTES = 1024

function invalid(message: string): never {
  throw new SignetError('ERR_KEY_INVALID', message)
}

// Canonical unpadded base64url (RFC 7515 section 2): the alphabet only and zero unused bits in
// the last character, so a key has one spelling. Checked without decoding: the backends decode.
const BASE64URL = /^(?:[\w-]{4})*(?:[\w-][AQgw]|[\w-]{2}[AEIMQUYcgkosw048])?$/

/** A base64url member of `length` bytes (an HMAC secret: 32 to 1024 bytes); returns its text. */
function member(jwk: JsonWebKey, name: 'k' | 'x' | 'd', length?: number): string {
  const value: unknown = jwk[name]
  if (typeof value !== 'string' || value.length > 4096 || !BASE64URL.test(value)) return invalid(`JWK member "${name}" must be base64url`)
  const bytes = (value.length * 3) >> 2
  if (length === undefined ? bytes > MAX_SECRET_BYTES : bytes !== length) invalid(`JWK member "${name}" has a wrong length, ${bytes} bytes`)
  if (bytes < MIN_SECRET_BYTES) throw new SignetError('ERR_KEY_TOO_SHORT', `"k" expected at least ${MIN_SECRET_BYTES} bytes, got ${bytes}`)
  return value
}

/**
 * Import an HMAC (`oct`) or Ed25519 (`OKP`) JWK as a `SignetKey`.
 *
 * @param jwk - the JWK; `kid`, `alg`, `use` and `key_ops` are checked when present.
 * @param options - {@link ImportJwkOptions}.
 * @returns a key bound to `hmac-sha256` or `ed25519` (RFC 9421 section 7.3.6).
 * @throws {TypeError} for malformed options.
 * @throws {SignetError} `ERR_KEY_INVALID` for a malformed JWK, `ERR_KEY_TOO_SHORT` for an HMAC
 *   secret under 32 bytes, `ERR_KEY_UNSUPPORTED` for another key type or curve (use
 *   `importKey` from `@signet/core`), `ERR_ALG_MISMATCH` when `alg` names another algorithm.
 * @example
 * ```ts
 * const key = await importJwk({ kty: 'oct', k: secret, kid: 'client-1' })
 * ```
 */
export async function importJwk(jwk: JsonWebKey & { kid?: string | undefined }, options: ImportJwkOptions = {}): Promise<SignetKey> {
  if (typeof jwk !== 'object' || jwk === null) invalid('a JWK must be a JSON object')
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object')
  const { kid = jwk.kid, extractable = true } = options
  if (kid !== undefined && !(typeof kid === 'string' && kid.length > 0 && kid.length <= 1024)) invalid('"kid" must be a non-empty string')
  // RFC 7517 sections 4.2 and 4.3: a key meant for encryption is not a signing key.
  if ((jwk.use ?? 'sig') !== 'sig' || (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('sign')))) {
    throw new SignetError('ERR_KEY_UNSUPPORTED', 'JWK "use" or "key_ops" does not allow signing')
  }
  let alg = HMAC_SHA256
  let normalized: JsonWebKey
  // RFC 7638 section 3.2 thumbprint input: the required members, sorted, no whitespace.
  let required: string
  if (jwk.kty === 'oct') {
    normalized = { kty: 'oct', k: member(jwk, 'k') }
    required = `{"k":"${normalized.k}","kty":"oct"}`
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    alg = ED25519
    normalized = { kty: 'OKP', crv: 'Ed25519', x: member(jwk, 'x', 32) }
    if (jwk.d !== undefined) normalized.d = member(jwk, 'd', 32)
    required = `{"crv":"Ed25519","kty":"OKP","x":"${normalized.x}"}`
  } else {
    throw new SignetError('ERR_KEY_UNSUPPORTED', 'only oct and Ed25519 JWKs here; use importKey from @signet/core')
  }
  if (jwk.alg !== undefined && jwk.alg !== alg.jose) throw new SignetError('ERR_ALG_MISMATCH', `JWK "alg" is not ${alg.jose}`)
  return createSignetKey(
    alg,
    kid ?? shortBase64(await digestBytes('sha-256', utf8(required)), true),
    alg.symmetric ? 'secret' : normalized.d === undefined ? 'public' : 'private',
    extractable,
    Object.freeze({ jwk: Object.freeze(normalized) }),
  )
}
