/**
 * The Redis store: one registry shared by any number of verifier processes and machines.
 *
 * Layout (all under `<p>`, the prefix as a hash tag: `{signet:registry}` by default, or the
 * prefix as given when it already holds a `{...}` tag):
 *
 * ```
 * <p>:meta          hash   format, version, dataKey (wrapped), manifest (format 2, JSON)
 * <p>:keys          hash   keyid -> stored record (JSON, encrypted secret, MAC)
 * <p>:usage:<keyid> hash   requests, lastUsed, lastIp, lastRejected, rej:<code>
 * <p>:audit         list   audit entries (JSON), append-only (RPUSH)
 * <p>:ub:<keyid>:<g>:<start>  hash  a usage bucket (g: minute, hour, day): requests, rej:<code>;
 *                   expires when its retention ends (usage-buckets.ts)
 * <p>:changed       pub/sub channel: the key id of every changed record
 * ```
 *
 * The hash tag puts every key of one registry in one Redis Cluster slot, so the scripts and
 * `MULTI` transactions that touch several of them (a record and its audit entry, usage and the
 * record it counts for) run on a Redis Cluster as on one node. The URL chooses the topology
 * (one node, a cluster, Sentinel: redis-connection.ts); the layout is the same on all three.
 *
 * Verifiers keep a bounded local cache of records (LRU, with a TTL as a backstop) so the hot
 * path rarely touches Redis. Every write publishes the changed key ids inside the same
 * `MULTI`/`EXEC` as the write, and each process drops those ids from its cache when the message
 * arrives, so a revocation or a disable reaches every running verifier as fast as pub/sub
 * delivers (milliseconds; the tests measure it). While the subscription is down the cache is
 * emptied and bypassed: a verifier never serves a record it could not hear about. A fetch that
 * overlaps an invalidation is not cached (a generation counter), so a stale reply cannot land
 * in the cache after the message that made it stale.
 *
 * Commands fail fast when Redis is unreachable (no offline queue): the registry turns that into
 * `ERR_STORE_UNAVAILABLE`, which the server answers with 503 (fail closed).
 *
 * @module
 */
import { SignetError } from '@signet/core'
import { isSealed } from '../envelope.ts'
import { isManifestShape } from '../record.ts'
import type { QuotaStore } from '../quota.ts'
import type { AuditEntry, StoredKey, UsageBucket, UsageDelta, UsageStats } from '../record.ts'
import { BUCKET_SECONDS, resolveRetention } from '../usage-buckets.ts'
import type { UsageGranularity, UsageRetention } from '../usage-buckets.ts'
import { RedisQuota } from './redis-quota.ts'
import type { Mutation, RegistryStore, StoreMeta, TransactionContext } from './store.ts'
import { openRedisConnection, parseRedisUrl, redact } from './redis-connection.ts'
import type { RedisConnection } from './redis-connection.ts'

type RedisClient = RedisConnection

/** `prefix` as a Redis Cluster hash tag, unless it already holds one. */
export function hashTagged(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`
}

/** Options of {@link connectRedisStore}. */
export interface RedisStoreOptions {
  /** One node, a cluster or Sentinel: `redis://H:P[/db]`, `redis://H:P,H:P,...`, `redis+sentinel://H:P/NAME` (redis-connection.ts). */
  readonly url: string
  /** Key prefix (default `signet:registry`), used as a hash tag: `{signet:registry}:keys`. */
  readonly prefix?: string
  /** Records cached per process (default 10000). */
  readonly cacheSize?: number
  /** Backstop expiry of a cached record (default 60000 ms); pub/sub invalidation is the fast path. */
  readonly cacheTtlMs?: number
  /** Give up connecting after this long (default 2000 ms). */
  readonly connectTimeoutMs?: number
  /** Fail a command after this long (default 1000 ms). */
  readonly commandTimeoutMs?: number
  /** How long usage buckets are kept (usage-buckets.ts). */
  readonly usageRetention?: UsageRetention
}

const USAGE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local k = KEYS[2]
if tonumber(ARGV[2]) > 0 then redis.call('HINCRBY', k, 'requests', ARGV[2]) end
if ARGV[3] ~= '' then
  local cur = tonumber(redis.call('HGET', k, 'lastUsed') or '0')
  if tonumber(ARGV[3]) >= cur then redis.call('HSET', k, 'lastUsed', ARGV[3], 'lastIp', ARGV[4]) end
end
if ARGV[5] ~= '' then
  local cur = tonumber(redis.call('HGET', k, 'lastRejected') or '0')
  if tonumber(ARGV[5]) > cur then redis.call('HSET', k, 'lastRejected', ARGV[5]) end
end
for i = 6, #ARGV, 2 do redis.call('HINCRBY', k, 'rej:' .. ARGV[i], ARGV[i + 1]) end
return 1
`

// KEYS: the records hash, then the minute, hour and day bucket hashes. ARGV: keyid, the three
// expiries (seconds), requests, then code and count pairs.
const BUCKET_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
for i = 2, 4 do
  local ttl = tonumber(ARGV[i])
  if ttl > 0 then
    if tonumber(ARGV[5]) > 0 then redis.call('HINCRBY', KEYS[i], 'requests', ARGV[5]) end
    for j = 6, #ARGV, 2 do redis.call('HINCRBY', KEYS[i], 'rej:' .. ARGV[j], ARGV[j + 1]) end
    redis.call('EXPIRE', KEYS[i], ttl)
  end
end
return 1
`

const GRANULARITIES: readonly UsageGranularity[] = ['minute', 'hour', 'day']

function unavailable(cause: unknown): SignetError {
  if (cause instanceof SignetError) return cause
  const message = cause instanceof Error ? cause.message : String(cause)
  if (/WRONGTYPE/.test(message)) {
    return new SignetError('ERR_REGISTRY_CORRUPT', 'the Redis keys under this prefix hold data that is not a Signet registry', { cause })
  }
  return new SignetError('ERR_STORE_UNAVAILABLE', 'the Redis registry is unreachable', { cause })
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new SignetError('ERR_REGISTRY_CORRUPT', `the Redis registry holds a ${what} that is not JSON`)
  }
}

/** The metadata hash as {@link StoreMeta}; undefined when empty. */
function parseMeta(fields: Record<string, string>): StoreMeta | undefined {
  if (Object.keys(fields).length === 0) return undefined
  const dataKey = parseJson(fields['dataKey'] ?? '', 'data key')
  const version = fields['version'] === '1' ? 1 : fields['version'] === '2' ? 2 : undefined
  if (fields['format'] !== 'signet-registry' || version === undefined || !isSealed(dataKey)) {
    throw new SignetError('ERR_REGISTRY_CORRUPT', 'the Redis keys under this prefix are not a Signet registry')
  }
  const manifest = fields['manifest'] === undefined ? undefined : parseJson(fields['manifest'], 'manifest')
  if (manifest !== undefined && !isManifestShape(manifest)) throw new SignetError('ERR_REGISTRY_CORRUPT', 'the Redis registry holds a malformed manifest')
  return { format: 'signet-registry', version, dataKey, manifest }
}

function describeUrl(url: string): string {
  return redact(url)
}

/** A {@link RegistryStore} on Redis; create it with {@link connectRedisStore}. */
export class RedisStore implements RegistryStore {
  readonly kind: string = 'redis'
  readonly #client: RedisClient
  readonly #sub: RedisClient
  readonly #p: string
  readonly #cacheSize: number
  readonly #ttl: number
  readonly #retention: Required<UsageRetention>
  readonly #cache = new Map<string, { value: StoredKey | undefined; at: number }>()
  /** The metadata, cached like records; every write publishes, and any message drops it. */
  #meta: { value: StoreMeta | undefined; at: number } | undefined
  #subscribed = false
  #generation = 0
  #queue: Promise<unknown> = Promise.resolve()
  /** Cache hits and misses of {@link getKey} (for tests and metrics). */
  readonly stats: { hits: number; misses: number; invalidations: number } = { hits: 0, misses: 0, invalidations: 0 }
  /** Called with each invalidated key id (`*` for all), for tests and metrics. */
  onInvalidate: ((keyid: string) => void) | undefined

  /** @internal use {@link connectRedisStore} */
  constructor(client: RedisClient, sub: RedisClient, options: RedisStoreOptions) {
    this.#client = client
    this.#sub = sub
    this.#p = hashTagged(options.prefix ?? 'signet:registry')
    this.#cacheSize = options.cacheSize ?? 10_000
    this.#ttl = options.cacheTtlMs ?? 60_000
    this.#retention = resolveRetention(options.usageRetention)
    sub.on('message', (_channel: string, message: string) => this.#invalidate(message))
    const down = (): void => {
      this.#subscribed = false
      this.#invalidate('*')
    }
    sub.on('close', down)
    sub.on('reconnecting', down)
    sub.on('end', down)
    // A cluster's subscriber moves to another node when its node fails, and messages published
    // meanwhile are lost: forget everything and trust the cache again once resubscribed.
    sub.on('-node', () => {
      down()
      sub.subscribe(this.#channel).then(() => {
        this.#invalidate('*')
        this.#subscribed = true
      }, () => undefined)
    })
    sub.on('ready', () => {
      // After a reconnect: subscribe again before trusting the cache (idempotent if ioredis
      // already resubscribed).
      sub.subscribe(this.#channel).then(() => {
        this.#invalidate('*')
        this.#subscribed = true
      }, () => undefined)
    })
  }

  get #channel(): string {
    return `${this.#p}:changed`
  }

  /** @internal */
  async start(): Promise<void> {
    await this.#sub.subscribe(this.#channel)
    this.#subscribed = true
  }

  #invalidate(keyid: string): void {
    this.#generation++
    this.stats.invalidations++
    if (keyid === '*') this.#cache.clear()
    else this.#cache.delete(keyid)
    this.#meta = undefined
    this.onInvalidate?.(keyid)
  }

  async loadMeta(): Promise<StoreMeta | undefined> {
    const cached = this.#meta
    if (this.#subscribed && cached !== undefined && Date.now() - cached.at < this.#ttl) return cached.value
    const generation = this.#generation
    let fields: Record<string, string>
    try {
      fields = await this.#client.hgetall(`${this.#p}:meta`)
    } catch (err) {
      throw unavailable(err)
    }
    const value = parseMeta(fields)
    if (this.#subscribed && generation === this.#generation) this.#meta = { value, at: Date.now() }
    return value
  }

  async initMeta(meta: StoreMeta): Promise<StoreMeta> {
    const key = `${this.#p}:meta`
    try {
      // HSETNX on dataKey decides the winner; format and version are written by the same script.
      await this.#client.eval(
        "if redis.call('HSETNX', KEYS[1], 'dataKey', ARGV[1]) == 1 then redis.call('HSET', KEYS[1], 'format', 'signet-registry', 'version', ARGV[2]) end return 1",
        1, key, JSON.stringify(meta.dataKey), String(meta.version),
      )
    } catch (err) {
      throw unavailable(err)
    }
    this.#meta = undefined
    const stored = await this.loadMeta()
    if (stored === undefined) throw new SignetError('ERR_STORE_UNAVAILABLE', 'the Redis registry lost its metadata')
    return stored
  }

  async replaceMeta(expected: StoreMeta, next: StoreMeta, audit: readonly AuditEntry[] = []): Promise<boolean> {
    try {
      // One script: the swap and its audit entries are written together or not at all.
      const swapped = await this.#client.eval(
        "if redis.call('HGET', KEYS[1], 'dataKey') == ARGV[1] then redis.call('HSET', KEYS[1], 'dataKey', ARGV[2]) " +
          "for i = 3, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end return 1 end return 0",
        2, `${this.#p}:meta`, `${this.#p}:audit`, JSON.stringify(expected.dataKey), JSON.stringify(next.dataKey),
        ...audit.map((entry) => JSON.stringify(entry)),
      )
      return swapped === 1
    } catch (err) {
      throw unavailable(err)
    }
  }

  async getKey(id: string): Promise<StoredKey | undefined> {
    if (this.#subscribed) {
      const hit = this.#cache.get(id)
      if (hit !== undefined && Date.now() - hit.at < this.#ttl) {
        this.#cache.delete(id)
        this.#cache.set(id, hit)
        this.stats.hits++
        return hit.value
      }
    }
    this.stats.misses++
    const generation = this.#generation
    let raw: string | null
    try {
      raw = await this.#client.hget(`${this.#p}:keys`, id)
    } catch (err) {
      throw unavailable(err)
    }
    const value = raw === null ? undefined : (parseJson(raw, 'key record') as StoredKey)
    if (this.#subscribed && generation === this.#generation) {
      this.#cache.delete(id)
      if (this.#cache.size >= this.#cacheSize) {
        const oldest = this.#cache.keys().next().value
        if (oldest !== undefined) this.#cache.delete(oldest)
      }
      this.#cache.set(id, { value, at: Date.now() })
    }
    return value
  }

  async listKeys(): Promise<StoredKey[]> {
    let all: Record<string, string>
    try {
      all = await this.#client.hgetall(`${this.#p}:keys`)
    } catch (err) {
      throw unavailable(err)
    }
    return Object.values(all).map((raw) => parseJson(raw, 'key record') as StoredKey)
  }

  transact(
    ids: readonly string[],
    change: (current: ReadonlyMap<string, StoredKey | undefined>, context: TransactionContext) => Promise<Mutation>,
  ): Promise<void> {
    // One transaction at a time per process: WATCH state belongs to the connection.
    const run = this.#queue.then(() => this.#transact(ids, change))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #transact(
    ids: readonly string[],
    change: (current: ReadonlyMap<string, StoredKey | undefined>, context: TransactionContext) => Promise<Mutation>,
  ): Promise<void> {
    const keysKey = `${this.#p}:keys`
    const metaKey = `${this.#p}:meta`
    const auditKey = `${this.#p}:audit`
    for (let attempt = 0; attempt < 20; attempt++) {
      let raws: (string | null)[]
      let metaFields: Record<string, string>
      try {
        // The metadata (manifest) and the audit log change with every write: watching them
        // makes two writers' counters and audit chains follow one another, never fork.
        await this.#client.watch(keysKey, metaKey, auditKey)
        raws = ids.length === 0 ? [] : await this.#client.hmget(keysKey, ...ids)
        metaFields = await this.#client.hgetall(metaKey)
      } catch (err) {
        throw unavailable(err)
      }
      const current = new Map<string, StoredKey | undefined>()
      ids.forEach((id, i) => current.set(id, raws[i] == null ? undefined : (parseJson(raws[i] as string, 'key record') as StoredKey)))
      let mutation: Mutation
      try {
        mutation = await change(current, {
          meta: parseMeta(metaFields),
          listKeys: () => this.listKeys(),
          readAudit: () => this.readAudit(),
        })
      } catch (err) {
        await this.#client.unwatch().catch(() => undefined)
        throw err
      }
      if (mutation.put.length === 0 && mutation.audit.length === 0 && mutation.meta === undefined) {
        await this.#client.unwatch().catch(() => undefined)
        return
      }
      const multi = this.#client.multi()
      for (const record of mutation.put) multi.hset(keysKey, record.id, JSON.stringify(record))
      if (mutation.replaceAudit !== undefined) {
        multi.del(auditKey)
        for (const entry of mutation.replaceAudit) multi.rpush(auditKey, JSON.stringify(entry))
      }
      for (const entry of mutation.audit) multi.rpush(auditKey, JSON.stringify(entry))
      if (mutation.meta !== undefined) {
        const m = mutation.meta
        multi.hset(metaKey, 'format', m.format, 'version', String(m.version), 'dataKey', JSON.stringify(m.dataKey))
        if (m.manifest !== undefined) multi.hset(metaKey, 'manifest', JSON.stringify(m.manifest))
        // Every process drops its cached metadata on any message; this one names no key.
        if (mutation.put.length === 0) multi.publish(this.#channel, '')
      }
      for (const record of mutation.put) multi.publish(this.#channel, record.id)
      let result: [Error | null, unknown][] | null
      try {
        result = await multi.exec()
      } catch (err) {
        throw unavailable(err)
      }
      if (result === null) continue // a watched key changed: read again and retry
      const failed = result.find(([err]) => err !== null)
      if (failed !== undefined) throw unavailable(failed[0])
      for (const record of mutation.put) this.#invalidate(record.id)
      this.#meta = undefined
      return
    }
    throw new SignetError('ERR_REGISTRY_LOCKED', 'the Redis registry is too busy: the change lost 20 races with other writers')
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    if (deltas.length === 0) return
    const pipeline = this.#client.pipeline()
    for (const d of deltas) {
      const args: (string | number)[] = [
        d.keyid, d.requests, d.lastUsed ?? '', d.lastIp ?? '', d.lastRejected ?? '',
      ]
      for (const [code, n] of Object.entries(d.rejections)) args.push(code, n)
      pipeline.eval(USAGE_SCRIPT, 2, `${this.#p}:keys`, `${this.#p}:usage:${d.keyid}`, ...args)
      const now = Math.floor(Date.now() / 1000)
      for (const b of d.buckets ?? []) {
        const keys = GRANULARITIES.map((g) => this.#bucketKey(d.keyid, g, b.start))
        // A bucket lives until its end plus its retention; one already past it is not written.
        const ttls = GRANULARITIES.map((g) => {
          const size = BUCKET_SECONDS[g]
          return Math.max(0, Math.floor(b.start / size) * size + size + this.#retention[g] - now)
        })
        const counts: (string | number)[] = []
        for (const [code, n] of Object.entries(b.rejections)) counts.push(code, n)
        pipeline.eval(BUCKET_SCRIPT, 4, `${this.#p}:keys`, ...keys, d.keyid, ...ttls, b.requests, ...counts)
      }
    }
    let result: [Error | null, unknown][] | null
    try {
      result = await pipeline.exec()
    } catch (err) {
      throw unavailable(err)
    }
    const failed = result?.find(([err]) => err !== null)
    if (failed !== undefined) throw unavailable(failed[0])
  }

  async getUsage(id: string): Promise<UsageStats | undefined> {
    let h: Record<string, string>
    try {
      h = await this.#client.hgetall(`${this.#p}:usage:${id}`)
    } catch (err) {
      throw unavailable(err)
    }
    if (Object.keys(h).length === 0) return undefined
    const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v))
    const rejections: Record<string, number> = {}
    for (const [field, value] of Object.entries(h)) if (field.startsWith('rej:')) rejections[field.slice(4)] = Number(value)
    return {
      keyid: id,
      requests: num(h['requests']) ?? 0,
      lastUsed: num(h['lastUsed']),
      lastIp: h['lastIp'] === undefined || h['lastIp'] === '' ? null : h['lastIp'],
      lastRejected: num(h['lastRejected']),
      rejections,
    }
  }

  #bucketKey(keyid: string, by: UsageGranularity, start: number): string {
    const size = BUCKET_SECONDS[by]
    return `${this.#p}:ub:${keyid}:${by}:${Math.floor(start / size) * size}`
  }

  async getUsageBuckets(id: string, by: UsageGranularity, sinceSeconds: number): Promise<UsageBucket[]> {
    const size = BUCKET_SECONDS[by]
    const now = Math.floor(Date.now() / 1000)
    // The buckets that can exist: from `since` (or the retention's start) to now.
    const first = Math.floor(Math.max(sinceSeconds, now - this.#retention[by]) / size) * size
    const starts: number[] = []
    for (let t = first; t <= now && starts.length < 20_000; t += size) starts.push(t)
    if (starts.length === 0) return []
    const pipeline = this.#client.pipeline()
    for (const t of starts) pipeline.hgetall(this.#bucketKey(id, by, t))
    let result: [Error | null, unknown][] | null
    try {
      result = await pipeline.exec()
    } catch (err) {
      throw unavailable(err)
    }
    const out: UsageBucket[] = []
    starts.forEach((start, i) => {
      const [err, h] = result?.[i] ?? [null, {}]
      if (err !== null) throw unavailable(err)
      const fields = h as Record<string, string>
      if (Object.keys(fields).length === 0) return
      const rejections: Record<string, number> = {}
      for (const [field, value] of Object.entries(fields)) if (field.startsWith('rej:')) rejections[field.slice(4)] = Number(value)
      out.push({ start, requests: Number(fields['requests'] ?? 0), rejections })
    })
    return out
  }

  /** Rate limits and credits on this store's connection, shared by every process (redis-quota.ts). */
  quota(): QuotaStore {
    return new RedisQuota(this.#client, this.#p)
  }

  async readAudit(sinceSeconds?: number): Promise<AuditEntry[]> {
    let raws: string[]
    try {
      raws = await this.#client.lrange(`${this.#p}:audit`, 0, -1)
    } catch (err) {
      throw unavailable(err)
    }
    return raws
      .map((raw) => parseJson(raw, 'audit entry') as AuditEntry)
      .filter((e) => sinceSeconds === undefined || e.time >= sinceSeconds)
  }

  async close(): Promise<void> {
    this.#subscribed = false
    this.#cache.clear()
    this.#sub.disconnect()
    await this.#client.quit().catch(() => this.#client.disconnect())
  }
}

/**
 * Connect to Redis and subscribe to invalidations.
 *
 * @param options - the URL and tuning
 * @returns the connected store
 * @throws {SignetError} `ERR_STORE_UNAVAILABLE` when Redis cannot be reached within `connectTimeoutMs`
 * @example
 * ```ts
 * const store = await connectRedisStore({ url: 'redis://127.0.0.1:6379' })
 * ```
 */
export async function connectRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  if (typeof options?.url !== 'string') throw new TypeError('"url" expected a Redis URL such as redis://host:port')
  const location = parseRedisUrl(options.url)
  const connectTimeout = options.connectTimeoutMs ?? 2000
  const client = await openRedisConnection(location, { connectTimeoutMs: connectTimeout, commandTimeoutMs: options.commandTimeoutMs ?? 1000 })
  // The subscriber waits for messages indefinitely: no command timeout there.
  const sub = await openRedisConnection(location, { connectTimeoutMs: connectTimeout, commandTimeoutMs: null })
  // Errors surface through commands; unhandled 'error' events would crash the process.
  client.on('error', () => undefined)
  sub.on('error', () => undefined)
  const timeout = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([
      p,
      new Promise<T>((_, reject) => setTimeout(() => reject(new Error('connect timeout')), connectTimeout).unref?.()),
    ])
  try {
    await timeout(Promise.all([client.connect(), sub.connect()]))
    await timeout(client.hlen(`${hashTagged(options.prefix ?? 'signet:registry')}:keys`))
    const store = new RedisStore(client, sub, options)
    await timeout(store.start())
    return store
  } catch (cause) {
    client.disconnect()
    sub.disconnect()
    throw new SignetError('ERR_STORE_UNAVAILABLE', `cannot reach the Redis registry at ${describeUrl(options.url)}`, { cause })
  }
}
