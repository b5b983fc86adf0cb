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
import type { Sealed } from '../envelope.ts'
import type { AuditEntry, StoredKey, UsageDelta, UsageStats } from '../record.ts'

/** Registry-wide data: the data key, wrapped under the master key. */
export interface StoreMeta {
  readonly format: 'signet-registry'
  readonly version: 1
  readonly dataKey: Sealed
}

/** What a transaction writes. */
export interface Mutation {
  readonly put: readonly StoredKey[]
  readonly audit: readonly AuditEntry[]
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
   * Read the records `ids`, let `change` decide, and write its result atomically.
   * A `change` that throws writes nothing and the error propagates.
   */
  transact(ids: readonly string[], change: (current: ReadonlyMap<string, StoredKey | undefined>) => Promise<Mutation>): Promise<void>
  /** Add usage counters; deltas for ids with no record are dropped. */
  addUsage(deltas: readonly UsageDelta[]): Promise<void>
  /** Counters for one key, or undefined when nothing was recorded. */
  getUsage(id: string): Promise<UsageStats | undefined>
  /** Audit entries in order, those at or after `sinceSeconds` when given. */
  readAudit(sinceSeconds?: number): Promise<AuditEntry[]>
  /** Release connections, timers and locks. */
  close(): Promise<void>
}
