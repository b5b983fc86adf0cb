/**
 * The verification policy every profile shares: one replay store, one clock tolerance, one set
 * of error codes. A profile verifier checks its own scheme's signature, then hands the timestamp
 * and the once-only value (webhook id, nonce or the signature itself) to these functions, so a
 * Stripe webhook, a Binance call and an RFC 9421 request are held to the same rules.
 *
 * The replay store is structurally the server's `NonceStore` (`record(key, ttlMs)`), so a
 * `MemoryNonceStore` or `RedisNonceStore` from `@signet/server` is passed in as it is; this
 * package never imports the server.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import type { BackendName } from '@signet/core'

/**
 * Records once-only values. Same contract as `@signet/server`'s `NonceStore`: records `key` for
 * `ttlMs` milliseconds and resolves true when it was new, false when it was already there.
 */
export interface ReplayStore {
  record(key: string, ttlMs: number): boolean | Promise<boolean>
}

/** Per-call context: a host (the server's `createVerifier`) lends its replay store. */
export interface VerifyContext {
  readonly replay?: ReplayStore | undefined
}

/** The policy options every profile verifier accepts. */
export interface ProfilePolicy {
  /** How far a timestamp may be from the clock, in the past or the future, in seconds. Default 300. */
  readonly toleranceSeconds?: number | undefined
  /** The clock, unix seconds. Default: `Date.now() / 1000`. */
  readonly now?: (() => number) | undefined
  /** Replay store; each accepted message's once-only value is recorded here. Default: none. */
  readonly replay?: ReplayStore | undefined
  /** Crypto backend for every verification (default: the fastest present). */
  readonly backend?: BackendName | undefined
}

/** {@link ProfilePolicy} with the defaults filled in. */
export interface ResolvedProfilePolicy {
  readonly toleranceSeconds: number
  readonly now: () => number
  readonly replay: ReplayStore | undefined
  readonly backend: BackendName | undefined
}

const systemSeconds = (): number => Date.now() / 1000

/**
 * Check and complete a profile policy once, at verifier creation.
 *
 * @throws {RangeError} for a negative or non-finite tolerance.
 * @throws {TypeError} for a clock that is not a function or a store without `record`.
 */
export function resolveProfilePolicy(policy: ProfilePolicy | undefined): ResolvedProfilePolicy {
  const { toleranceSeconds = 300, now = systemSeconds, replay, backend } = policy ?? {}
  if (typeof toleranceSeconds !== 'number' || !(toleranceSeconds >= 0) || !Number.isFinite(toleranceSeconds)) {
    throw new RangeError(`"toleranceSeconds" expected a finite number of seconds >= 0, got ${String(toleranceSeconds)}`)
  }
  if (typeof now !== 'function') throw new TypeError('"now" expected a function returning unix seconds')
  if (replay !== undefined && (typeof replay !== 'object' || replay === null || typeof replay.record !== 'function')) {
    throw new TypeError('"replay" expected a store with record(key, ttlMs)')
  }
  return { toleranceSeconds, now, replay, backend }
}

/**
 * Refuse a timestamp further than the tolerance from the clock.
 *
 * @throws {SignetError} `ERR_SIGNATURE_TOO_OLD` or `ERR_CREATED_IN_FUTURE`.
 */
export function checkTimestamp(seconds: number, policy: ResolvedProfilePolicy, toleranceSeconds: number = policy.toleranceSeconds): void {
  const now = policy.now()
  if (now - seconds > toleranceSeconds) {
    throw new SignetError('ERR_SIGNATURE_TOO_OLD', `the timestamp is ${Math.round(now - seconds)} s old; at most ${toleranceSeconds} s is accepted`)
  }
  if (seconds - now > toleranceSeconds) {
    throw new SignetError('ERR_CREATED_IN_FUTURE', `the timestamp is ${Math.round(seconds - now)} s in the future; at most ${toleranceSeconds} s is accepted`)
  }
}

/**
 * Record a once-only value after the signature holds (so nobody without the key can burn one).
 *
 * @param scope - the profile name, so equal values of two schemes never collide.
 * @param ttlSeconds - how long a replay would still pass the time checks.
 * @param context - the caller's store, used when the verifier was given none (the server's).
 * @throws {SignetError} `ERR_NONCE_REPLAYED` when it was already recorded.
 */
export async function recordOnce(policy: ResolvedProfilePolicy, scope: string, value: string, ttlSeconds: number, context?: VerifyContext): Promise<void> {
  const store = policy.replay ?? context?.replay
  if (store === undefined) return
  const fresh = await store.record(`${scope}:${value}`, Math.max(1, Math.ceil(ttlSeconds * 1000)))
  if (!fresh) throw new SignetError('ERR_NONCE_REPLAYED', `this ${scope} message was already accepted`)
}
