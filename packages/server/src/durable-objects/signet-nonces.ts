/**
 * `SignetNonces`: the Durable Object that records nonces for {@link DurableObjectNonceStore}.
 *
 * One object is one shard. A Durable Object runs in exactly one place in the world and handles
 * its requests one at a time, so a check-and-set inside it is atomic across every isolate and
 * every location: two copies of one signed request, reaching two isolates on two continents,
 * meet in the same object and only one is recorded.
 *
 * Storage layout (the object's own transactional storage):
 *
 * ```
 * n:<nonce key>            -> expiry, unix ms       (the check)
 * e:<expiry, 15 digits>:<nonce key> -> 1            (the eviction index, in expiry order)
 * ```
 *
 * Both are written in one transaction. An alarm set for the earliest expiry deletes what has
 * expired by walking the index from its start, so eviction never scans live entries and the
 * verification path never scans at all: one `get`, one `put`.
 *
 * The class is plain (a constructor taking `(state, env)` and a `fetch` method), which workerd
 * accepts as a Durable Object, so this module needs nothing from `cloudflare:workers` and the
 * package's main entry still imports in Node, Deno and Bun.
 *
 * @module
 */
import type { DurableObjectStateLike } from './types.ts'

/** The path the store posts to; anything else is 404. */
export const NONCE_RECORD_PATH = '/signet/nonces/record'

const EXPIRY_DIGITS = 15
// Workers storage deletes at most 128 keys per call: 64 index lines and their entries. An alarm
// runs a bounded number of batches; the next alarm (set at once when more are due) continues.
const EVICT_BATCH = 64
const EVICT_BATCHES_PER_ALARM = 32

function expiryKey(expiresAt: number, key: string): string {
  return `e:${String(expiresAt).padStart(EXPIRY_DIGITS, '0')}:${key}`
}

/**
 * The Durable Object class behind {@link DurableObjectNonceStore}. Re-export it from your
 * Worker's main module and bind it as `SIGNET_NONCES`.
 *
 * @example
 * ```ts
 * export { SignetNonces } from '@signet/server'
 * // wrangler.toml:
 * // [[durable_objects.bindings]]
 * // name = "SIGNET_NONCES"
 * // class_name = "SignetNonces"
 * // [[migrations]]
 * // tag = "v1"
 * // new_sqlite_classes = ["SignetNonces"]
 * ```
 */
export class SignetNonces {
  readonly #state: DurableObjectStateLike

  /**
   * @param state - the object's state (workerd passes it)
   * @param _env - the Worker's bindings (unused)
   */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#state = state
  }

  /**
   * Answers `POST /signet/nonces/record` with body `{ "key": string, "ttlMs": number }`:
   * `{ "fresh": true }` when the key was recorded now, `{ "fresh": false }` when it was live
   * already. A malformed body is 400.
   *
   * @param request - the store's request
   * @returns the answer
   */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname !== NONCE_RECORD_PATH || request.method !== 'POST') return new Response('not found', { status: 404 })
    let body: unknown
    try {
      body = await request.json()
    } catch {
      return new Response('body must be JSON', { status: 400 })
    }
    const { key, ttlMs } = (body ?? {}) as { key?: unknown; ttlMs?: unknown }
    if (typeof key !== 'string' || key === '' || key.length > 4096 || typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
      return new Response('expected { key: non-empty string, ttlMs: positive number }', { status: 400 })
    }
    const fresh = await this.record(key, ttlMs)
    return Response.json({ fresh })
  }

  /**
   * Record `key` for `ttlMs` (the same contract as `NonceStore.record`), atomically.
   *
   * @param key - the nonce key
   * @param ttlMs - its lifetime
   * @returns true when new, false when live already
   */
  async record(key: string, ttlMs: number): Promise<boolean> {
    const storage = this.#state.storage
    const now = Date.now()
    const expiresAt = now + Math.max(1, Math.ceil(ttlMs))
    const fresh = await storage.transaction(async (txn) => {
      const existing = await txn.get(`n:${key}`)
      if (typeof existing === 'number' && existing > now) return false
      // An expired entry the alarm has not reached yet: its index line goes with it.
      const stale = typeof existing === 'number' ? [expiryKey(existing, key)] : []
      if (stale.length > 0) await txn.delete(stale)
      await txn.put({ [`n:${key}`]: expiresAt, [expiryKey(expiresAt, key)]: 1 })
      return true
    })
    if (fresh) {
      const alarm = await storage.getAlarm()
      if (alarm === null || alarm > expiresAt) await storage.setAlarm(expiresAt)
    }
    return fresh
  }

  /** Delete what has expired, then wake again at the next expiry. */
  async alarm(): Promise<void> {
    const storage = this.#state.storage
    const now = Date.now()
    const end = `e:${String(now + 1).padStart(EXPIRY_DIGITS, '0')}`
    for (let batch = 0; batch < EVICT_BATCHES_PER_ALARM; batch++) {
      const due = await storage.list({ prefix: 'e:', end, limit: EVICT_BATCH })
      if (due.size === 0) break
      const doomed: string[] = []
      for (const indexKey of due.keys()) doomed.push(indexKey, `n:${indexKey.slice(3 + EXPIRY_DIGITS)}`)
      await storage.delete(doomed)
      if (due.size < EVICT_BATCH) break
    }
    const next = await storage.list({ prefix: 'e:', limit: 1 })
    for (const indexKey of next.keys()) {
      const at = Number(indexKey.slice(2, 2 + EXPIRY_DIGITS))
      await storage.setAlarm(Math.max(at, now + 1))
    }
  }
}
