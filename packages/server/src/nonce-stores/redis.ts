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
 * With `maxEntriesPerOwner`, one key holder cannot fill the shared Redis for everyone (the
 * memory store's per-owner quota, issue 11 defect 5): each record runs one Lua script that
 * checks for a replay first (so a flooder's replays are still refused as replays), then counts
 * the owner's live nonces in a sorted set scored by expiry, and records only under the quota.
 * The script reads the clock of Redis itself, so every verifier process counts the same
 * expiries. Both keys carry the owner as a hash tag (`{owner}`) so that in a Cluster they live
 * in one slot: all nonces of one key id then share a slot. Every verifier sharing a Redis must
 * use the same setting, since the nonce keys differ with and without it.
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
  /** Needed only with `maxEntriesPerOwner` (ioredis' `eval`). */
  eval?(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
}

/** Options for {@link RedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /** Key prefix. Default `signet:nonce:`. */
  readonly prefix?: string
  /** Milliseconds before an unanswered command counts as the store being unreachable. Default 1000. */
  readonly timeoutMs?: number
  /**
   * Most live nonces one owner (the verifying key's id) may hold; past it the owner's new
   * nonces get `ERR_RATE_LIMITED` while other keys are still served. Default: no quota (one
   * `SET` per request). Needs a client with `eval` (ioredis has it). With the default 330 s
   * nonce lifetime, this quota divided by 330 is the highest sustained rate of one key.
   */
  readonly maxEntriesPerOwner?: number
}

// KEYS[1] the nonce, KEYS[2] the owner's live nonces (member: the nonce key, score: its expiry
// in ms); ARGV[1] the lifetime in ms, ARGV[2] the quota. Returns 1 recorded, 0 replay, -1 over
// the quota. Effects replication (the default from Redis 7) lets a script write after TIME;
// Redis 5 and 6 need it asked for.
const RECORD_WITH_QUOTA = `
if redis.replicate_commands then redis.replicate_commands() end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return -1 end
local ttl = tonumber(ARGV[1])
redis.call('SET', KEYS[1], '1', 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, KEYS[1])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], tonumber(last[2]))
return 1
`

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
  readonly #maxEntriesPerOwner: number | undefined

  constructor(client: RedisSetClient, options: RedisNonceStoreOptions = {}) {
    if (typeof client !== 'object' || client === null || typeof client.set !== 'function') {
      throw new TypeError('"client" expected an object with a set(key, value, "PX", ttl, "NX") method (an ioredis client works)')
    }
    const timeoutMs = storeTimeoutMs(options.timeoutMs)
    const prefix = options.prefix ?? 'signet:nonce:'
    if (typeof prefix !== 'string') throw new TypeError('"prefix" expected a string')
    const quota = options.maxEntriesPerOwner
    if (quota !== undefined) {
      if (!Number.isSafeInteger(quota) || quota <= 0) throw new RangeError(`"maxEntriesPerOwner" expected a positive integer, got ${String(quota)}`)
      if (typeof client.eval !== 'function') throw new TypeError('"maxEntriesPerOwner" needs a client with an eval(script, numKeys, ...args) method (an ioredis client works)')
    }
    this.#client = client
    this.#prefix = prefix
    this.#timeoutMs = timeoutMs
    this.#maxEntriesPerOwner = quota
  }

  async record(key: string, ttlMs: number, owner?: string): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs))
    const quota = this.#maxEntriesPerOwner
    if (quota !== undefined) return this.#recordWithQuota(key, ttl, owner ?? '', quota)
    const reply: unknown = await withinStoreTimeout(() => this.#client.set(this.#prefix + key, '1', 'PX', ttl, 'NX'), this.#timeoutMs, 'the nonce store')
    if (reply === 'OK') return true
    if (reply === null) return false
    throw new SignetError('ERR_STORE_UNAVAILABLE', 'the nonce store gave an unexpected reply')
  }

  async #recordWithQuota(key: string, ttl: number, owner: string, quota: number): Promise<boolean> {
    // Braces in the owner would end the hash tag early; the tag only needs to be the same for
    // both keys of one owner, so they are replaced in the tag alone.
    const tag = '{' + owner.replace(/[{}]/g, '_') + '}'
    const evaluate = this.#client.eval as NonNullable<RedisSetClient['eval']>
    const reply: unknown = await withinStoreTimeout(
      () => evaluate.call(this.#client, RECORD_WITH_QUOTA, 2, this.#prefix + tag + key, this.#prefix + 'owner:' + tag, ttl, quota),
      this.#timeoutMs,
      'the nonce store',
    )
    if (reply === 1) return true
    if (reply === 0) return false
    if (reply === -1) throw new SignetError('ERR_RATE_LIMITED', 'this key has too many live nonces; retry later')
    throw new SignetError('ERR_STORE_UNAVAILABLE', 'the nonce store gave an unexpected reply')
  }
}
