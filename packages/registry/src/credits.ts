/**
 * Credits: a number of uses per key, refilled at the start of each UTC day or month (or never).
 *
 * The record holds the amount and the refill; the count of uses lives in the quota store under
 * a counter named by the key, the credits' `epoch` and the current refill window. A new window
 * is a new counter, so refilling needs no timer; setting the credits again draws a new epoch,
 * so the key has the new amount left at once.
 *
 * @module
 */
import { randomBytes, toHex } from '@signet/core'
import type { CreditsSpec } from './record.ts'

/** How credits are refilled. */
export type CreditsRefill = CreditsSpec['refill']

/** Credits as the registry's callers give them. */
export interface CreditsOptions {
  /** Uses per refill period (0 blocks the key until the next refill). */
  readonly amount: number
  /** `daily` or `monthly` (UTC), or `none` (default) for a fixed number of uses. */
  readonly refill?: CreditsRefill
}

/**
 * Check credits given to the registry and draw a fresh epoch.
 *
 * @throws {TypeError} for an amount that is not a whole number from 0, or an unknown refill
 */
export function creditsOf(options: CreditsOptions | number): CreditsSpec {
  const o = typeof options === 'number' ? { amount: options } : options
  if (typeof o !== 'object' || o === null || !Number.isSafeInteger(o.amount) || o.amount < 0) {
    throw new TypeError('"credits" expected a whole number of uses from 0, or { amount, refill }')
  }
  const refill = o.refill ?? 'none'
  if (!['daily', 'monthly', 'none'].includes(refill)) throw new TypeError('"credits.refill" expected "daily", "monthly" or "none"')
  return { amount: o.amount, refill, epoch: toHex(randomBytes(6)) }
}

/**
 * The refill window at `nowMs`: its name (part of the counter's name) and its end (ms;
 * `Infinity` for credits that never refill).
 */
export function creditsWindow(refill: CreditsRefill, nowMs: number): { readonly id: string; readonly endMs: number } {
  if (refill === 'none') return { id: 'all', endMs: Number.POSITIVE_INFINITY }
  const d = new Date(nowMs)
  if (refill === 'daily') {
    const day = Math.floor(nowMs / 86_400_000)
    return { id: `d${day}`, endMs: (day + 1) * 86_400_000 }
  }
  return { id: `m${d.getUTCFullYear()}-${d.getUTCMonth() + 1}`, endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) }
}
