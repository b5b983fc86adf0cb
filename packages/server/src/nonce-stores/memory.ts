/**
 * The in-memory nonce store: the default, for a single verifier process.
 *
 * Bounded in entries and in bytes so a flood of validly signed requests cannot grow it without
 * limit. When it is full of live entries it refuses new ones with `ERR_RATE_LIMITED` rather than
 * evicting a live nonce, since forgetting a nonce early would reopen its replay window.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import type { NonceStore } from '../nonce-store.ts'

/** Options for {@link MemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /** Most live entries kept. Default 100 000. */
  readonly maxEntries?: number
  /** Most bytes of keys kept (UTF-16 code units count 2 bytes, plus a fixed per-entry cost). Default 16 MiB. */
  readonly maxBytes?: number
  /** Clock in unix milliseconds. Default `Date.now`. */
  readonly now?: () => number
}

// Map entry, hash slot and the number: a rough but stable per-entry cost.
const ENTRY_OVERHEAD_BYTES = 64

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`"${name}" expected a positive integer, got ${String(value)}`)
  return value
}

/**
 * A bounded, expiring, in-process {@link NonceStore}.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ keys, nonces: new MemoryNonceStore({ maxEntries: 10_000 }) })
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  readonly #maxEntries: number
  readonly #maxBytes: number
  readonly #now: () => number
  // Key -> expiry, in milliseconds since #epoch (the clock's first reading). Unix milliseconds
  // do not fit a small integer, so each entry would hold a boxed number of its own; offsets do
  // for about twelve days of uptime (beyond that they are boxed again, and just as correct).
  readonly #entries = new Map<string, number>()
  #epoch: number | undefined
  #bytes = 0
  #nextSweep = 0

  constructor(options: MemoryNonceStoreOptions = {}) {
    this.#maxEntries = positiveInteger(options.maxEntries, 100_000, 'maxEntries')
    this.#maxBytes = positiveInteger(options.maxBytes, 16 * 1024 * 1024, 'maxBytes')
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('"now" expected a function')
    this.#now = options.now ?? Date.now
  }

  /** Live entries currently held. */
  get size(): number {
    return this.#entries.size
  }

  /** Bytes currently accounted. */
  get bytes(): number {
    return this.#bytes
  }

  record(key: string, ttlMs: number): boolean {
    const clock = this.#now()
    if (this.#epoch === undefined) this.#epoch = clock
    const now = clock - this.#epoch
    const existing = this.#entries.get(key)
    if (existing !== undefined) {
      if (existing > now) return false
      this.#delete(key)
    }
    const cost = key.length * 2 + ENTRY_OVERHEAD_BYTES
    // Once a second, drop the expired entries at the front: entries are kept in insertion order
    // and most share one lifetime, so that is where they expire, and the sweep stops at the
    // first live one instead of walking every live nonce (O(n) each second under load). An entry
    // that expires behind a longer-lived one waits for the full sweep, which always runs before
    // the store refuses anything for being full.
    if (now >= this.#nextSweep) this.#sweepFront(now)
    if (this.#entries.size >= this.#maxEntries || this.#bytes + cost > this.#maxBytes) this.#sweep(now)
    if (this.#entries.size >= this.#maxEntries || this.#bytes + cost > this.#maxBytes) {
      throw new SignetError('ERR_RATE_LIMITED', 'the nonce store is full; retry later')
    }
    this.#entries.set(key, now + Math.max(1, Math.ceil(ttlMs)))
    this.#bytes += cost
    return true
  }

  /** Forget everything (tests, or a key rotation that invalidates every signature anyway). */
  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  #delete(key: string): void {
    if (this.#entries.delete(key)) this.#bytes -= key.length * 2 + ENTRY_OVERHEAD_BYTES
  }

  #sweep(now: number): void {
    this.#nextSweep = now + 1000
    for (const [key, expiresAt] of this.#entries) if (expiresAt <= now) this.#delete(key)
  }

  #sweepFront(now: number): void {
    this.#nextSweep = now + 1000
    for (const [key, expiresAt] of this.#entries) {
      if (expiresAt > now) break
      this.#delete(key)
    }
  }
}
