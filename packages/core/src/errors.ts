/**
 * One error base for every protocol failure, with a stable `code`.
 *
 * Misuse of the API (a wrong argument type, an option out of range) is a `TypeError` or
 * `RangeError` with a labelled message; everything a peer can cause by sending bytes is a
 * `SignetError` subclass. Codes are part of the public contract: they appear in problem+json
 * bodies, in CLI output and in logs, so they never change once released.
 *
 * Guards compare `name`/`code` rather than relying on `instanceof` alone, so errors thrown by
 * another copy of this package (another realm, a duplicated install) are still recognised.
 *
 * @module
 */

/** Every stable error code Signet can raise. */
export type SignetErrorCode =
  // Input shape
  | 'ERR_MALFORMED_MESSAGE'
  | 'ERR_MALFORMED_FIELD'
  | 'ERR_FIELD_TOO_LARGE'
  | 'ERR_TOO_MANY_SIGNATURES'
  | 'ERR_TOO_MANY_COMPONENTS'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_BODY_USED'
  // Components and signature base (RFC 9421 section 2)
  | 'ERR_UNKNOWN_COMPONENT'
  | 'ERR_MISSING_COMPONENT'
  | 'ERR_DUPLICATE_COMPONENT'
  | 'ERR_INVALID_COMPONENT'
  | 'ERR_AMBIGUOUS_QUERY_PARAM'
  // Signatures (RFC 9421 section 3 and 4)
  | 'ERR_SIGNATURE_MISSING'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_LABEL_EXISTS'
  | 'ERR_LABEL_NOT_FOUND'
  | 'ERR_TAG_MISMATCH'
  | 'ERR_REQUIRED_COMPONENT'
  | 'ERR_REQUIRED_PARAMETER'
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_CREATED_IN_FUTURE'
  | 'ERR_SIGNATURE_TOO_OLD'
  | 'ERR_SIGNATURE_EXPIRED'
  | 'ERR_NONCE_REPLAYED'
  // Digests (RFC 9530)
  | 'ERR_DIGEST_MISSING'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_DIGEST_UNSUPPORTED'
  // Algorithms and keys
  | 'ERR_ALG_UNSUPPORTED'
  | 'ERR_ALG_MISMATCH'
  | 'ERR_ALG_NOT_ALLOWED'
  | 'ERR_KEY_INVALID'
  | 'ERR_KEY_UNSUPPORTED'
  | 'ERR_KEY_TOO_SHORT'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_KEY_ID_MISMATCH'
  | 'ERR_KEY_EXPIRED'
  | 'ERR_KEY_NOT_YET_VALID'
  | 'ERR_KEY_DISABLED'
  | 'ERR_KEY_REVOKED'
  | 'ERR_BACKEND_UNAVAILABLE'
  // Server policy
  | 'ERR_IP_DENIED'
  // The request names another service's authority than the verifier serves (HTTP 421).
  | 'ERR_AUTHORITY_MISMATCH'
  | 'ERR_SCOPE_DENIED'
  | 'ERR_RATE_LIMITED'
  // A registry key with no credits left (429)
  | 'ERR_CREDITS_EXHAUSTED'
  | 'ERR_STORE_UNAVAILABLE'
  // Web Bot Auth key directories
  | 'ERR_DIRECTORY_UNAVAILABLE'
  | 'ERR_DIRECTORY_REFUSED'
  // Registry
  | 'ERR_KEY_ID_MALFORMED'
  | 'ERR_SECRET_MALFORMED'
  | 'ERR_REGISTRY_CORRUPT'
  | 'ERR_REGISTRY_LOCKED'
  | 'ERR_MASTER_KEY'
  | 'ERR_INVALID_STATE'
  | 'ERR_INVALID_EXPIRY'
  | 'ERR_INVALID_IP_RANGE'
  // CLI
  | 'ERR_USAGE'
  | 'ERR_IO'
  // signet fetch --fail: the server answered with a status of 400 or more
  | 'ERR_HTTP_STATUS'

/** Options accepted by every {@link SignetError} constructor. */
export interface SignetErrorOptions {
  cause?: unknown
}

/**
 * The base of every coded Signet error.
 *
 * @example
 * ```ts
 * try { await verifier.verify(request) }
 * catch (err) { if (isSignetError(err)) console.log(err.code) }
 * ```
 */
export class SignetError extends Error {
  /** The stable code of this error class. */
  static code: SignetErrorCode = 'ERR_MALFORMED_MESSAGE'
  /** The stable code of this error. */
  readonly code: SignetErrorCode

  constructor(code: SignetErrorCode, message: string, options?: SignetErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SignetError'
    this.code = code
  }

  /** A plain object safe to log or send: no stack, no cause, no key material. */
  toJSON(): { code: SignetErrorCode; message: string } {
    return { code: this.code, message: this.message }
  }
}

/** True for any Signet error, including one thrown by another copy of the package. */
export function isSignetError(value: unknown): value is SignetError {
  if (value instanceof SignetError) return true
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'SignetError' &&
    typeof (value as { code?: unknown }).code === 'string'
  )
}

/** True when `value` is a Signet error with the given code. */
export function hasErrorCode(value: unknown, code: SignetErrorCode): boolean {
  return isSignetError(value) && value.code === code
}

/**
 * The state of one rate-limit policy at a refusal, in the terms of
 * draft-ietf-httpapi-ratelimit-headers: `quota` requests per `windowSeconds`, `remaining` of
 * them left, the window reset in `resetSeconds`.
 */
export interface RateLimitState {
  /** The policy name (`key`, `owner`, `credits`). */
  readonly name: string
  readonly quota: number
  readonly windowSeconds: number
  readonly remaining: number
  readonly resetSeconds: number
}

/**
 * A request refused by a limit (429): `ERR_RATE_LIMITED` or `ERR_CREDITS_EXHAUSTED`, with what
 * the server puts in `RateLimit-Policy`, `RateLimit` and `Retry-After`.
 *
 * @example
 * ```ts
 * throw new LimitExceededError('ERR_RATE_LIMITED', 'over 10/1m', { retryAfterSeconds: 6, policies: [] })
 * ```
 */
export class LimitExceededError extends SignetError {
  /** Whole seconds until a retry may succeed (at least 1). */
  readonly retryAfterSeconds: number
  /** Every policy that applied to the request, the one that refused first. */
  readonly policies: readonly RateLimitState[]

  constructor(code: 'ERR_RATE_LIMITED' | 'ERR_CREDITS_EXHAUSTED', message: string, limit: { retryAfterSeconds: number; policies: readonly RateLimitState[] }) {
    super(code, message)
    this.retryAfterSeconds = Math.max(1, Math.ceil(limit.retryAfterSeconds))
    this.policies = limit.policies
  }
}
