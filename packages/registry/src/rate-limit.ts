/**
 * Rate limits: `N/PERIOD`, as GCRA (the generic cell rate algorithm, a token bucket kept as one
 * timestamp).
 *
 * A limit of N per period P lets a key send up to N requests at once (the bucket's size) and then
 * one every P/N (its refill rate). The state is the theoretical arrival time `tat`: when the
 * bucket would be full again. A request at `now` is allowed when `tat + P/N - P <= now`; it moves
 * `tat` to `max(tat, now) + P/N`. One number per key, updated in one step, is what makes the
 * Redis check a single atomic script (stores/redis-quota.ts); this module holds the arithmetic
 * both the memory and the Redis limiter follow. A refused request does not move `tat`: refusals
 * never use quota.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import { parseDuration } from './duration.ts'
import type { RateLimitSpec } from './record.ts'

/** The largest N accepted in `N/PERIOD`. */
export const MAX_RATE_LIMIT = 1_000_000_000

/**
 * Parse `N/PERIOD` (`100/1m`, `5/1s`, `10000/1d`).
 *
 * @param text - the limit as typed
 * @param option - the option name, for the message
 * @returns the limit
 * @throws {SignetError} `ERR_USAGE` for anything else
 * @example parseRateLimit('100/1m') // { limit: 100, periodSeconds: 60 }
 */
export function parseRateLimit(text: string, option = 'rate-limit'): RateLimitSpec {
  const match = /^\s*([0-9]{1,10})\s*\/\s*([0-9]*[smhdw])\s*$/.exec(String(text))
  const limit = match === null ? 0 : Number(match[1])
  if (match === null || limit < 1 || limit > MAX_RATE_LIMIT) {
    throw new SignetError('ERR_USAGE', `--${option} expects N/PERIOD like 100/1m or 5/1s (N from 1 to ${MAX_RATE_LIMIT}), got ${JSON.stringify(String(text).slice(0, 40))}`)
  }
  const period = match[2] as string
  // `1m` and `m` both mean one minute.
  return { limit, periodSeconds: parseDuration(/^[0-9]/.test(period) ? period : `1${period}`, option) }
}

/**
 * A rate limit as `N/PERIOD` text, the period in its largest whole unit.
 *
 * @example formatRateLimit({ limit: 100, periodSeconds: 60 }) // '100/1m'
 */
export function formatRateLimit(spec: RateLimitSpec): string {
  const units: readonly [string, number][] = [['w', 604_800], ['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]]
  const [unit, size] = units.find(([, n]) => spec.periodSeconds % n === 0) as [string, number]
  return `${spec.limit}/${spec.periodSeconds / size}${unit}`
}

/**
 * Check a rate-limit object given to the registry.
 *
 * @throws {TypeError} when it is not `{ limit, periodSeconds }` with positive whole numbers
 */
export function checkRateLimit(value: unknown, name = 'rateLimit'): RateLimitSpec {
  if (typeof value === 'string') return parseRateLimit(value, name)
  const r = value as Partial<RateLimitSpec> | null
  if (typeof r !== 'object' || r === null || !Number.isSafeInteger(r.limit) || !Number.isSafeInteger(r.periodSeconds) ||
    (r.limit as number) < 1 || (r.limit as number) > MAX_RATE_LIMIT || (r.periodSeconds as number) < 1) {
    throw new TypeError(`"${name}" expected "N/PERIOD" or { limit, periodSeconds } with positive whole numbers`)
  }
  return { limit: r.limit as number, periodSeconds: r.periodSeconds as number }
}

/** The outcome of one GCRA step. */
export interface GcraStep {
  readonly allowed: boolean
  /** The new theoretical arrival time (ms); unchanged when refused. */
  readonly tat: number
  /** Requests that could still be sent at once. */
  readonly remaining: number
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number
  /** Seconds until one request would be allowed (0 when allowed). */
  readonly retryAfterSeconds: number
}

/**
 * One GCRA decision.
 *
 * @param tat - the stored theoretical arrival time, ms (0 for none)
 * @param nowMs - the time of the request, ms
 * @param spec - the limit
 */
export function gcra(tat: number, nowMs: number, spec: RateLimitSpec): GcraStep {
  const periodMs = spec.periodSeconds * 1000
  const interval = periodMs / spec.limit
  const base = Math.max(tat, nowMs)
  const next = base + interval
  const allowAt = next - periodMs
  if (allowAt > nowMs) {
    return { allowed: false, tat, remaining: 0, resetSeconds: (base - nowMs) / 1000, retryAfterSeconds: (allowAt - nowMs) / 1000 }
  }
  return {
    allowed: true, tat: next, remaining: Math.floor((nowMs - allowAt) / interval + 1e-9),
    resetSeconds: (next - nowMs) / 1000, retryAfterSeconds: 0,
  }
}
