/**
 * The verifier's view of a key: a stored record turned into the `KeyRecord` that
 * `@signet/server` reads (CONTRACTS.md), without importing the server, and a bounded cache of
 * those views keyed by the stored text, so a hot resolver imports each key once.
 *
 * @module
 */
import { importKey, utf8 } from '@signet/core'
import type { KeyInput, KeyRecord, KeyResolver } from '@signet/core'
import { isSealed, openSecret } from './envelope.ts'
import type { DataKeys } from './envelope.ts'
import { canonicalRecordText, effectiveExpiry, isStoredKeyShape } from './record.ts'
import type { StoredKey } from './record.ts'

/** A key record as the verifier reads it (`KeyRecord` from `@signet/core`). */
export type ResolvedKey = KeyRecord

/** A `KeyResolver` (`@signet/core`) over this registry; lookups are always asynchronous. */
export interface RegistryResolver extends KeyResolver {
  resolve(keyid: string): Promise<KeyRecord | undefined>
}

const RESOLVE_CACHE_SIZE = 1000

/**
 * The `KeyRecord` of a checked record: its key imported (an HMAC secret opened with the data
 * key), its `expires` the earlier of its expiry and the end of a rotation overlap.
 *
 * @param record - a record whose MAC and version were checked
 * @param keys - the registry's data keys
 * @returns the verifier's view
 * @throws {SignetError} `ERR_REGISTRY_CORRUPT` for a secret that does not decrypt
 */
export async function toResolvedKey(record: StoredKey, keys: DataKeys): Promise<ResolvedKey> {
  const keyid = record.id
  const key = record.secret !== null
    ? await importKey(utf8(await openSecret(keys, keyid, isSealed(record.secret) ? record.secret : { iv: '', ct: '' })), { alg: 'hmac-sha256', kid: keyid })
    : await importKey(record.publicJwk as KeyInput, { alg: record.algorithm, kid: keyid })
  const until = effectiveExpiry(record)
  return {
    id: keyid,
    key,
    owner: record.owner,
    scopes: record.scopes,
    allowIps: record.allowIps,
    denyIps: record.denyIps,
    notBefore: record.notBefore ?? undefined,
    expires: until ?? undefined,
    state: record.state,
    // The `name` label is what the server reports as the identity's key label.
    label: Object.hasOwn(record.labels, 'name') ? record.labels['name'] : undefined,
  }
}

/** The text a cache entry is keyed by: every member and the MAC ('' for a malformed record). */
function storedText(stored: StoredKey): string {
  if (!isStoredKeyShape(stored)) return ''
  const { mac, ...rest } = stored
  return `${canonicalRecordText(rest)}\n${mac}`
}

/**
 * Resolved keys by key id, least recently stored first out. An entry is served only for the
 * very stored record it was made from (stores hand out the same object until the record
 * changes) or for one with the same text: any change of state, expiry, version or MAC makes
 * the caller check and import the record again.
 */
export class ResolveCache {
  readonly #entries = new Map<string, { text: string; source: StoredKey; resolved: ResolvedKey }>()

  /** The cached view of `stored`, if it is unchanged. */
  get(keyid: string, stored: StoredKey): ResolvedKey | undefined {
    const hit = this.#entries.get(keyid)
    if (hit === undefined) return undefined
    if (hit.source === stored) return hit.resolved
    const text = storedText(stored)
    if (text === '' || hit.text !== text) return undefined
    hit.source = stored
    return hit.resolved
  }

  /** Remember the view made from `stored`. */
  set(keyid: string, stored: StoredKey, resolved: ResolvedKey): void {
    this.#entries.delete(keyid)
    if (this.#entries.size >= RESOLVE_CACHE_SIZE) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(keyid, { text: storedText(stored), source: stored, resolved })
  }

  /** Forget a key (after this process changed it). */
  delete(keyid: string): void {
    this.#entries.delete(keyid)
  }
}
