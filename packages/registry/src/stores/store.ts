/**
 * The storage interface behind a registry: memory, an encrypted file, or Redis.
 *
 * A store keeps opaque, already-encrypted and authenticated records; it never sees a master
 * key, a data key or a plaintext secret. Every change to key records goes through
 * {@link RegistryStore.transact}, which runs a callback on the current records and applies what
 * it returns atomically (under the file lock, in a Redis `MULTI` guarded by `WATCH`): a callback
 * that throws writes nothing.
 *
 * @module
 */
import type { RegistryFormat, Sealed } from '../envelope.ts'
import type { QuotaStore } from '../quota.ts'
import type { AuditEntry, Manifest, StoredKey, UsageBucket, UsageDelta, UsageStats } from '../record.ts'
import type { UsageGranularity } from '../usage-buckets.ts'

/**
 * Registry-wide data: the format, the data key wrapped under the master key and, from format
 * 2, the manifest that binds record versions and the audit chain (record.ts).
 */
export interface StoreMeta {
  readonly format: 'signet-registry'
  readonly version: RegistryFormat
  readonly dataKey: Sealed
  readonly manifest?: Manifest | undefined
}

/** What a transaction writes, all in one atomic step. */
export interface Mutation {
  readonly put: readonly StoredKey[]
  readonly audit: readonly AuditEntry[]
  /** New metadata (format, data key, manifest). */
  readonly meta?: StoreMeta | undefined
  /** The whole audit log to keep before `audit` is appended (the migration to format 2 links the old entries). */
  readonly replaceAudit?: readonly AuditEntry[] | undefined
}

/** What a transaction's callback may read, as of the same atomic step. */
export interface TransactionContext {
  readonly meta: StoreMeta | undefined
  /** Every record (the migration to format 2 re-signs them all). */
  listKeys(): Promise<StoredKey[]>
  /** The whole audit log. */
  readAudit(): Promise<AuditEntry[]>
}

/** A registry's backing storage. */
export interface RegistryStore {
  /** `memory`, `file` or `redis`. */
  readonly kind: string
  /** The registry-wide data, or undefined for a registry not created yet. */
  loadMeta(): Promise<StoreMeta | undefined>
  /** Store `meta` unless some is there already; returns what is stored (the first writer wins). */
  initMeta(meta: StoreMeta): Promise<StoreMeta>
  /**
   * Replace the metadata if it is still `expected` (compare and set on the wrapped data key)
   * and append `audit` in the same atomic write; returns false, writing nothing, when another
   * writer changed it first.
   */
  replaceMeta(expected: StoreMeta, next: StoreMeta, audit?: readonly AuditEntry[]): Promise<boolean>
  /** One record by id (the resolver's hot path: stores cache here). */
  getKey(id: string): Promise<StoredKey | undefined>
  /** Every record. */
  listKeys(): Promise<StoredKey[]>
  /**
   * Read the records `ids` and the metadata, let `change` decide, and write its result
   * atomically; another writer's change in between makes it read and decide again (or wait
   * for the lock). A `change` that throws writes nothing and the error propagates.
   */
  transact(
    ids: readonly string[],
    change: (current: ReadonlyMap<string, StoredKey | undefined>, context: TransactionContext) => Promise<Mutation>,
  ): Promise<void>
  /**
   * Add usage counters; deltas for ids with no record are dropped. Usage is kept apart from
   * the records (its own file, or its own Redis keys), so counting never rewrites them.
   */
  addUsage(deltas: readonly UsageDelta[]): Promise<void>
  /** Counters for one key, or undefined when nothing was recorded. */
  getUsage(id: string): Promise<UsageStats | undefined>
  /**
   * One key's usage buckets (usage-buckets.ts) of `by` from `sinceSeconds` on, oldest first,
   * empty buckets left out; buckets past the store's retention are gone.
   */
  getUsageBuckets(id: string, by: UsageGranularity, sinceSeconds: number): Promise<UsageBucket[]>
  /**
   * Counters for rate limits and credits shared by every process using this store (Redis).
   * Absent: the registry counts in its own process (quota.ts `MemoryQuota`).
   */
  quota?(): QuotaStore
  /** Audit entries in order, those at or after `sinceSeconds` when given. */
  readAudit(sinceSeconds?: number): Promise<AuditEntry[]>
  /** Release connections, timers and locks. */
  close(): Promise<void>
}
