/**
 * The registry's use of its envelope (envelope.ts): the data keys, the MAC of each stored
 * record, and the manifest that makes a rollback visible (issue 11.7).
 *
 * A record's MAC proves that a holder of the master key wrote it, but not that it is the
 * latest copy: a revoked key's earlier, active copy still carries a valid MAC. So in format 2
 * every write raises a registry-wide counter, stamps the records it writes with that counter
 * as their `version` (inside the MAC), and signs a manifest listing every record's version,
 * the counter and the head of the audit chain. A record is accepted only with the version the
 * manifest lists, and a reader that has seen counter N refuses a manifest below N, so writing
 * back an earlier copy of a record (or of the manifest with it) is refused as
 * `ERR_REGISTRY_CORRUPT`. What a manifest cannot show is a rollback of the whole store to an
 * earlier consistent state seen by no running process; docs/threat-model.md says so.
 *
 * Format 1 registries (no manifest) are migrated by their first write made with the master
 * key: every record is re-signed with a version, the audit log is chained, and the data key
 * is re-wrapped under the format 2 label, so metadata set back to format 1 no longer opens.
 *
 * @module
 */
import { SignetError, isSignetError } from '@signet/core'
import { authenticate, checkAuthentication, createDataKeys, openDataKeys } from './envelope.ts'
import type { DataKeys } from './envelope.ts'
import { canonicalRecordText, isStoredKeyShape } from './record.ts'
import type { Manifest, StoredKey, UnsignedKey } from './record.ts'
import type { RegistryStore, StoreMeta } from './stores/store.ts'

/** A manifest before it is authenticated. */
export type UnsignedManifest = Omit<Manifest, 'mac'>

/** The manifest of a registry that has none yet (format 2, nothing written). */
export const EMPTY_MANIFEST: UnsignedManifest = { counter: 0, versions: {}, audit: { length: 0, head: '' } }

/** The text a manifest's `mac` covers: a version tag, the counter, the audit head, and every record version by id. */
export function canonicalManifestText(m: UnsignedManifest): string {
  const ids = Object.keys(m.versions).sort()
  return `signet-registry-manifest/v1\ncounter:${m.counter}\naudit:${m.audit.length}:${m.audit.head}\n${ids.map((id) => `${id}:${m.versions[id]}`).join('\n')}`
}

/** `ERR_STORE_UNAVAILABLE` for a store failure; a coded error passes through. */
export function storeUnavailable(cause: unknown): SignetError {
  return isSignetError(cause) ? cause : new SignetError('ERR_STORE_UNAVAILABLE', 'the key store is unreachable', { cause })
}

/** `ERR_REGISTRY_CORRUPT` for metadata that is missing or malformed. */
export function corruptMeta(): SignetError {
  return new SignetError('ERR_REGISTRY_CORRUPT', 'the registry metadata is missing or malformed')
}

/** True when `value` is registry metadata of a known format. */
export function isMeta(value: unknown): value is StoreMeta {
  if (typeof value !== 'object' || value === null) return false
  const m = value as StoreMeta
  return m.format === 'signet-registry' && (m.version === 1 || m.version === 2) && typeof m.dataKey === 'object' && m.dataKey !== null
}

/**
 * The data keys of one open registry, and the checks made with them. One per
 * {@link Registry}; it never writes to the store except to create the registry.
 */
export class Keyring {
  readonly #store: RegistryStore
  /** The master key (changed in place by a re-wrap). */
  readonly masterKey: Uint8Array
  #dataKeys: DataKeys | undefined
  /** The highest manifest counter this process has seen: a manifest below it is a rollback. */
  #highest = 0
  /** Manifest MACs already checked, so a hot resolver does not recompute one per request. */
  #checked = new Map<string, number>()

  constructor(store: RegistryStore, masterKey: Uint8Array, dataKeys: DataKeys | undefined) {
    this.#store = store
    this.masterKey = masterKey
    this.#dataKeys = dataKeys
  }

  /** The data keys, creating the registry (format 2) on its first write. */
  async keys(): Promise<DataKeys> {
    if (this.#dataKeys !== undefined) return this.#dataKeys
    const created = await createDataKeys(this.masterKey)
    const stored = await this.#store.initMeta({ format: 'signet-registry', version: 2, dataKey: created.wrapped })
    // Another writer may have created the registry first: its data key wins.
    this.#dataKeys = stored.dataKey.iv === created.wrapped.iv && stored.dataKey.ct === created.wrapped.ct
      ? created.keys
      : await openDataKeys(this.masterKey, stored.dataKey, stored.version)
    return this.#dataKeys
  }

  /** The data keys of a registry created (by another process) after this one was opened. */
  async loadKeys(): Promise<DataKeys | undefined> {
    if (this.#dataKeys !== undefined) return this.#dataKeys
    const meta = await this.loadMeta()
    if (meta === undefined) return undefined
    this.#dataKeys ??= await openDataKeys(this.masterKey, meta.dataKey, meta.version)
    return this.#dataKeys
  }

  /** The store's metadata, checked for shape. */
  async loadMeta(): Promise<StoreMeta | undefined> {
    let meta: StoreMeta | undefined
    try {
      meta = await this.#store.loadMeta()
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    if (meta !== undefined && !isMeta(meta)) throw new SignetError('ERR_REGISTRY_CORRUPT', 'the registry metadata is malformed')
    return meta
  }

  /** Replace the data keys after a migration or a re-wrap changed how they are stored. */
  set dataKeys(keys: DataKeys) {
    this.#dataKeys = keys
  }

  /** Authenticate a record. */
  async sign(record: UnsignedKey): Promise<StoredKey> {
    return { ...record, mac: await authenticate(await this.keys(), canonicalRecordText(record)) }
  }

  /**
   * Check a stored record's shape and MAC (not yet its version: see {@link checkVersion}).
   *
   * @throws {SignetError} `ERR_REGISTRY_CORRUPT`
   */
  async checkMac(stored: unknown, id: string): Promise<StoredKey> {
    const keys = this.#dataKeys ?? (await this.loadKeys())
    if (!isStoredKeyShape(stored) || stored.id !== id || keys === undefined) {
      throw new SignetError('ERR_REGISTRY_CORRUPT', `the stored record of key ${id} is malformed`)
    }
    const { mac, ...unsigned } = stored
    if (!(await checkAuthentication(keys, canonicalRecordText(unsigned), mac))) {
      throw new SignetError('ERR_REGISTRY_CORRUPT', `the stored record of key ${id} fails its integrity check (altered, or written under another master key)`)
    }
    return stored
  }

  /** Authenticate a manifest. */
  async signManifest(m: UnsignedManifest): Promise<Manifest> {
    return { ...m, mac: await authenticate(await this.keys(), canonicalManifestText(m)) }
  }

  /** Note a manifest this process wrote or checked: nothing below its counter is accepted after. */
  observe(m: Manifest): void {
    this.#seen(m)
  }

  #seen(m: Manifest): void {
    if (m.counter > this.#highest) this.#highest = m.counter
    if (this.#checked.size >= 64) this.#checked.clear()
    this.#checked.set(m.mac, m.counter)
  }

  /**
   * The authenticated manifest of format 2 metadata (the empty one when none was written
   * yet); undefined for format 1.
   *
   * @throws {SignetError} `ERR_REGISTRY_CORRUPT` for a manifest that fails its MAC, or whose
   *   counter is below one this process has seen (a rollback)
   */
  async manifest(meta: StoreMeta): Promise<Manifest | undefined> {
    if (meta.version === 1) return undefined
    const m = meta.manifest
    if (m === undefined) return { ...EMPTY_MANIFEST, mac: '' }
    if (this.#checked.get(m.mac) !== m.counter) {
      const keys = this.#dataKeys ?? (await this.loadKeys())
      const { mac, ...unsigned } = m
      if (keys === undefined || !(await checkAuthentication(keys, canonicalManifestText(unsigned), mac))) {
        throw new SignetError('ERR_REGISTRY_CORRUPT', 'the registry manifest fails its integrity check (altered, or written under another master key)')
      }
    }
    if (m.counter < this.#highest) {
      throw new SignetError('ERR_REGISTRY_CORRUPT', `the registry was rolled back: its manifest counter is ${m.counter}, this process has seen ${this.#highest}`)
    }
    this.#seen(m)
    return m
  }

  /**
   * Check a record's version against the manifest.
   *
   * @throws {SignetError} `ERR_REGISTRY_CORRUPT` when the record is not the copy the manifest lists
   */
  checkVersion(record: StoredKey, manifest: Manifest | undefined): void {
    if (manifest === undefined) return
    const listed = Object.hasOwn(manifest.versions, record.id) ? manifest.versions[record.id] : undefined
    if (record.version === undefined || listed !== record.version) {
      throw new SignetError(
        'ERR_REGISTRY_CORRUPT',
        `the stored record of key ${record.id} is not its latest copy (version ${record.version ?? 'none'}, the manifest lists ${listed ?? 'none'}): an earlier copy was written back`,
      )
    }
  }
}
