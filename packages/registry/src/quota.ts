/**
 * Quota: the admission stage of a registry key, rate limits and credits, over a
 * {@link QuotaStore}.
 *
 * A check names every counter a request draws on: the key's GCRA bucket (rate-limit.ts), its
 * owner's bucket (per-owner limits across all the owner's keys) and its credits counter
 * (credits.ts). The store decides all of them in one atomic step: refused by any rate limit,
 * nothing is drawn (`ERR_RATE_LIMITED`); no credits left, nothing is drawn
 * (`ERR_CREDITS_EXHAUSTED`); otherwise every bucket moves and one credit is used, exactly once.
 * {@link MemoryQuota} does that in this process; the Redis quota (stores/redis-quota.ts) does it
 * in one Lua script for every process sharing the Redis.
 *
 * @module
 */
import { LimitExceededError } from '@signet/core'
import type { RateLimitState } from '@signet/core'
import { creditsWindow } from './credits.ts'
import { gcra } from './rate-limit.ts'
import type { CreditsSpec, RateLimitSpec } from './record.ts'

/** One request's draw on the counters. */
export interface QuotaCheck {
  /** What keeps the counters together (a Redis Cluster hash tag): the key's owner. */
  readonly group: string
  /** GCRA buckets, by counter name (`rl:<keyid>`, `owner`), with their policy names. */
  readonly limits: readonly { readonly id: string; readonly name: string; readonly spec: RateLimitSpec }[]
  /** The credits counter: at most `amount` uses in a window of `windowSeconds`, which resets in `resetSeconds`. */
  readonly credits?: { readonly id: string; readonly amount: number; readonly windowSeconds: number; readonly resetSeconds: number } | undefined
}

/** A store's decision on a {@link QuotaCheck}. */
export interface QuotaDecision {
  readonly code?: 'ERR_RATE_LIMITED' | 'ERR_CREDITS_EXHAUSTED' | undefined
  readonly retryAfterSeconds: number
  /** The state of every rate limit of the check, in its order. */
  readonly limits: readonly { readonly remaining: number; readonly resetSeconds: number }[]
  /** Credits left after this request (when the check had credits). */
  readonly creditsRemaining?: number | undefined
}

/** Where counters live. Every method is one atomic step. */
export interface QuotaStore {
  /** Decide and draw (see the module doc). `nowMs` is ignored by stores with their own clock (Redis). */
  take(check: QuotaCheck, nowMs: number): Promise<QuotaDecision>
  /** Uses counted on a credits counter (0 when none). */
  creditsUsed(group: string, id: string): Promise<number>
  /** Release connections (a store sharing the registry's connection does nothing). */
  close(): Promise<void>
}

/**
 * One atomic decision over counters read with `get` and written with `set` (a name, a value,
 * and when it may be forgotten, ms): the rule every store follows (the Redis script repeats it
 * in Lua).
 */
export function decide(
  check: QuotaCheck, nowMs: number, get: (name: string) => number, set: (name: string, value: number, untilMs: number) => void,
): QuotaDecision {
  const name = (id: string): string => `${check.group}\u0000${id}`
  const steps = check.limits.map((l) => gcra(get(name(l.id)), nowMs, l.spec))
  const limits = steps.map((s) => ({ remaining: s.remaining, resetSeconds: s.resetSeconds }))
  const refused = steps.filter((s) => !s.allowed)
  if (refused.length > 0) return { code: 'ERR_RATE_LIMITED', retryAfterSeconds: Math.max(...refused.map((s) => s.retryAfterSeconds)), limits }
  let creditsRemaining: number | undefined
  if (check.credits !== undefined) {
    const used = get(name(check.credits.id))
    if (used >= check.credits.amount) return { code: 'ERR_CREDITS_EXHAUSTED', retryAfterSeconds: check.credits.resetSeconds, limits, creditsRemaining: 0 }
    set(name(check.credits.id), used + 1, nowMs + (check.credits.resetSeconds + 86_400) * 1000)
    creditsRemaining = check.credits.amount - used - 1
  }
  check.limits.forEach((l, i) => {
    const step = steps[i] as (typeof steps)[number]
    set(name(l.id), step.tat, step.tat + 1000)
  })
  return { retryAfterSeconds: 0, limits, creditsRemaining }
}

/** Counters in this process's memory: one server process, tests, the demo. */
export class MemoryQuota implements QuotaStore {
  readonly #counters = new Map<string, { value: number; untilMs: number }>()
  readonly #now: () => number

  /** @param now - the clock, ms (default `Date.now`) */
  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  #get(name: string, nowMs: number): number {
    const c = this.#counters.get(name)
    if (c === undefined || c.untilMs <= nowMs) return 0
    return c.value
  }

  async take(check: QuotaCheck, nowMs: number = this.#now()): Promise<QuotaDecision> {
    if (this.#counters.size > 100_000) for (const [k, c] of this.#counters) if (c.untilMs <= nowMs) this.#counters.delete(k)
    return decide(check, nowMs, (name) => this.#get(name, nowMs), (name, value, untilMs) => void this.#counters.set(name, { value, untilMs }))
  }

  async creditsUsed(group: string, id: string): Promise<number> {
    return this.#get(`${group}\u0000${id}`, this.#now())
  }

  async close(): Promise<void> {}
}

/** The credits of a key never refilled: their counter outlives any retention (about 10 years). */
const NEVER_SECONDS = 10 * 365 * 86_400

/**
 * The check for one request of a key.
 *
 * @param keyid - the key
 * @param owner - its owner
 * @param rateLimit - the key's limit, if any
 * @param ownerLimit - the owner's limit across its keys, if any
 * @param credits - the key's credits, if any
 * @param nowMs - the time, ms
 */
export function quotaCheck(
  keyid: string, owner: string, rateLimit: RateLimitSpec | undefined, ownerLimit: RateLimitSpec | undefined,
  credits: CreditsSpec | undefined, nowMs: number,
): QuotaCheck {
  const limits: { id: string; name: string; spec: RateLimitSpec }[] = []
  if (rateLimit !== undefined) limits.push({ id: `rl:${keyid}`, name: 'key', spec: rateLimit })
  if (ownerLimit !== undefined) limits.push({ id: 'rl:owner', name: 'owner', spec: ownerLimit })
  if (credits === undefined) return { group: owner, limits }
  const window = creditsWindow(credits.refill, nowMs)
  const resetSeconds = window.endMs === Number.POSITIVE_INFINITY ? NEVER_SECONDS : Math.ceil((window.endMs - nowMs) / 1000)
  const windowSeconds = credits.refill === 'daily' ? 86_400 : credits.refill === 'monthly' ? 30 * 86_400 : NEVER_SECONDS
  return { group: owner, limits, credits: { id: `cr:${credits.account ?? keyid}:${credits.epoch}:${window.id}`, amount: credits.amount, windowSeconds, resetSeconds } }
}

/**
 * Every policy of a check with what the decision left of it, in the check's order, credits
 * last (credits that never refill have no window to state, and are left out): what the server
 * sends as `RateLimit-Policy` and `RateLimit`, on a 429 and on an admitted request alike.
 */
export function limitStates(check: QuotaCheck, decision: QuotaDecision): RateLimitState[] {
  const policies: RateLimitState[] = check.limits.map((l, i) => ({
    name: l.name, quota: l.spec.limit, windowSeconds: l.spec.periodSeconds,
    remaining: decision.limits[i]?.remaining ?? 0, resetSeconds: decision.limits[i]?.resetSeconds ?? 0,
  }))
  const c = check.credits
  if (c !== undefined && c.windowSeconds < NEVER_SECONDS) {
    policies.push({ name: 'credits', quota: c.amount, windowSeconds: c.windowSeconds, remaining: decision.creditsRemaining ?? 0, resetSeconds: c.resetSeconds })
  }
  return policies
}

/**
 * A refused decision as the error the server answers 429 with (`RateLimit-Policy`, `RateLimit`,
 * `Retry-After`).
 */
export function limitError(check: QuotaCheck, decision: QuotaDecision): LimitExceededError {
  const policies = limitStates(check, decision)
  if (decision.code === 'ERR_CREDITS_EXHAUSTED') {
    return new LimitExceededError('ERR_CREDITS_EXHAUSTED', 'this key has no credits left', { retryAfterSeconds: decision.retryAfterSeconds, policies })
  }
  const first = check.limits.findIndex((_, i) => (decision.limits[i]?.remaining ?? 0) === 0 && (decision.limits[i]?.resetSeconds ?? 0) > 0)
  const which = first === -1 ? 'a rate limit' : `the ${check.limits[first]?.name} rate limit`
  return new LimitExceededError('ERR_RATE_LIMITED', `over ${which}; retry later`, { retryAfterSeconds: decision.retryAfterSeconds, policies })
}
