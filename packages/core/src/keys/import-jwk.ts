/**
 * `importJwk`: the key import of the lean signing entry, for the two key types a client signer
 * holds: an HMAC secret (`oct`, RFC 7518 section 6.4) and an Ed25519 key (`OKP`, RFC 8037
 * section 2).
 *
 * `importKey` (import.ts) takes every form, PEM and DER included, and every key type, which
 * costs a browser bundle the ASN.1 reader and the RSA checks. This module takes these two types
 * only, with the member rules `validateJwk` uses too (jwk-members.ts: present, base64url, of
 * the right length, HMAC secrets of at least 32 bytes); `use` and `key_ops` must allow signing.
 * It produces
 * the same `SignetKey`, usable with every other Signet function. Unlike `importKey`, it does
 * not check at import that an Ed25519 `x` belongs to `d`: a mismatched pair fails at the
 * verifier, never silently.
 *
 * @module
 */
import { ED25519, HMAC_SHA256 } from '../algorithms.ts'
import { utf8 } from '../utf8.ts'
import { shortBase64 } from '../short-base64.ts'
import { digestBytes } from '../backends/lean-backend.ts'
import { SignetError } from '../errors.ts'
import { ed25519Members, invalid, octMembers } from './jwk-members.ts'
import { createSignetKey, type SignetKey } from './signet-key.ts'

/** Options of {@link importJwk}. */
export interface ImportJwkOptions {
  /** The key id; default: the JWK's `kid`, else the RFC 7638 thumbprint. */
  readonly kid?: string | undefined
  /** Whether `exportJwk` may reveal the secret or private part. Default true. */
  readonly extractable?: boolean | undefined
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
    normalized = octMembers(jwk as Record<string, unknown>)
    required = `{"k":"${normalized.k}","kty":"oct"}`
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    alg = ED25519
    normalized = ed25519Members(jwk as Record<string, unknown>)
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
