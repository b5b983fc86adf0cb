/**
 * Redis locations: one URL names a single node, a Redis Cluster or a Sentinel-managed primary,
 * and one function opens an ioredis client for it, tuned to fail fast (a verifier that cannot
 * reach its store answers 503 at once rather than queueing; DESIGN.md, fail closed).
 *
 * ```
 * redis://[user:pass@]host:port[/db]              one node (rediss:// for TLS)
 * redis://[user:pass@]h1:p1,h2:p2,...             a Redis Cluster: several seed nodes
 * redis+cluster://[user:pass@]host:port           a Redis Cluster from one seed node
 * redis+sentinel://[user:pass@]s1:p1,s2:p2/NAME[/db]   the primary named NAME, found through Sentinels
 * ```
 *
 * The choice is the user's, written in the URL, never detected (DESIGN.md). A cluster has no
 * database numbers. In a cluster, Signet keeps keys that change together under one hash tag
 * (see redis.ts), so every multi-key command and transaction stays in one slot.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis'

/** One `host:port`. */
export interface RedisNode {
  readonly host: string
  readonly port: number
}

/** A parsed Redis location. */
export type RedisLocation =
  | { readonly kind: 'node'; readonly node: RedisNode; readonly db: number; readonly tls: boolean; readonly username?: string; readonly password?: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[]; readonly tls: boolean; readonly username?: string; readonly password?: string }
  | {
      readonly kind: 'sentinel'
      readonly sentinels: readonly RedisNode[]
      readonly name: string
      readonly db: number
      readonly tls: boolean
      readonly username?: string
      readonly password?: string
    }

/** An ioredis client for any of the three kinds: `Redis` for a node or Sentinel, `Cluster` for a cluster. */
export type RedisConnection = Redis | Cluster

const SCHEMES: Record<string, { kind: RedisLocation['kind']; tls: boolean }> = {
  'redis:': { kind: 'node', tls: false },
  'rediss:': { kind: 'node', tls: true },
  'redis+cluster:': { kind: 'cluster', tls: false },
  'rediss+cluster:': { kind: 'cluster', tls: true },
  'redis+sentinel:': { kind: 'sentinel', tls: false },
  'rediss+sentinel:': { kind: 'sentinel', tls: true },
}

/** The URL forms, for error messages and usage text. */
export const REDIS_URL_FORMS = 'redis://H:P[/DB], redis://H:P,H:P,... (a cluster), redis+cluster://H:P, or redis+sentinel://H:P,.../NAME[/DB]'

/** True when `spec` is one of the Redis URL forms (by its scheme). */
export function isRedisUrl(spec: string): boolean {
  return typeof spec === 'string' && /^rediss?(\+cluster|\+sentinel)?:\/\//i.test(spec)
}

function bad(spec: string, why: string): TypeError {
  // The password never appears in a message.
  return new TypeError(`Redis URL ${JSON.stringify(redact(spec))}: ${why}; expected ${REDIS_URL_FORMS}`)
}

/** `spec` with any password replaced by `***`. */
export function redact(spec: string): string {
  return spec.replace(/^([a-z+]+:\/\/)([^@/]*)@/i, (_, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.slice(0, auth.indexOf(':'))}:***` : '***'}@`)
}

function parseNode(text: string, spec: string, defaultPort: number): RedisNode {
  // [v6]:port or host:port; the port defaults to 6379 (Sentinels: 26379), as in redis-cli.
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s,]+))(?::(\d{1,5}))?$/.exec(text)
  if (m === null) throw bad(spec, `${JSON.stringify(text)} is not HOST:PORT`)
  const port = m[3] === undefined ? defaultPort : Number(m[3])
  if (port < 1 || port > 65535) throw bad(spec, `port ${m[3]} is out of range`)
  return { host: (m[1] ?? m[2])!, port }
}

function parseDb(text: string | undefined, spec: string): number {
  if (text === undefined || text === '') return 0
  if (!/^\d{1,5}$/.test(text)) throw bad(spec, `database ${JSON.stringify(text)} is not a number`)
  return Number(text)
}

/**
 * Parse a Redis URL into a location.
 *
 * @param spec - one of the forms in the module doc
 * @returns the location
 * @throws {TypeError} naming the form expected (never repeating a password)
 * @example
 * ```ts
 * parseRedisUrl('redis://127.0.0.1:7000,127.0.0.1:7001') // { kind: 'cluster', nodes: [...] }
 * ```
 */
export function parseRedisUrl(spec: string): RedisLocation {
  if (typeof spec !== 'string') throw new TypeError('Redis URL expected a string')
  const m = /^([a-z+]+:)\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/([^?#]*))?$/i.exec(spec)
  const scheme = m === null ? undefined : SCHEMES[m[1]!.toLowerCase()]
  if (m === null || scheme === undefined) throw bad(spec, 'unknown form')
  let username: string | undefined
  let password: string | undefined
  if (m[2] !== undefined) {
    const colon = m[2].indexOf(':')
    const user = decodeURIComponent(colon === -1 ? m[2] : m[2].slice(0, colon))
    if (user !== '') username = user
    if (colon !== -1) password = decodeURIComponent(m[2].slice(colon + 1))
  }
  const auth = { ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) }
  if (m[3] === '') throw bad(spec, 'no host')
  const nodes = m[3]!.split(',').map((n) => parseNode(n, spec, scheme.kind === 'sentinel' ? 26379 : 6379))
  const path = m[4] === undefined || m[4] === '' ? [] : m[4].split('/')
  if (scheme.kind === 'sentinel') {
    const name = path[0]
    if (name === undefined || name === '') throw bad(spec, 'a Sentinel URL names its primary: redis+sentinel://H:P/NAME')
    if (path.length > 2) throw bad(spec, 'too many path segments')
    return { kind: 'sentinel', sentinels: nodes, name: decodeURIComponent(name), db: parseDb(path[1], spec), tls: scheme.tls, ...auth }
  }
  if (scheme.kind === 'cluster' || nodes.length > 1) {
    if (path.length > 0) throw bad(spec, 'a Redis Cluster has no database numbers')
    return { kind: 'cluster', nodes, tls: scheme.tls, ...auth }
  }
  if (path.length > 1) throw bad(spec, 'too many path segments')
  return { kind: 'node', node: nodes[0]!, db: parseDb(path[0], spec), tls: scheme.tls, ...auth }
}

/** Options of {@link openRedisConnection}. */
export interface RedisConnectionOptions {
  /** Give up one connection attempt after this long, ms (default 2000). */
  readonly connectTimeoutMs?: number
  /** Fail a command after this long, ms; `null` for none (a subscriber waits for messages). Default 1000. */
  readonly commandTimeoutMs?: number | null
}

/**
 * Make an ioredis client for `location`, not connected yet (`lazyConnect`): call `connect()`.
 * It fails fast while the store is unreachable (no offline queue, one retry) and keeps
 * reconnecting in the background so service resumes when the node comes back.
 *
 * @param location - from {@link parseRedisUrl}
 * @param options - timeouts
 * @returns a `Redis` (node, Sentinel) or `Cluster` client
 * @example
 * ```ts
 * const client = await openRedisConnection(parseRedisUrl('redis://127.0.0.1:6379'))
 * await client.connect()
 * ```
 */
export async function openRedisConnection(location: RedisLocation, options: RedisConnectionOptions = {}): Promise<RedisConnection> {
  const mod = (await import('ioredis')) as unknown as { Redis?: typeof Redis; Cluster?: typeof Cluster; default?: typeof Redis & { Cluster?: typeof Cluster } }
  const RedisClass = (mod.Redis ?? mod.default) as typeof Redis
  const ClusterClass = (mod.Cluster ?? mod.default?.Cluster) as typeof Cluster
  const connectTimeout = options.connectTimeoutMs ?? 2000
  const commandTimeout = options.commandTimeoutMs === undefined ? 1000 : options.commandTimeoutMs
  const auth = {
    ...(location.username === undefined ? {} : { username: location.username }),
    ...(location.password === undefined ? {} : { password: location.password }),
    ...(location.tls ? { tls: {} } : {}),
  }
  const perNode = {
    connectTimeout,
    ...(commandTimeout === null ? {} : { commandTimeout }),
    maxRetriesPerRequest: 1,
    // How long `disconnect()` waits for a socket to close before destroying it (ioredis reads
    // it, its types omit it). Its default of 2 s kept a process that could not reach Redis at
    // start alive for 2 s after reporting so, since a refused socket never closes again.
    ...({ disconnectTimeout: 250 } as object),
    ...auth,
  }
  const retry = (times: number): number => Math.min(50 * times, 1000)
  if (location.kind === 'cluster') {
    return new ClusterClass(location.nodes.map((n) => ({ host: n.host, port: n.port })), {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: retry,
      // A dead primary: ioredis waits and retries the slot's owner; these keep the whole dance
      // inside the command timeout, so the caller hears of it (503) within it.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 6,
      slotsRefreshTimeout: Math.min(connectTimeout, 1000),
      redisOptions: perNode,
    })
  }
  const common = { ...perNode, lazyConnect: true, enableOfflineQueue: false, retryStrategy: retry }
  if (location.kind === 'sentinel') {
    return new RedisClass({
      ...common,
      sentinels: location.sentinels.map((n) => ({ host: n.host, port: n.port })),
      name: location.name,
      db: location.db,
      sentinelRetryStrategy: retry,
      // The URL's credentials are the primary's; Sentinels are asked without (their usual setup).
      ...(location.tls ? { enableTLSForSentinelMode: true } : {}),
    })
  }
  return new RedisClass({ ...common, host: location.node.host, port: location.node.port, db: location.db })
}
