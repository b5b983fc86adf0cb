/**
 * The in-memory key resolver: a map from key id to {@link KeyRecord}.
 *
 * Records are validated when added, so a typo in a hand-written record fails at start-up rather
 * than on the first request.
 *
 * @module
 */
import type { KeyRecord, KeyResolver } from '../key-record.ts'
import { validateKeyRecord } from '../key-record.ts'

/** A mutable in-memory resolver. */
export interface MemoryKeyResolver extends KeyResolver {
  resolve(keyid: string): KeyRecord | undefined
  /** Add or replace a record. */
  set(record: KeyRecord): void
  /** Remove a record; true when it was there. */
  delete(keyid: string): boolean
  /** Every record, in insertion order. */
  records(): KeyRecord[]
}

/**
 * Create an in-memory resolver from records (an iterable, or a map keyed by key id).
 *
 * @throws {TypeError} for a malformed record or a duplicated key id.
 * @example
 * ```ts
 * const keys = memoryKeys([{ id: 'k1', key: await importKey(jwk), owner: 'acme', scopes: ['read'] }])
 * ```
 */
export function memoryKeys(records: Iterable<KeyRecord> | ReadonlyMap<string, KeyRecord> = []): MemoryKeyResolver {
  const map = new Map<string, KeyRecord>()
  const list: Iterable<KeyRecord> = records instanceof Map ? (records as ReadonlyMap<string, KeyRecord>).values() : (records as Iterable<KeyRecord>)
  if (list === null || typeof (list as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new TypeError('"records" expected an array or map of key records')
  }
  let i = 0
  for (const record of list) {
    validateKeyRecord(record, `records[${i++}]`)
    if (map.has(record.id)) throw new TypeError(`"records" has the key id ${JSON.stringify(record.id)} twice`)
    map.set(record.id, record)
  }
  return {
    // A Map lookup cannot be steered by a hostile key id ("__proto__" is just a string here).
    resolve: (keyid: string): KeyRecord | undefined => map.get(keyid),
    set(record: KeyRecord): void {
      validateKeyRecord(record)
      map.set(record.id, record)
    },
    delete: (keyid: string): boolean => map.delete(keyid),
    records: (): KeyRecord[] => [...map.values()],
  }
}
