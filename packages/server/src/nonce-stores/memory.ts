/**
 * The in-memory nonce store: the default, for a single verifier process.
 *
 * Bounded in entries and in bytes so a flood of validly signed requests cannot grow it without
 * limit, and bounded per owner (the key id that signed) so one key holder cannot fill it for
 * everyone: a key that reaches its quota gets `ERR_RATE_LIMITED` for its own new nonces while
 * every other key is still served. When there is no room it refuses the new entry rather than
 * evicting a live nonce, since forgetting a nonce early would reopen its replay window; a replay
 * is recognised before any quota is looked at, so the flooder's own replays are still refused
 * as replays. Keys longer than `maxKeyLength` are refused outright, so the byte bound counts
 * entries of a known size.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { NonceStore } from '../nonce-store.ts'

/** Options for {@link MemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /** Most live entries kept. Default 100 000. */
  readonly maxEntries?: number
  /** Most bytes of keys kept (UTF-16 code units count 2 bytes, plus a fixed per-entry cost). Default 16 MiB. */
  readonly maxBytes?: number
  /**
   * Most live entries one owner (key id) may hold. Default: three quarters of `maxEntries`, so
   * one key alone never fills the store (a quarter stays for every other key) while a single
   * busy client still gets most of it: every nonce lives as long as its signature could be
   * accepted (330 s by default), so this share divided by that lifetime is the highest rate
   * one key can sustain (about 225 requests a second with the defaults).
   */
  readonly maxEntriesPerOwner?: number
  /** Most bytes one owner may hold. Default: three quarters of `maxBytes`. */
  readonly maxBytesPerOwner?: number
  /** Longest key accepted, in characters (key id, separator and nonce). Default 512. */
  readonly maxKeyLength?: number
  /** Clock in unix milliseconds. Default `Date.now`. */
  readonly now?: () => number
}

// Map entry, hash slot and the number: a rough but stable per-entry cost.
const ENTRY_OVERHEAD_BYTES = 64

/** What one owner holds. */
interface Share {
  readonly owner: string
  entries: number
  bytes: number
}

/** One live nonce: its expiry (ms since the store's epoch) and the share it counts against. */
interface Entry {
  readonly expiresAt: number
  readonly share: Share | undefined
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`"${name}" expected a positive integer, got ${String(value)}`)
  return value
}

function costOf(key: string): number {
  return key.length * 2 + ENTRY_OVERHEAD_BYTES
}

/**
 * A bounded, expiring, in-process {@link NonceStore} with per-owner quotas.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ keys, nonces: new MemoryNonceStore({ maxEntries: 10_000, maxEntriesPerOwner: 500 }) })
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  readonly #maxEntries: number
  readonly #maxBytes: number
  readonly #maxEntriesPerOwner: number
  readonly #maxBytesPerOwner: number
  readonly #maxKeyLength: number
  readonly #now: () => number
  // Key -> entry, expiry in milliseconds since #epoch (the clock's first reading): unix
  // milliseconds do not fit a small integer, offsets do for about twelve days of uptime.
  readonly #entries = new Map<string, Entry>()
  readonly #shares = new Map<string, Share>()
  #epoch: number | undefined
  #bytes = 0
  #nextSweep = 0
  #nextFullSweep = 0

  constructor(options: MemoryNonceStoreOptions = {}) {
    this.#maxEntries = positiveInteger(options.maxEntries, 100_000, 'maxEntries')
    this.#maxBytes = positiveInteger(options.maxBytes, 16 * 1024 * 1024, 'maxBytes')
    this.#maxEntriesPerOwner = positiveInteger(options.maxEntriesPerOwner, Math.max(1, Math.floor((this.#maxEntries * 3) / 4)), 'maxEntriesPerOwner')
    this.#maxBytesPerOwner = positiveInteger(options.maxBytesPerOwner, Math.max(1, Math.floor((this.#maxBytes * 3) / 4)), 'maxBytesPerOwner')
    this.#maxKeyLength = positiveInteger(options.maxKeyLength, 512, 'maxKeyLength')
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

  /** Live entries currently accounted to `owner`. */
  entriesOf(owner: string): number {
    return this.#shares.get(owner)?.entries ?? 0
  }

  record(key: string, ttlMs: number, owner?: string): boolean {
    const clock = this.#now()
    if (this.#epoch === undefined) this.#epoch = clock
    const now = clock - this.#epoch
    const existing = this.#entries.get(key)
    if (existing !== undefined) {
      // A replay is a replay, whatever the quotas say.
      if (existing.expiresAt > now) return false
      this.#delete(key, existing)
    }
    if (key.length > this.#maxKeyLength) throw new SignetError('ERR_INVALID_PARAMETER', `the nonce is too long (at most ${this.#maxKeyLength} characters with the key id)`)
    const cost = costOf(key)
    // Once a second, drop the expired entries at the front: entries are kept in insertion order
    // and most share one lifetime, so that is where they expire, and the sweep stops at the
    // first live one instead of walking every live nonce (O(n) each second under load).
    if (now >= this.#nextSweep) this.#sweepFront(now)
    let share = owner === undefined ? undefined : this.#shares.get(owner)
    if (!this.#fits(cost, share)) {
      this.#sweepFront(now)
      // An entry that expired behind a longer-lived one is only found by a full walk; at most
      // one a second, so a key hammering its full quota cannot make every request O(n).
      if (!this.#fits(cost, share) && now >= this.#nextFullSweep) {
        this.#nextFullSweep = now + 1000
        this.#sweep(now)
      }
      share = owner === undefined ? undefined : this.#shares.get(owner)
    }
    if (share !== undefined && (share.entries >= this.#maxEntriesPerOwner || share.bytes + cost > this.#maxBytesPerOwner)) {
      throw new SignetError('ERR_RATE_LIMITED', 'this key has too many live nonces; retry later')
    }
    if (this.#entries.size >= this.#maxEntries || this.#bytes + cost > this.#maxBytes) {
      throw new SignetError('ERR_RATE_LIMITED', 'the nonce store is full; retry later')
    }
    if (owner !== undefined && share === undefined) {
      share = { owner, entries: 0, bytes: 0 }
      this.#shares.set(owner, share)
    }
    if (share !== undefined) {
      share.entries++
      share.bytes += cost
    }
    this.#entries.set(key, { expiresAt: now + Math.max(1, Math.ceil(ttlMs)), share })
    this.#bytes += cost
    return true
  }

  /** Forget everything (tests, or a key rotation that invalidates every signature anyway). */
  clear(): void {
    this.#entries.clear()
    this.#shares.clear()
    this.#bytes = 0
  }

  #fits(cost: number, share: Share | undefined): boolean {
    if (this.#entries.size >= this.#maxEntries || this.#bytes + cost > this.#maxBytes) return false
    return share === undefined || (share.entries < this.#maxEntriesPerOwner && share.bytes + cost <= this.#maxBytesPerOwner)
  }

  #delete(key: string, entry: Entry): void {
    if (!this.#entries.delete(key)) return
    const cost = costOf(key)
    this.#bytes -= cost
    const share = entry.share
    if (share !== undefined) {
      share.entries--
      share.bytes -= cost
      if (share.entries === 0) this.#shares.delete(share.owner)
    }
  }

  #sweep(now: number): void {
    this.#nextSweep = now + 1000
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#delete(key, entry)
  }

  #sweepFront(now: number): void {
    this.#nextSweep = now + 1000
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break
      this.#delete(key, entry)
    }
  }
}
