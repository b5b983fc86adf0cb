/**
 * The Durable Object nonce store: one replay window for every isolate and every location of a
 * Cloudflare Worker.
 *
 * A Worker runs in many isolates, and {@link MemoryNonceStore} remembers a nonce in one: a replay
 * that reaches another isolate within the `created` window would be accepted. This store sends
 * each nonce to one {@link SignetNonces} object, chosen by a hash of the key id and nonce among
 * `shards` objects, and that object records it atomically. One round trip to one object per
 * verification, never a scan.
 *
 * Changing `shards` moves most nonces to another object: the nonces of the last `maxAgeSeconds`
 * (300 s by default) could then be replayed once. Change it rarely, or together with a key
 * rotation.
 *
 * Every failure (the object throws, answers non-200, or does not answer within `timeoutMs`)
 * becomes `ERR_STORE_UNAVAILABLE`, answered 503: never an accepted replay.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { NonceStore } from '../nonce-store.ts'
import { NONCE_RECORD_PATH } from '../durable-objects/signet-nonces.ts'
import { shardOf } from '../durable-objects/types.ts'
import type { DurableObjectNamespaceLike, DurableObjectStubLike } from '../durable-objects/types.ts'
import { storeTimeoutMs, withinStoreTimeout } from './store-timeout.ts'

/** Options for {@link DurableObjectNonceStore}. */
export interface DurableObjectNonceStoreOptions {
  /** How many objects share the nonces (each handles about a thousand requests a second). Default 16. */
  readonly shards?: number
  /** Object names are `${prefix}${shard}`. Default `signet-nonces-`. */
  readonly prefix?: string
  /** Milliseconds before an unanswered call counts as the store being unreachable. Default 1000. */
  readonly timeoutMs?: number
}

/**
 * A {@link NonceStore} on Durable Objects of the class {@link SignetNonces}.
 *
 * @example
 * ```ts
 * import { createVerifier, DurableObjectNonceStore, withSignet } from '@signet/server'
 * export { SignetNonces } from '@signet/server'
 *
 * export default {
 *   fetch: withSignet(
 *     (env: Env) => createVerifier({ keys, nonces: new DurableObjectNonceStore(env.SIGNET_NONCES, { shards: 16 }) }),
 *     (req, caller) => Response.json({ hello: caller.owner }),
 *   ),
 * }
 * ```
 */
export class DurableObjectNonceStore implements NonceStore {
  readonly #namespace: DurableObjectNamespaceLike
  readonly #ids: unknown[]
  readonly #timeoutMs: number

  /**
   * @param namespace - the Durable Object namespace bound to the {@link SignetNonces} class
   * @param options - shard count, object name prefix, timeout
   * @throws {TypeError} when `namespace` is not a Durable Object namespace binding
   * @throws {RangeError} when `shards` is not an integer from 1 to 1024 or `timeoutMs` not positive
   */
  constructor(namespace: DurableObjectNamespaceLike, options: DurableObjectNonceStoreOptions = {}) {
    if (typeof namespace !== 'object' || namespace === null || typeof namespace.idFromName !== 'function' || typeof namespace.get !== 'function') {
      throw new TypeError('"namespace" expected a Durable Object namespace binding (env.SIGNET_NONCES) bound to the SignetNonces class')
    }
    const shards = options.shards ?? 16
    if (!Number.isSafeInteger(shards) || shards < 1 || shards > 1024) throw new RangeError(`"shards" expected an integer from 1 to 1024, got ${String(shards)}`)
    const timeoutMs = storeTimeoutMs(options.timeoutMs)
    const prefix = options.prefix ?? 'signet-nonces-'
    if (typeof prefix !== 'string') throw new TypeError('"prefix" expected a string')
    // Ids are plain values, derived once; a stub is an I/O object, made per call (Workers tie
    // some I/O objects to the request that created them).
    this.#namespace = namespace
    this.#ids = Array.from({ length: shards }, (_, i) => namespace.idFromName(`${prefix}${i}`))
    this.#timeoutMs = timeoutMs
  }

  async record(key: string, ttlMs: number): Promise<boolean> {
    const stub: DurableObjectStubLike = this.#namespace.get(this.#ids[shardOf(key, this.#ids.length)] as never)
    const call = async (): Promise<unknown> => {
      const response = await stub.fetch(`https://signet-nonces${NONCE_RECORD_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key, ttlMs: Math.max(1, Math.ceil(ttlMs)) }),
      })
      if (response.status !== 200) throw new Error(`the nonce object answered ${response.status}`)
      return response.json()
    }
    const answer: unknown = await withinStoreTimeout(call, this.#timeoutMs, 'the Durable Object nonce store')
    const fresh = (answer as { fresh?: unknown } | null)?.fresh
    if (typeof fresh !== 'boolean') throw new SignetError('ERR_STORE_UNAVAILABLE', 'the Durable Object nonce store gave an unexpected reply')
    return fresh
  }
}
