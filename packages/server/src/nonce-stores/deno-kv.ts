/**
 * The Deno KV nonce store: one replay window for every isolate of a Deno Deploy project (or every
 * process sharing one local KV file).
 *
 * Recording is one atomic operation: `check` that the key has no entry (versionstamp `null`),
 * then `set` it with `expireIn`, committed together. Of any number of concurrent verifiers
 * recording the same nonce, exactly one commit succeeds. Deno KV deletes expired entries
 * eventually, not at the instant they expire, so each entry holds its own expiry: a failed check
 * on an entry that has expired reads it and replaces it under a check of its versionstamp.
 *
 * An operation that throws (a local KV file shared by several processes answers "database is
 * locked" while another process writes) did not commit, so it is retried, with a growing pause,
 * until `timeoutMs` has passed. Every failure left then (a thrown error, no answer) becomes
 * `ERR_STORE_UNAVAILABLE`, answered 503.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { NonceStore } from '../nonce-store.ts'
import { storeTimeoutMs, withinStoreTimeout } from './store-timeout.ts'

/** A Deno KV key: a list of parts. */
export type DenoKvKey = readonly (string | number | bigint | boolean | Uint8Array)[]

/** The part of `Deno.Kv` the store uses; `await Deno.openKv()` fits it as is. */
export interface DenoKvLike {
  get(key: DenoKvKey): Promise<{ value: unknown; versionstamp: string | null }>
  atomic(): DenoKvAtomicLike
}

/** The part of `Deno.AtomicOperation` the store uses. */
export interface DenoKvAtomicLike {
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): DenoKvAtomicLike
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike
  commit(): Promise<{ ok: boolean }>
}

/** Options for {@link DenoKvNonceStore}. */
export interface DenoKvNonceStoreOptions {
  /** Key parts before the nonce. Default `['signet', 'nonce']`. */
  readonly prefix?: DenoKvKey
  /** Milliseconds before an unanswered operation counts as the store being unreachable. Default 1000. */
  readonly timeoutMs?: number
}

/**
 * A {@link NonceStore} on Deno KV.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv()
 * const verifier = createVerifier({ keys, nonces: new DenoKvNonceStore(kv) })
 * ```
 */
export class DenoKvNonceStore implements NonceStore {
  readonly #kv: DenoKvLike
  readonly #prefix: DenoKvKey
  readonly #timeoutMs: number

  /**
   * @param kv - an open Deno KV (`await Deno.openKv()`)
   * @param options - key prefix and timeout
   * @throws {TypeError} when `kv` is not a Deno KV
   * @throws {RangeError} when `timeoutMs` is not positive
   */
  constructor(kv: DenoKvLike, options: DenoKvNonceStoreOptions = {}) {
    if (typeof kv !== 'object' || kv === null || typeof kv.atomic !== 'function' || typeof kv.get !== 'function') {
      throw new TypeError('"kv" expected a Deno KV (await Deno.openKv())')
    }
    const timeoutMs = storeTimeoutMs(options.timeoutMs)
    const prefix = options.prefix ?? ['signet', 'nonce']
    if (!Array.isArray(prefix)) throw new TypeError('"prefix" expected an array of key parts')
    this.#kv = kv
    this.#prefix = [...prefix]
    this.#timeoutMs = timeoutMs
  }

  async record(key: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs))
    return withinStoreTimeout(() => this.#retrying([...this.#prefix, key], ttl, Date.now() + this.#timeoutMs), this.#timeoutMs, 'the Deno KV nonce store')
  }

  async #retrying(key: DenoKvKey, ttl: number, deadline: number): Promise<boolean> {
    for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 50)) {
      try {
        return await this.#record(key, ttl)
      } catch (error) {
        if (Date.now() + pauseMs >= deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, pauseMs))
      }
    }
  }

  async #record(key: DenoKvKey, ttl: number): Promise<boolean> {
    const now = Date.now()
    const expiresAt = now + ttl
    // The common case, a new nonce: one round trip.
    if ((await this.#kv.atomic().check({ key, versionstamp: null }).set(key, expiresAt, { expireIn: ttl }).commit()).ok) return true
    // Either live (a replay) or expired but not yet collected. A lost race here means another
    // verifier wrote the key just now, which makes it live: a replay either way.
    const existing = await this.#kv.get(key)
    if (existing.versionstamp !== null && !(typeof existing.value === 'number' && existing.value <= now)) return false
    const replaced = await this.#kv.atomic().check({ key, versionstamp: existing.versionstamp }).set(key, expiresAt, { expireIn: ttl }).commit()
    return replaced.ok
  }
}
