/**
 * The replay store interface.
 *
 * A nonce is recorded only after the signature verifies (DESIGN.md pipeline), so only a key
 * holder can write to the store, and an entry lives exactly as long as the signature could still
 * be accepted: after that the time checks refuse the replay on their own.
 *
 * @module
 */

/**
 * Remembers nonces for a while. The semantics every implementation keeps:
 *
 * - **Atomic.** Across every verifier sharing the store, two concurrent `record` calls with the
 *   same key never both return true.
 * - **A live entry is never forgotten early.** An entry stays until its `ttlMs` has passed,
 *   whatever else is recorded; a store with no room refuses the new entry (`ERR_RATE_LIMITED`)
 *   rather than evicting a live one, which would reopen that request's replay window.
 * - **A replay is answered before any quota.** A key already present resolves false even when
 *   the store (or the `owner`'s quota) is full, so a replay is never mistaken for a flood.
 * - **Quotas are per owner.** A bounded store accounts entries to the `owner` the verifier names
 *   (the key id that signed), so one key holder filling its share gets `ERR_RATE_LIMITED` for its
 *   own new requests while every other key's requests are still recorded.
 */
export interface NonceStore {
  /**
   * Record `key` for `ttlMs` milliseconds.
   *
   * @param key - the entry: the verifier passes the key id and the nonce, joined by U+0000.
   * @param ttlMs - how long the signature could still be accepted, ms.
   * @param owner - who the entry is accounted to (the verifying key's id), for per-owner quotas.
   *   Stores without quotas ignore it.
   * @returns true when the key was new (the request may proceed), false when it was already there (a replay).
   * @throws {SignetError} `ERR_STORE_UNAVAILABLE` when the store cannot answer (the server fails closed with 503),
   * `ERR_RATE_LIMITED` when a bounded store, or the owner's share of it, is full of live entries,
   * or `ERR_INVALID_PARAMETER` when the key is longer than the store accepts.
   */
  record(key: string, ttlMs: number, owner?: string): boolean | Promise<boolean>
}

/** True when `value` looks like a {@link NonceStore}. */
export function isNonceStore(value: unknown): value is NonceStore {
  return typeof value === 'object' && value !== null && typeof (value as { record?: unknown }).record === 'function'
}
