/**
 * An in-memory store: for tests, demos and single-process servers that load keys at start.
 *
 * @module
 */
import { addUsage, emptyUsage } from '../record.ts'
import type { AuditEntry, StoredKey, UsageBucket, UsageDelta, UsageStats } from '../record.ts'
import { addBuckets, readBuckets, resolveRetention } from '../usage-buckets.ts'
import type { KeyBuckets, UsageGranularity, UsageRetention } from '../usage-buckets.ts'
import type { Mutation, RegistryStore, StoreMeta, TransactionContext } from './store.ts'

/** A {@link RegistryStore} held in this process's memory. */
export class MemoryStore implements RegistryStore {
  readonly kind: string = 'memory'
  #meta: StoreMeta | undefined
  readonly #keys = new Map<string, StoredKey>()
  readonly #usage = new Map<string, UsageStats>()
  readonly #buckets = new Map<string, KeyBuckets>()
  readonly #retention: Required<UsageRetention>

  /** @param options - how long usage buckets are kept (usage-buckets.ts) */
  constructor(options: { usageRetention?: UsageRetention } = {}) {
    this.#retention = resolveRetention(options.usageRetention)
  }
  #audit: AuditEntry[] = []
  // Transactions run one at a time: the callback is async, and two interleaved
  // read-modify-writes of one record would lose one of them.
  #queue: Promise<unknown> = Promise.resolve()

  async loadMeta(): Promise<StoreMeta | undefined> {
    return this.#meta
  }

  async initMeta(meta: StoreMeta): Promise<StoreMeta> {
    this.#meta ??= meta
    return this.#meta
  }

  async replaceMeta(expected: StoreMeta, next: StoreMeta, audit: readonly AuditEntry[] = []): Promise<boolean> {
    if (this.#meta?.dataKey.ct !== expected.dataKey.ct || this.#meta?.dataKey.iv !== expected.dataKey.iv) return false
    this.#meta = next
    this.#audit.push(...audit)
    return true
  }

  async getKey(id: string): Promise<StoredKey | undefined> {
    return this.#keys.get(id)
  }

  async listKeys(): Promise<StoredKey[]> {
    return [...this.#keys.values()]
  }

  transact(
    ids: readonly string[],
    change: (current: ReadonlyMap<string, StoredKey | undefined>, context: TransactionContext) => Promise<Mutation>,
  ): Promise<void> {
    const run = this.#queue.then(async () => {
      const current = new Map<string, StoredKey | undefined>(ids.map((id) => [id, this.#keys.get(id)]))
      const mutation = await change(current, {
        meta: this.#meta,
        listKeys: async () => [...this.#keys.values()],
        readAudit: async () => this.#audit.slice(),
      })
      for (const record of mutation.put) this.#keys.set(record.id, record)
      if (mutation.replaceAudit !== undefined) this.#audit = [...mutation.replaceAudit]
      this.#audit.push(...mutation.audit)
      if (mutation.meta !== undefined) this.#meta = mutation.meta
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    for (const delta of deltas) {
      if (!this.#keys.has(delta.keyid)) continue
      this.#usage.set(delta.keyid, addUsage(this.#usage.get(delta.keyid) ?? emptyUsage(delta.keyid), delta))
      if (delta.buckets !== undefined) {
        this.#buckets.set(delta.keyid, addBuckets(this.#buckets.get(delta.keyid), delta.buckets, this.#retention, Math.floor(Date.now() / 1000)))
      }
    }
  }

  async getUsageBuckets(id: string, by: UsageGranularity, sinceSeconds: number): Promise<UsageBucket[]> {
    return readBuckets(this.#buckets.get(id), by, Math.max(sinceSeconds, Math.floor(Date.now() / 1000) - this.#retention[by]))
  }

  async getUsage(id: string): Promise<UsageStats | undefined> {
    return this.#usage.get(id)
  }

  async readAudit(sinceSeconds?: number): Promise<AuditEntry[]> {
    return this.#audit.filter((e) => sinceSeconds === undefined || e.time >= sinceSeconds)
  }

  async close(): Promise<void> {}
}
