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
 * Remembers nonces for a while. Implementations must be atomic across every verifier sharing the
 * store: two concurrent `record` calls with the same key never both return true.
 */
export interface NonceStore {
  /**
   * Record `key` for `ttlMs` milliseconds.
   *
   * @returns true when the key was new (the request may proceed), false when it was already there (a replay).
   * @throws {SignetError} `ERR_STORE_UNAVAILABLE` when the store cannot answer (the server fails closed with 503),
   * or `ERR_RATE_LIMITED` when a bounded store is full of live entries.
   */
  record(key: string, ttlMs: number): boolean | Promise<boolean>
}

/** True when `value` looks like a {@link NonceStore}. */
export function isNonceStore(value: unknown): value is NonceStore {
  return typeof value === 'object' && value !== null && typeof (value as { record?: unknown }).record === 'function'
}
