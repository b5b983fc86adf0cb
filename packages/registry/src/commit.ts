/**
 * One registry write, in one store transaction (format 2, see integrity.ts).
 *
 * The caller's `decide` reads the records it needs (each checked: its MAC, and that it is the
 * copy the manifest lists) and returns the records to write, unsigned, and its audit entries.
 * Then: every record written is signed with the next registry counter as its `version`, the
 * audit entries are linked onto the chain, and the manifest (counter, versions, audit head) is
 * signed and written with them, all in the same atomic step. A format 1 store is migrated by
 * the same step: every record re-signed with a version, the old audit entries chained, the
 * data key re-wrapped under the format 2 label. A decision that changes nothing writes nothing
 * (except that migration).
 *
 * @module
 */
import { linkEntries } from './audit-chain.ts'
import { rewrapDataKey } from './envelope.ts'
import type { Sealed } from './envelope.ts'
import { corruptMeta, isMeta, storeUnavailable } from './integrity.ts'
import type { Keyring, UnsignedManifest } from './integrity.ts'
import type { AuditEntry, Manifest, StoredKey, UnsignedKey } from './record.ts'
import type { RegistryStore, StoreMeta } from './stores/store.ts'

/** What a write decides, from the records it read: records to write (unsigned) and audit entries (unlinked). */
export interface Decision {
  readonly put: readonly UnsignedKey[]
  readonly audit: readonly AuditEntry[]
  /** A new wrapped data key (a master key re-wrap). */
  readonly dataKey?: Sealed
}

/** Reads a record inside a write, checked (MAC and version); undefined when there is none. */
export type ReadChecked = (id: string) => Promise<StoredKey | undefined>

/** Decides a write from the records it reads and the current metadata. */
export type Decide = (read: ReadChecked, meta: StoreMeta) => Promise<Decision>

/**
 * Decide and write one change.
 *
 * @param store - the registry's store
 * @param keyring - the registry's keys
 * @param ids - the records `decide` may read and write
 * @param decide - the change
 * @returns the records written for `decide`, signed
 * @throws {SignetError} what `decide` throws; `ERR_REGISTRY_CORRUPT` for a record or manifest
 *   that fails its check; `ERR_STORE_UNAVAILABLE`
 */
export async function commit(store: RegistryStore, keyring: Keyring, ids: readonly string[], decide: Decide): Promise<StoredKey[]> {
  const keys = await keyring.keys()
  let written: StoredKey[] = []
  let committed: Manifest | undefined
  try {
    await store.transact(ids, async (current, context) => {
      // A store may run this again after another writer's change: nothing carries over.
      committed = undefined
      written = []
      const meta = context.meta
      if (meta === undefined || !isMeta(meta)) throw corruptMeta()
      let base: UnsignedManifest
      let migrate: StoredKey[] = []
      let replaceAudit: AuditEntry[] | undefined
      let dataKey = meta.dataKey
      if (meta.version === 1) {
        const all = await context.listKeys()
        for (const r of all) await keyring.checkMac(r, r.id)
        const chained = await linkEntries(keys, '', await context.readAudit())
        replaceAudit = chained.entries
        base = { counter: 0, versions: {}, audit: { length: chained.entries.length, head: chained.head } }
        migrate = all
        dataKey = await rewrapDataKey(keyring.masterKey, keyring.masterKey, meta.dataKey, 1, 2)
      } else {
        base = (await keyring.manifest(meta)) as Manifest
      }
      const read: ReadChecked = async (id) => {
        const stored = current.get(id)
        if (stored === undefined) return undefined
        const record = await keyring.checkMac(stored, id)
        if (meta.version === 2) keyring.checkVersion(record, base as Manifest)
        return record
      }
      const decision = await decide(read, meta)
      if (decision.put.length === 0 && decision.audit.length === 0 && decision.dataKey === undefined && meta.version === 2) {
        written = []
        return { put: [], audit: [] }
      }
      const counter = base.counter + 1
      const versions: Record<string, number> = { ...base.versions }
      const put: StoredKey[] = []
      const decided = new Set(decision.put.map((r) => r.id))
      for (const r of migrate) {
        if (decided.has(r.id)) continue
        const { mac: _mac, ...unsigned } = r
        put.push(await keyring.sign({ ...unsigned, version: counter }))
        versions[r.id] = counter
      }
      written = []
      for (const r of decision.put) {
        const signed = await keyring.sign({ ...r, version: counter })
        put.push(signed)
        written.push(signed)
        versions[r.id] = counter
      }
      const linked = await linkEntries(keys, base.audit.head, decision.audit)
      const manifest = await keyring.signManifest({
        counter, versions, audit: { length: base.audit.length + linked.entries.length, head: linked.head },
      })
      committed = manifest
      const next: StoreMeta = { format: 'signet-registry', version: 2, dataKey: decision.dataKey ?? dataKey, manifest }
      return { put, audit: linked.entries, meta: next, replaceAudit }
    })
  } catch (err) {
    throw storeUnavailable(err)
  }
  if (committed !== undefined) keyring.observe(committed)
  return written
}
