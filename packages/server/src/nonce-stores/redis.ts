/**
 * The Redis nonce store: one replay window shared by any number of verifier processes.
 *
 * `SET key 1 PX ttl NX` is atomic in Redis, so of any number of concurrent verifiers recording
 * the same nonce exactly one gets `OK`. Every failure (connection refused, a command that does not
 * answer within the timeout, a reply of the wrong shape) becomes `ERR_STORE_UNAVAILABLE`: a
 * verifier that cannot record a nonce must not accept the request (fail closed, DESIGN.md).
 *
 * Each nonce is one key and the store sends one single-key command, so an ioredis `Cluster`
 * works as it is (nonces spread over every slot; no command spans two), and so does a client
 * that reaches its primary through Sentinel.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { NonceStore } from '../nonce-store.ts'
import { storeTimeoutMs, withinStoreTimeout } from './store-timeout.ts'

/**
 * The one Redis command the store needs, shaped like ioredis' `set` so an ioredis client can be
 * passed as is; wrap any other client in an object with this method.
 */
export interface RedisSetClient {
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<'OK' | null | string>
}

/** Options for {@link RedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /** Key prefix. Default `signet:nonce:`. */
  readonly prefix?: string
  /** Milliseconds before an unanswered command counts as the store being unreachable. Default 1000. */
  readonly timeoutMs?: number
}

/**
 * A {@link NonceStore} on Redis.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const redis = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
 * const verifier = createVerifier({ keys, nonces: new RedisNonceStore(redis) })
 * ```
 */
export class RedisNonceStore implements NonceStore {
  readonly #client: RedisSetClient
  readonly #prefix: string
  readonly #timeoutMs: number

  constructor(client: RedisSetClient, options: RedisNonceStoreOptions = {}) {
    if (typeof client !== 'object' || client === null || typeof client.set !== 'function') {
      throw new TypeError('"client" expected an object with a set(key, value, "PX", ttl, "NX") method (an ioredis client works)')
    }
    const timeoutMs = storeTimeoutMs(options.timeoutMs)
    const prefix = options.prefix ?? 'signet:nonce:'
    if (typeof prefix !== 'string') throw new TypeError('"prefix" expected a string')
    this.#client = client
    this.#prefix = prefix
    this.#timeoutMs = timeoutMs
  }

  async record(key: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs))
    const reply: unknown = await withinStoreTimeout(() => this.#client.set(this.#prefix + key, '1', 'PX', ttl, 'NX'), this.#timeoutMs, 'the nonce store')
    if (reply === 'OK') return true
    if (reply === null) return false
    throw new SignetError('ERR_STORE_UNAVAILABLE', 'the nonce store gave an unexpected reply')
  }
}
