/**
 * The few Cloudflare Workers shapes the Durable Object pieces use, written structurally so that
 * `@signet/server` needs neither `@cloudflare/workers-types` nor `cloudflare:workers` at import:
 * the main entry stays importable in Node, Deno and Bun, and the real bindings (and miniflare's)
 * fit these interfaces as they are.
 *
 * @module
 */

/** A Durable Object stub: what `namespace.get(id)` returns. Only `fetch` is used. */
export interface DurableObjectStubLike {
  fetch(input: string, init?: RequestInit): Promise<Response>
}

/** A Durable Object namespace binding (`env.SIGNET_NONCES`). */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown
  get(id: never): DurableObjectStubLike
}

/** The transactional key-value storage of one Durable Object (`state.storage`). */
export interface DurableObjectStorageLike {
  get(key: string): Promise<unknown>
  list(options?: { prefix?: string; start?: string; end?: string; limit?: number }): Promise<Map<string, unknown>>
  put(entries: Record<string, unknown>): Promise<void>
  delete(keys: string[]): Promise<number>
  transaction<T>(closure: (txn: DurableObjectTransactionLike) => Promise<T>): Promise<T>
  getAlarm(): Promise<number | null>
  setAlarm(scheduledTime: number): Promise<void>
}

/** The storage handle inside `storage.transaction(...)`. */
export interface DurableObjectTransactionLike {
  get(key: string): Promise<unknown>
  put(entries: Record<string, unknown>): Promise<void>
  delete(keys: string[]): Promise<number>
}

/** What workerd hands a Durable Object's constructor as its first argument. */
export interface DurableObjectStateLike {
  readonly storage: DurableObjectStorageLike
}

/** A Workers KV namespace binding; only `get` as text is used. */
export interface KVNamespaceLike {
  get(key: string, options?: { type?: 'text'; cacheTtl?: number }): Promise<string | null>
}

/** FNV-1a over the UTF-16 code units of `text`: a stable shard number on every isolate. */
export function shardOf(text: string, shards: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % shards
}
