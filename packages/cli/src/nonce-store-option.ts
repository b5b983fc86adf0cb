/**
 * `signet serve --nonce-store memory|REDIS-URL`: the replay store a server uses.
 *
 * The Redis URL forms are the registry's (one node, a cluster when several nodes are listed,
 * Sentinel; `REDIS_URL_FORMS`), so `--nonce-store` and `--registry` take the same addresses.
 * The client fails fast: while Redis (or the cluster node owning a nonce's slot) is
 * unreachable each request is answered 503 within the store's 1 s timeout, never queued and
 * never accepted, and ioredis reconnects in the background so service resumes by itself.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import { REDIS_URL_FORMS, isRedisUrl, openRedisConnection, parseRedisUrl } from '@signet/registry'
import type { RedisLocation } from '@signet/registry'
import { MemoryNonceStore, RedisNonceStore } from '@signet/server'
import type { NonceStore, RedisSetClient } from '@signet/server'
import { usage } from './args.ts'

/** How long Redis may take to answer at start-up, ms. */
const REDIS_CONNECT_TIMEOUT_MS = 2000

/** A nonce store and how to release it. */
export interface OpenedNonceStore {
  readonly store: NonceStore
  readonly close: () => Promise<void>
}

/**
 * Check a `--nonce-store` value before anything starts.
 *
 * @param command - the command name, for the usage error
 * @param value - the option's value (`memory` when absent)
 * @returns `memory`, or the parsed Redis location
 * @throws {SignetError} `ERR_USAGE` naming the accepted forms
 */
export function parseNonceStoreOption(command: string, value: string): 'memory' | RedisLocation {
  if (value === 'memory') return value
  if (!isRedisUrl(value)) throw usage(command, `--nonce-store expects memory or ${REDIS_URL_FORMS}, got ${JSON.stringify(value.replace(/\/\/[^@/]*@/, '//***@'))}`)
  try {
    return parseRedisUrl(value)
  } catch (error) {
    throw usage(command, `--nonce-store: ${(error as Error).message}`)
  }
}

function describe(location: RedisLocation): string {
  if (location.kind === 'node') return `Redis at ${location.node.host}:${location.node.port}`
  if (location.kind === 'cluster') return `the Redis Cluster at ${location.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`
  return `the Redis primary ${JSON.stringify(location.name)} through Sentinels ${location.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`
}

/**
 * Open the nonce store `option` names, connected and answering.
 *
 * @param command - the command name, for messages
 * @param option - from {@link parseNonceStoreOption}
 * @param memoryOptions - the memory store's limits; its `maxEntriesPerOwner` (`--nonce-quota`)
 * is also the Redis store's per-key quota
 * @returns the store and its release
 * @throws {SignetError} `ERR_STORE_UNAVAILABLE` when Redis does not answer within 2 s
 */
export async function openNonceStore(
  command: string,
  option: 'memory' | RedisLocation,
  memoryOptions: ConstructorParameters<typeof MemoryNonceStore>[0] = {},
): Promise<OpenedNonceStore> {
  if (option === 'memory') return { store: new MemoryNonceStore(memoryOptions), close: async () => undefined }
  const client = await openRedisConnection(option, { connectTimeoutMs: 1000, commandTimeoutMs: 1000 })
  client.on('error', () => {
    // Connection errors surface as ERR_STORE_UNAVAILABLE per request; the event itself is noise.
  })
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      // A write-free probe that, on a cluster, also needs the slots map.
      client.connect().then(() => client.exists('signet:nonce:probe')),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), REDIS_CONNECT_TIMEOUT_MS)
      }),
    ])
  } catch (cause) {
    client.disconnect()
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new SignetError('ERR_STORE_UNAVAILABLE', `signet ${command}: cannot reach ${describe(option)} (${reason})`, { cause })
  } finally {
    clearTimeout(timer)
  }
  return {
    // Each nonce is its own key: single-key SET NX PX, so on a cluster nonces spread over
    // every slot and no command ever spans two. With a quota, one script per nonce whose two
    // keys share the key id's hash tag (redis.ts).
    store: new RedisNonceStore(client as unknown as RedisSetClient, {
      timeoutMs: 1000,
      ...(memoryOptions.maxEntriesPerOwner === undefined ? {} : { maxEntriesPerOwner: memoryOptions.maxEntriesPerOwner }),
    }),
    close: async () => {
      try {
        await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 500))])
      } catch {
        // Already gone.
      }
      client.disconnect()
    },
  }
}
