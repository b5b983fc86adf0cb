/**
 * What a key may be created or rotated with: the options of {@link Registry.create} and
 * {@link Registry.rotate}, the lifetimes and overlaps allowed, and the checks made on them
 * before anything is written (owner, scopes, labels, times).
 *
 * @module
 */
import { SignetError } from '@signet/core'
import type { AlgorithmName, KeyInput, SignetKey } from '@signet/core'
import type { CreditsOptions } from './credits.ts'
import type { RateLimitSpec } from './record.ts'

/** Default key lifetime: 90 days. */
export const DEFAULT_LIFETIME_SECONDS: number = 90 * 86_400
/** Default rotation overlap: 1 day. */
export const DEFAULT_OVERLAP_SECONDS: number = 86_400
/**
 * The latest expiry a key may be given: 100 years (of 365 days) ahead. Anything later is a
 * typo or an attempt at "never" by other means; `null` ("never", asked for explicitly) is the
 * only way to have no expiry.
 */
export const MAX_LIFETIME_SECONDS: number = 100 * 365 * 86_400
/**
 * The longest rotation overlap: 30 days. The old key of a rotation is presumed compromised or
 * retired; a longer overlap (or, for a key that never expires, an unbounded one) would keep it
 * verifying for as long as a fresh key, which defeats the rotation. An overlap is also cut at
 * the old key's own expiry. A longer one is refused (`ERR_INVALID_EXPIRY`) before any write.
 */
export const MAX_OVERLAP_SECONDS: number = 30 * 86_400


/** Options of {@link Registry.create}. */
export interface CreateKeyOptions {
  readonly owner: string
  /** The algorithm (default `hmac-sha256`). With `publicKey`, needed only when the key does not imply one. */
  readonly alg?: AlgorithmName
  /** Register this public key (JWK, PEM text, or an imported key) instead of generating one. */
  readonly publicKey?: KeyInput | SignetKey
  readonly scopes?: readonly string[]
  readonly allowIps?: readonly string[]
  readonly denyIps?: readonly string[]
  /** Unix seconds before which the key does not verify. */
  readonly notBefore?: number
  /**
   * Whole seconds from now until expiry, at most 100 years; `null` means never (a deliberate
   * choice, and the only way to have no expiry).
   */
  readonly expiresIn?: number | null
  /** Absolute expiry, whole unix seconds at most 100 years ahead; `null` means never. Overrides `expiresIn`. */
  readonly expires?: number | null
  /** Free-form labels (at most 256 chars each); `name` is served as the record's `label`. */
  readonly labels?: Readonly<Record<string, string>>
  /** Requests allowed per period: `"100/1m"` or `{ limit, periodSeconds }` (rate-limit.ts). */
  readonly rateLimit?: RateLimitSpec | string
  /** Uses allowed, refilled daily or monthly or never (credits.ts); a number means `{ amount }`. */
  readonly credits?: CreditsOptions | number
  /** Who is acting (overrides the registry's actor). */
  readonly actor?: string
}

/**
 * Options of {@link Registry.update}: what to change on a live key. Every member left out
 * stays as it is; `null` removes a limit, credits or an expiry ("never").
 */
export interface UpdateKeyOptions {
  readonly scopes?: readonly string[]
  readonly allowIps?: readonly string[]
  readonly denyIps?: readonly string[]
  /** Whole seconds from now until expiry; `null` means never. */
  readonly expiresIn?: number | null
  /** Absolute expiry, unix seconds; `null` means never. Overrides `expiresIn`. */
  readonly expires?: number | null
  /** The key's label (the `name` label); the empty string removes it. */
  readonly label?: string
  /** Labels to set (merged over the current ones). */
  readonly labels?: Readonly<Record<string, string>>
  /** A new rate limit, or `null` for none. */
  readonly rateLimit?: RateLimitSpec | string | null
  /** Credits: the key has `amount` left from now on (a fresh count), or `null` for unlimited. */
  readonly credits?: CreditsOptions | number | null
  readonly actor?: string
}

/** Options of {@link Registry.rotate}. */
export interface RotateKeyOptions {
  /**
   * How long the old key keeps verifying, in whole seconds: default 1 day, at most 30 days
   * (more is `ERR_INVALID_EXPIRY`), and never past the old key's own expiry.
   */
  readonly overlapSeconds?: number
  /** The successor's lifetime in whole seconds, at most 100 years (default: 90 days, or never when the old key never expired). */
  readonly expiresIn?: number | null
  /**
   * For an asymmetric key: the successor's public key. Required when the key was registered
   * from its owner's public key; otherwise a pair is generated here and its private key shown once.
   */
  readonly publicKey?: KeyInput | SignetKey
  readonly actor?: string
}

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/ // RFC 6749 section 3.3 scope-token

/** A short, safe description of an untrusted value for a message (never calls its methods). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40))
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return value === null ? 'null' : typeof value
}

/** The owner, trimmed. @throws {TypeError} for an empty, overlong or non-printable owner */
export function checkOwner(owner: unknown): string {
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 256 || /[\x00-\x1f\x7f]/.test(owner)) {
    throw new TypeError('"owner" expected a non-empty string of at most 256 printable characters')
  }
  return owner.trim()
}

/** Scopes, de-duplicated. @throws {TypeError} for an entry that is not an RFC 6749 scope token */
export function checkScopes(scopes: readonly string[] | undefined): string[] {
  if (scopes === undefined) return []
  if (!Array.isArray(scopes)) throw new TypeError('"scopes" expected an array of strings')
  const out: string[] = []
  for (const s of scopes) {
    if (typeof s !== 'string' || !SCOPE.test(s)) throw new TypeError(`"scopes" entry ${describe(s)} is not a scope token (RFC 6749 section 3.3)`)
    if (!out.includes(s)) out.push(s)
  }
  return out
}

/** Labels, copied. @throws {TypeError} for a label that is not a short string */
export function checkLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (labels === undefined) return {}
  if (typeof labels !== 'object' || labels === null) throw new TypeError('"labels" expected an object of strings')
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string' || k.length > 64 || v.length > 256) throw new TypeError(`"labels.${k.slice(0, 40)}" expected a string of at most 256 characters`)
    out[k] = v
  }
  return out
}

/** Whole seconds, at least 0. @throws {RangeError} otherwise */
export function checkSeconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"${name}" expected a whole number of seconds, got ${describe(value)}`)
  }
  return value
}

/**
 * The expiry asked for: whole seconds, in the future, at most 100 years ahead (`null`:
 * never). Checked before anything is written.
 *
 * @param now - unix seconds
 * @param options - `expires` (absolute) or `expiresIn` (relative)
 * @param fallback - the expiry when neither is given
 * @returns unix seconds, or null for never
 * @throws {SignetError} `ERR_INVALID_EXPIRY`
 * @throws {TypeError} for a value that is neither a number nor null
 */
export function expiryOf(now: number, options: { expires?: number | null; expiresIn?: number | null }, fallback: number | null): number | null {
  let expires: number | null
  if (options.expires !== undefined) {
    expires = options.expires
    if (expires !== null && typeof expires !== 'number') throw new TypeError('"expires" expected unix seconds or null')
    if (expires !== null && !Number.isSafeInteger(expires)) {
      throw new SignetError('ERR_INVALID_EXPIRY', `"expires" must be whole unix seconds, got ${describe(expires)}`)
    }
  } else if (options.expiresIn !== undefined) {
    const expiresIn = options.expiresIn
    if (expiresIn !== null && typeof expiresIn !== 'number') throw new TypeError('"expiresIn" expected seconds or null')
    if (expiresIn !== null && !Number.isSafeInteger(expiresIn)) {
      throw new SignetError('ERR_INVALID_EXPIRY', `"expiresIn" must be whole seconds, got ${describe(expiresIn)}`)
    }
    expires = expiresIn === null ? null : now + expiresIn
  } else {
    expires = fallback
  }
  if (expires !== null && expires <= now) {
    throw new SignetError('ERR_INVALID_EXPIRY', `the expiry ${expires} is not in the future (now ${now})`)
  }
  if (expires !== null && expires - now > MAX_LIFETIME_SECONDS) {
    throw new SignetError(
      'ERR_INVALID_EXPIRY',
      `the expiry ${expires} is more than 100 years ahead (now ${now}); for a key that never expires ask for "never" (null)`,
    )
  }
  return expires
}

/**
 * The rotation overlap asked for: whole seconds from 0 to 30 days. Checked before the key is
 * looked up, so a refused overlap reads and writes nothing.
 *
 * @param value - the overlap asked for
 * @param fallback - the registry's default overlap
 * @throws {SignetError} `ERR_INVALID_EXPIRY`
 */
export function overlapOf(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw new TypeError('"overlapSeconds" expected seconds')
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SignetError('ERR_INVALID_EXPIRY', `"overlapSeconds" must be whole seconds, at least 0, got ${describe(value)}`)
  }
  if (value > MAX_OVERLAP_SECONDS) {
    throw new SignetError(
      'ERR_INVALID_EXPIRY',
      `the overlap ${value} s is longer than the 30 days (${MAX_OVERLAP_SECONDS} s) an old key may keep verifying after its rotation`,
    )
  }
  return value
}
