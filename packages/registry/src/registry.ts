/**
 * The registry: the API-key lifecycle over a store.
 *
 * ```
 *            create ──> active <──enable── disabled
 *                         │  └────disable───>  │
 *                         └──────revoke────────┴──> revoked (final)
 *   rotate(old) ──> new key (active); old keeps verifying until overlapUntil
 * ```
 *
 * Expiry is a time, not a state: a key stops verifying at its `expires` or, once rotated, at
 * the end of its overlap, whichever comes first (never later than its own expiry). Every key
 * expires after a default lifetime (90 days) unless "never" is asked for explicitly.
 *
 * Every management action is checked (key id format, state, IP lists, times) before anything
 * is written, writes through one store transaction, and appends to the audit log. The resolver
 * ({@link Registry.resolver}) serves `@signet/server` with records of its `KeyRecord` shape
 * (CONTRACTS.md) without importing it.
 *
 * @module
 */
import {
  SignetError, exportJwk, generateKey, getAlgorithm, importKey, isSignetError, isSignetKey, publicKey, utf8,
} from '@signet/core'
import type { AlgorithmDescriptor, AlgorithmName, KeyInput, KeyRecord, KeyResolver, SignetKey } from '@signet/core'
import {
  authenticate, checkAuthentication, createDataKeys, isSealed, openDataKeys, openSecret, parseMasterKey, rewrapDataKey, sealSecret,
} from './envelope.ts'
import type { DataKeys } from './envelope.ts'
import { assertKeyId, generateKeyId, generateSecret, secretToJwk } from './formats.ts'
import type { SecretJwk } from './formats.ts'
import { checkIpList } from './ip-list.ts'
import { canonicalRecordText, effectiveExpiry, emptyUsage, isStoredKeyShape } from './record.ts'
import type { AuditAction, AuditEntry, KeyType, StoredKey, UnsignedKey, UsageStats } from './record.ts'
import type { RegistryStore, StoreMeta } from './stores/store.ts'
import { UsageRecorder } from './usage.ts'
import type { UsageRecorderOptions, VerificationEvent } from './usage.ts'

/** Default key lifetime: 90 days. */
export const DEFAULT_LIFETIME_SECONDS: number = 90 * 86_400
/** Default rotation overlap: 1 day. */
export const DEFAULT_OVERLAP_SECONDS: number = 86_400
/**
 * The latest expiry a key may be given: 100 years (of 365 days) ahead. Anything later is a
 * typo or an attempt at "never" by other means; `null` ("never", asked for explicitly) is the
 * only way to have no expiry.
 */
const MAX_LIFETIME_SECONDS = 100 * 365 * 86_400
/**
 * The longest rotation overlap: 30 days. The old key of a rotation is presumed compromised or
 * retired; a longer overlap (or, for a key that never expires, an unbounded one) would keep it
 * verifying for as long as a fresh key, which defeats the rotation. An overlap is also cut at
 * the old key's own expiry. A longer one is refused (`ERR_INVALID_EXPIRY`) before any write.
 */
export const MAX_OVERLAP_SECONDS: number = 30 * 86_400

/** Options of {@link openRegistry}. */
export interface RegistryOptions {
  readonly store: RegistryStore
  /** 32 bytes, or their base64url text. Never stored. */
  readonly masterKey: Uint8Array | string
  /** Who is acting, for the audit log (default `unknown`). */
  readonly actor?: string
  /** The clock, unix seconds (default: the system clock). */
  readonly now?: () => number
  /** Lifetime of a key created without an expiry (default 90 days). */
  readonly defaultLifetimeSeconds?: number
  /** Rotation overlap when none is given (default 1 day, at most 30 days). */
  readonly defaultOverlapSeconds?: number
  /** Batching of usage records. */
  readonly usage?: UsageRecorderOptions
}

/** Options of {@link Registry.create}. */
export interface CreateKeyOptions {
  readonly owner: string
  /** The algorithm (default `hmac-sha256`). With `publicKey`, needed only when the key does not imply one. */
  readonly alg?: AlgorithmName
  /** Register this public key (JWK, PEM text, or an imported key) instead of generating one. */
  readonly publicKey?: KeyInput | SignetKey
  readonly scopes?: readonly string[]
  readonly allowIps?: readonly string[]
  readonly denyIps?: readonly string[]
  /** Unix seconds before which the key does not verify. */
  readonly notBefore?: number
  /**
   * Whole seconds from now until expiry, at most 100 years; `null` means never (a deliberate
   * choice, and the only way to have no expiry).
   */
  readonly expiresIn?: number | null
  /** Absolute expiry, whole unix seconds at most 100 years ahead; `null` means never. Overrides `expiresIn`. */
  readonly expires?: number | null
  /** Free-form labels (at most 256 chars each); `name` is served as the record's `label`. */
  readonly labels?: Readonly<Record<string, string>>
  /** Who is acting (overrides the registry's actor). */
  readonly actor?: string
}

/** Options of {@link Registry.rotate}. */
export interface RotateKeyOptions {
  /**
   * How long the old key keeps verifying, in whole seconds: default 1 day, at most 30 days
   * (more is `ERR_INVALID_EXPIRY`), and never past the old key's own expiry.
   */
  readonly overlapSeconds?: number
  /** The successor's lifetime in whole seconds, at most 100 years (default: 90 days, or never when the old key never expired). */
  readonly expiresIn?: number | null
  /**
   * For an asymmetric key: the successor's public key. Required when the key was registered
   * from its owner's public key; otherwise a pair is generated here and its private key shown once.
   */
  readonly publicKey?: KeyInput | SignetKey
  readonly actor?: string
}

/**
 * A key as shown to operators: never a secret. The members taken from the stored record mean
 * what they mean there (times in unix seconds, `expires` `null` for never).
 */
export interface KeySummary
  extends Pick<
    StoredKey,
    | 'type' | 'owner' | 'state' | 'expires' | 'notBefore' | 'scopes' | 'allowIps' | 'denyIps'
    | 'created' | 'updated' | 'replaces' | 'replacedBy' | 'overlapUntil' | 'labels'
  > {
  readonly keyid: string
  readonly alg: AlgorithmName
  /**
   * Asymmetric keys: true when the registry generated the pair, false when its owner registered
   * the public key; `false` means {@link Registry.rotate} needs the successor's public key
   * (`--public-key FILE`). Absent for HMAC keys and for asymmetric records written before the
   * registry kept it (both rotate without a public key). Never a secret.
   */
  readonly generated?: boolean
  /** True when the key no longer verifies because of its expiry or the end of an overlap. */
  readonly expired: boolean
  /** The public JWK of an asymmetric key. */
  readonly publicKey?: JsonWebKey
  readonly lastUsed: number | null
  readonly lastIp: string | null
}

/** What {@link Registry.create} and {@link Registry.rotate} return: the only time a secret is shown. */
export interface CreatedKey extends KeySummary {
  /** HMAC: the secret, shown this once. */
  readonly secret?: string
  /** HMAC: the secret as a JWK for `signet sign --key`. */
  readonly jwk?: SecretJwk
  /** A key pair generated here: the private JWK, shown this once. */
  readonly privateKey?: JsonWebKey
}

/** What {@link Registry.rotate} returns: the successor, and when the old key stops verifying. */
export interface RotatedKey extends CreatedKey {
  readonly previous: { readonly keyid: string; readonly overlapUntil: number }
}

/** A key record as the verifier reads it (`KeyRecord` from `@signet/core`). */
export type ResolvedKey = KeyRecord

/** A `KeyResolver` (`@signet/core`) over this registry; lookups are always asynchronous. */
export interface RegistryResolver extends KeyResolver {
  resolve(keyid: string): Promise<KeyRecord | undefined>
}

const TYPE_OF_FAMILY: Readonly<Record<string, KeyType>> = {
  hmac: 'hmac', eddsa: 'ed25519', 'rsa-pss': 'rsa', 'rsa-v1_5': 'rsa', ecdsa: 'ecdsa',
}

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/ // RFC 6749 section 3.3 scope-token
const RESOLVE_CACHE_SIZE = 1000

/** A JWK carrying the registry's key id as `kid` and the algorithm's JOSE name as `alg`. */
function withKid(jwk: JsonWebKey, kid: string, alg: string): JsonWebKey {
  return { ...jwk, kid, alg } as JsonWebKey
}

/** A short, safe description of an untrusted value for a message (never calls its methods). */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40))
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return value === null ? 'null' : typeof value
}

function checkOwner(owner: unknown): string {
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 256 || /[\x00-\x1f\x7f]/.test(owner)) {
    throw new TypeError('"owner" expected a non-empty string of at most 256 printable characters')
  }
  return owner.trim()
}

function checkScopes(scopes: readonly string[] | undefined): string[] {
  if (scopes === undefined) return []
  if (!Array.isArray(scopes)) throw new TypeError('"scopes" expected an array of strings')
  const out: string[] = []
  for (const s of scopes) {
    if (typeof s !== 'string' || !SCOPE.test(s)) throw new TypeError(`"scopes" entry ${describe(s)} is not a scope token (RFC 6749 section 3.3)`)
    if (!out.includes(s)) out.push(s)
  }
  return out
}

function checkLabels(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (labels === undefined) return {}
  if (typeof labels !== 'object' || labels === null) throw new TypeError('"labels" expected an object of strings')
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string' || k.length > 64 || v.length > 256) throw new TypeError(`"labels.${k.slice(0, 40)}" expected a string of at most 256 characters`)
    out[k] = v
  }
  return out
}

function checkSeconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"${name}" expected a whole number of seconds, got ${describe(value)}`)
  }
  return value
}

function notFound(id: string): SignetError {
  return new SignetError('ERR_KEY_NOT_FOUND', `no key ${id} in this registry`)
}

function storeUnavailable(cause: unknown): SignetError {
  return isSignetError(cause) ? cause : new SignetError('ERR_STORE_UNAVAILABLE', 'the key store is unreachable', { cause })
}

/**
 * An open registry. Create one with {@link openRegistry}.
 */
export class Registry {
  readonly #store: RegistryStore
  readonly #masterKey: Uint8Array
  readonly #actor: string
  readonly #now: () => number
  readonly #lifetime: number
  readonly #overlap: number
  readonly #usageOptions: UsageRecorderOptions
  #dataKeys: DataKeys | undefined
  #recorder: UsageRecorder | undefined
  readonly #resolved = new Map<string, { text: string; source: StoredKey; resolved: ResolvedKey }>()

  /** @internal use {@link openRegistry} */
  constructor(options: RegistryOptions, masterKey: Uint8Array, dataKeys: DataKeys | undefined) {
    this.#store = options.store
    this.#masterKey = masterKey
    this.#actor = options.actor ?? 'unknown'
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000))
    this.#lifetime = checkSeconds(options.defaultLifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS, 'defaultLifetimeSeconds')
    if (this.#lifetime > MAX_LIFETIME_SECONDS) throw new RangeError('"defaultLifetimeSeconds" must be at most 100 years')
    this.#overlap = checkSeconds(options.defaultOverlapSeconds ?? DEFAULT_OVERLAP_SECONDS, 'defaultOverlapSeconds')
    if (this.#overlap > MAX_OVERLAP_SECONDS) throw new RangeError('"defaultOverlapSeconds" must be at most 30 days (2592000 seconds)')
    this.#usageOptions = options.usage ?? {}
    this.#dataKeys = dataKeys
  }

  /** The backing store. */
  get store(): RegistryStore {
    return this.#store
  }

  async #keys(): Promise<DataKeys> {
    if (this.#dataKeys !== undefined) return this.#dataKeys
    const created = await createDataKeys(this.#masterKey)
    const stored = await this.#store.initMeta({ format: 'signet-registry', version: 1, dataKey: created.wrapped })
    // Another writer may have created the registry first: its data key wins.
    this.#dataKeys = stored.dataKey.iv === created.wrapped.iv && stored.dataKey.ct === created.wrapped.ct
      ? created.keys
      : await openDataKeys(this.#masterKey, stored.dataKey)
    return this.#dataKeys
  }

  async #sign(record: UnsignedKey): Promise<StoredKey> {
    const keys = await this.#keys()
    return { ...record, mac: await authenticate(keys, canonicalRecordText(record)) }
  }

  /** The data keys of a registry created (by another process) after this one was opened. */
  async #loadKeys(): Promise<DataKeys | undefined> {
    if (this.#dataKeys !== undefined) return this.#dataKeys
    let meta: StoreMeta | undefined
    try {
      meta = await this.#store.loadMeta()
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    if (meta === undefined) return undefined
    if (!isMeta(meta)) throw new SignetError('ERR_REGISTRY_CORRUPT', 'the registry metadata is malformed')
    this.#dataKeys ??= await openDataKeys(this.#masterKey, meta.dataKey)
    return this.#dataKeys
  }

  /** Check a stored record's shape and MAC. */
  async #check(stored: unknown, id: string): Promise<StoredKey> {
    if (this.#dataKeys === undefined) await this.#loadKeys()
    if (!isStoredKeyShape(stored) || stored.id !== id || this.#dataKeys === undefined) {
      throw new SignetError('ERR_REGISTRY_CORRUPT', `the stored record of key ${id} is malformed`)
    }
    const { mac, ...unsigned } = stored
    if (!(await checkAuthentication(this.#dataKeys, canonicalRecordText(unsigned), mac))) {
      throw new SignetError('ERR_REGISTRY_CORRUPT', `the stored record of key ${id} fails its integrity check (altered, or written under another master key)`)
    }
    return stored
  }

  async #get(id: string): Promise<StoredKey> {
    assertKeyId(id)
    let stored: StoredKey | undefined
    try {
      stored = await this.#store.getKey(id)
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    if (stored === undefined) throw notFound(id)
    return this.#check(stored, id)
  }

  #audit(action: AuditAction, record: UnsignedKey, actor: string | undefined, details?: AuditEntry['details']): AuditEntry {
    const entry: AuditEntry = { time: this.#now(), actor: actor ?? this.#actor, action, keyid: record.id, owner: record.owner }
    return details === undefined ? entry : { ...entry, details }
  }

  /**
   * The expiry asked for: whole seconds, in the future, at most 100 years ahead (`null`:
   * never). Checked before anything is written.
   */
  #expiry(now: number, options: { expires?: number | null; expiresIn?: number | null }, fallback: number | null): number | null {
    let expires: number | null
    if (options.expires !== undefined) {
      expires = options.expires
      if (expires !== null && typeof expires !== 'number') throw new TypeError('"expires" expected unix seconds or null')
      if (expires !== null && !Number.isSafeInteger(expires)) {
        throw new SignetError('ERR_INVALID_EXPIRY', `"expires" must be whole unix seconds, got ${describe(expires)}`)
      }
    } else if (options.expiresIn !== undefined) {
      const expiresIn = options.expiresIn
      if (expiresIn !== null && typeof expiresIn !== 'number') throw new TypeError('"expiresIn" expected seconds or null')
      if (expiresIn !== null && !Number.isSafeInteger(expiresIn)) {
        throw new SignetError('ERR_INVALID_EXPIRY', `"expiresIn" must be whole seconds, got ${describe(expiresIn)}`)
      }
      expires = expiresIn === null ? null : now + expiresIn
    } else {
      expires = fallback
    }
    if (expires !== null && expires <= now) {
      throw new SignetError('ERR_INVALID_EXPIRY', `the expiry ${expires} is not in the future (now ${now})`)
    }
    if (expires !== null && expires - now > MAX_LIFETIME_SECONDS) {
      throw new SignetError(
        'ERR_INVALID_EXPIRY',
        `the expiry ${expires} is more than 100 years ahead (now ${now}); for a key that never expires ask for "never" (null)`,
      )
    }
    return expires
  }

  /**
   * The rotation overlap asked for: whole seconds from 0 to 30 days. Checked before the key is
   * looked up, so a refused overlap reads and writes nothing.
   */
  #overlapOf(value: number | undefined): number {
    if (value === undefined) return this.#overlap
    if (typeof value !== 'number') throw new TypeError('"overlapSeconds" expected seconds')
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new SignetError('ERR_INVALID_EXPIRY', `"overlapSeconds" must be whole seconds, at least 0, got ${describe(value)}`)
    }
    if (value > MAX_OVERLAP_SECONDS) {
      throw new SignetError(
        'ERR_INVALID_EXPIRY',
        `the overlap ${value} s is longer than the 30 days (${MAX_OVERLAP_SECONDS} s) an old key may keep verifying after its rotation`,
      )
    }
    return value
  }

  async #material(
    id: string,
    alg: AlgorithmName | undefined,
    given: KeyInput | SignetKey | undefined,
  ): Promise<{ descriptor: AlgorithmDescriptor; publicJwk: JsonWebKey | null; secret: string | null; privateKey: JsonWebKey | null }> {
    if (given !== undefined) {
      const key = isSignetKey(given) ? given : await importKey(given, alg === undefined ? {} : { alg })
      if (alg !== undefined && key.algorithm.name !== alg) {
        throw new SignetError('ERR_ALG_MISMATCH', `the public key is a ${key.algorithm.name} key, not ${alg}`)
      }
      if (key.algorithm.symmetric) {
        throw new SignetError('ERR_KEY_UNSUPPORTED', 'HMAC keys are generated by the registry; only public keys are registered')
      }
      if (key.type !== 'public') {
        throw new SignetError('ERR_KEY_INVALID', 'expected a public key: a private key never leaves its owner, register its public key')
      }
      const jwk = await exportJwk(key)
      return { descriptor: key.algorithm, publicJwk: withKid(jwk, id, key.algorithm.jose), secret: null, privateKey: null }
    }
    const descriptor = getAlgorithm(alg ?? 'hmac-sha256')
    if (descriptor.symmetric) return { descriptor, publicJwk: null, secret: generateSecret(), privateKey: null }
    const pair = await generateKey(descriptor.name, { kid: id, extractable: true })
    const privateKey = await exportJwk(pair, { private: true })
    const jwk = await exportJwk(publicKey(pair))
    return {
      descriptor,
      publicJwk: withKid(jwk, id, descriptor.jose),
      secret: null,
      privateKey: withKid(privateKey, id, descriptor.jose),
    }
  }

  async #summary(record: StoredKey, usage?: UsageStats): Promise<KeySummary> {
    const u = usage ?? (await this.#store.getUsage(record.id).catch(() => undefined)) ?? emptyUsage(record.id)
    const until = effectiveExpiry(record)
    const summary: KeySummary = {
      keyid: record.id,
      alg: record.algorithm,
      type: record.type,
      // A boolean only: whether the pair was made here, so an operator can tell before
      // rotating whether the successor's public key will be needed.
      ...(typeof record.generated === 'boolean' ? { generated: record.generated } : {}),
      owner: record.owner,
      state: record.state,
      expires: record.expires,
      expired: until !== null && this.#now() >= until,
      notBefore: record.notBefore,
      scopes: [...record.scopes],
      allowIps: [...record.allowIps],
      denyIps: [...record.denyIps],
      created: record.created,
      updated: record.updated,
      replaces: record.replaces,
      replacedBy: record.replacedBy,
      overlapUntil: record.overlapUntil,
      labels: { ...record.labels },
      lastUsed: u.lastUsed,
      lastIp: u.lastIp,
    }
    return record.publicJwk === null ? summary : { ...summary, publicKey: { ...record.publicJwk } }
  }

  #shown(summary: KeySummary, keyid: string, secret: string | null, privateKey: JsonWebKey | null): CreatedKey {
    if (secret !== null) return { ...summary, secret, jwk: secretToJwk(keyid, secret) }
    if (privateKey !== null) return { ...summary, privateKey }
    return summary
  }

  /**
   * Create a key: an HMAC secret or key pair generated here, or a registered public key.
   *
   * @param options - owner, algorithm or public key, scopes, IP lists, validity
   * @returns the key as shown to its owner, with `secret`/`jwk` or `privateKey` this once
   * @throws {SignetError} `ERR_INVALID_IP_RANGE`, `ERR_INVALID_EXPIRY` (not in the future, not
   *   whole seconds, or more than 100 years ahead), `ERR_ALG_UNSUPPORTED`,
   *   `ERR_KEY_INVALID` (a private key given as `publicKey`), `ERR_STORE_UNAVAILABLE`
   * @throws {TypeError} for a missing owner or a malformed scope
   * @example
   * ```ts
   * const { keyid, secret } = await registry.create({ owner: 'acme', scopes: ['orders:read'] })
   * ```
   */
  async create(options: CreateKeyOptions): Promise<CreatedKey> {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
    const now = this.#now()
    const owner = checkOwner(options.owner)
    const scopes = checkScopes(options.scopes)
    const allowIps = checkIpList(options.allowIps, 'allowIps')
    const denyIps = checkIpList(options.denyIps, 'denyIps')
    const labels = checkLabels(options.labels)
    const expires = this.#expiry(now, options, now + this.#lifetime)
    const notBefore = options.notBefore === undefined ? null : checkSeconds(options.notBefore, 'notBefore')
    if (notBefore !== null && expires !== null && notBefore >= expires) {
      throw new SignetError('ERR_INVALID_EXPIRY', `notBefore ${notBefore} is not before the expiry ${expires}`)
    }
    const id = generateKeyId()
    const m = await this.#material(id, options.alg, options.publicKey)
    const keys = await this.#keys()
    const unsigned: UnsignedKey = {
      id, owner, type: TYPE_OF_FAMILY[m.descriptor.family] as KeyType, algorithm: m.descriptor.name,
      publicJwk: m.publicJwk, secret: m.secret === null ? null : await sealSecret(keys, id, m.secret),
      scopes, allowIps, denyIps, notBefore, expires, state: 'active', created: now, updated: now,
      replaces: null, replacedBy: null, overlapUntil: null, labels,
      ...(m.descriptor.symmetric ? {} : { generated: m.privateKey !== null }),
    }
    const record = await this.#sign(unsigned)
    await this.#write([id], async (current) => {
      if (current.get(id) !== undefined) throw new SignetError('ERR_INVALID_STATE', `key id ${id} already exists`)
      return { put: [record], audit: [this.#audit('create', record, options.actor, { alg: record.algorithm, expires })] }
    })
    return this.#shown(await this.#summary(record, emptyUsage(id)), id, m.secret, m.privateKey)
  }

  async #write(ids: readonly string[], change: Parameters<RegistryStore['transact']>[1]): Promise<void> {
    try {
      await this.#store.transact(ids, change)
    } catch (err) {
      throw storeUnavailable(err)
    }
    for (const id of ids) this.#forget(id)
  }

  #forget(id: string): void {
    this.#resolved.delete(id)
  }

  /**
   * Rotate a key: create its successor (same owner, type, scopes, IP lists and labels) and let
   * the old key verify until the overlap ends, never past its own expiry.
   *
   * @param id - the key to rotate
   * @param options - overlap, successor lifetime, successor public key
   * @returns the successor as {@link create} returns it
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED`, `ERR_KEY_NOT_FOUND`, `ERR_INVALID_STATE`
   *   (revoked, or already rotated), `ERR_INVALID_EXPIRY` (a successor expiry out of range, or
   *   an overlap not whole seconds or over 30 days), `ERR_USAGE` (a key registered from
   *   its owner's public key, rotated without `publicKey`)
   * @example
   * ```ts
   * const next = await registry.rotate(keyid, { overlapSeconds: 3600 })
   * ```
   */
  async rotate(id: string, options: RotateKeyOptions = {}): Promise<RotatedKey> {
    assertKeyId(id)
    const overlap = this.#overlapOf(options.overlapSeconds)
    const old = await this.#get(id)
    const now = this.#now()
    const refuse = (r: StoredKey): void => {
      if (r.state === 'revoked') throw new SignetError('ERR_INVALID_STATE', `key ${id} is revoked and cannot be rotated`)
      if (r.replacedBy !== null) throw new SignetError('ERR_INVALID_STATE', `key ${id} was already rotated to ${r.replacedBy}`)
    }
    refuse(old)
    if (old.type === 'hmac' && options.publicKey !== undefined) {
      throw new SignetError('ERR_KEY_UNSUPPORTED', 'HMAC keys are generated by the registry; a public key does not apply')
    }
    // A pair its owner generated stays with its owner: generating one here would hand them a
    // private key they never asked for and silently change who holds it.
    if (old.type !== 'hmac' && old.generated === false && options.publicKey === undefined) {
      throw new SignetError(
        'ERR_USAGE',
        `key ${id} was registered from its owner's public key: pass the successor's public key (publicKey, or --public-key FILE); the registry does not generate a pair for it`,
      )
    }
    const expires = this.#expiry(now, options, old.expires === null ? null : now + this.#lifetime)
    const newId = generateKeyId()
    const m = await this.#material(newId, old.algorithm, options.publicKey)
    const keys = await this.#keys()
    const successor = await this.#sign({
      ...old, id: newId, publicJwk: m.publicJwk, secret: m.secret === null ? null : await sealSecret(keys, newId, m.secret),
      notBefore: null, expires, state: 'active', created: now, updated: now,
      replaces: id, replacedBy: null, overlapUntil: null,
      ...(m.descriptor.symmetric ? {} : { generated: m.privateKey !== null }),
    })
    let overlapUntil = now
    await this.#write([id, newId], async (current) => {
      const latest = await this.#check(current.get(id), id)
      refuse(latest)
      const { mac: _mac, ...unsigned } = latest
      overlapUntil = latest.expires === null ? now + overlap : Math.min(now + overlap, latest.expires)
      const retired = await this.#sign({ ...unsigned, replacedBy: newId, overlapUntil, updated: now })
      return {
        put: [retired, successor],
        audit: [
          this.#audit('rotate', retired, options.actor, { successor: newId, overlapUntil }),
          this.#audit('create', successor, options.actor, { alg: successor.algorithm, expires, replaces: id }),
        ],
      }
    })
    const shown = this.#shown(await this.#summary(successor, emptyUsage(newId)), newId, m.secret, m.privateKey)
    return { ...shown, previous: { keyid: id, overlapUntil } }
  }

  async #transition(id: string, action: AuditAction, actor: string | undefined, apply: (r: StoredKey, now: number) => Partial<UnsignedKey> | undefined): Promise<KeySummary> {
    await this.#get(id)
    let result: StoredKey | undefined
    await this.#write([id], async (current) => {
      const latest = await this.#check(current.get(id), id)
      const now = this.#now()
      const patch = apply(latest, now)
      if (patch === undefined) {
        result = latest
        return { put: [], audit: [] }
      }
      const { mac: _mac, ...unsigned } = latest
      result = await this.#sign({ ...unsigned, ...patch, updated: now })
      return { put: [result], audit: [this.#audit(action, result, actor)] }
    })
    return this.#summary(result as StoredKey)
  }

  /**
   * Disable a key at once (a suspected leak); {@link enable} brings it back.
   *
   * @throws {SignetError} `ERR_KEY_NOT_FOUND`, `ERR_INVALID_STATE` (revoked), `ERR_KEY_ID_MALFORMED`
   */
  disable(id: string, options: { actor?: string } = {}): Promise<KeySummary> {
    return this.#transition(id, 'disable', options.actor, (r) => {
      if (r.state === 'revoked') throw new SignetError('ERR_INVALID_STATE', `key ${id} is revoked`)
      return r.state === 'disabled' ? undefined : { state: 'disabled' }
    })
  }

  /**
   * Re-enable a disabled key.
   *
   * @throws {SignetError} `ERR_INVALID_STATE` for a revoked key (revocation is final)
   */
  enable(id: string, options: { actor?: string } = {}): Promise<KeySummary> {
    return this.#transition(id, 'enable', options.actor, (r) => {
      if (r.state === 'revoked') throw new SignetError('ERR_INVALID_STATE', `key ${id} is revoked; revocation is final`)
      return r.state === 'active' ? undefined : { state: 'active' }
    })
  }

  /** Revoke a key for good. Revoking a revoked key changes nothing. */
  revoke(id: string, options: { actor?: string } = {}): Promise<KeySummary> {
    return this.#transition(id, 'revoke', options.actor, (r) => (r.state === 'revoked' ? undefined : { state: 'revoked' }))
  }

  /**
   * Make a key expire now (or at `at`, if sooner than its current expiry).
   *
   * @param at - unix seconds (default: now)
   */
  expire(id: string, options: { at?: number; actor?: string } = {}): Promise<KeySummary> {
    return this.#transition(id, 'expire', options.actor, (r, now) => {
      const at = options.at === undefined ? now : checkSeconds(options.at, 'at')
      return r.expires !== null && r.expires <= at ? undefined : { expires: at }
    })
  }

  /**
   * One key, without secrets, with its last use.
   *
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED`, `ERR_KEY_NOT_FOUND`
   */
  async get(id: string): Promise<KeySummary> {
    return this.#summary(await this.#get(id))
  }

  /** Every key, or an owner's keys, oldest first (by creation second). */
  async list(options: { owner?: string } = {}): Promise<KeySummary[]> {
    let all: StoredKey[]
    try {
      all = await this.#store.listKeys()
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    const mine = all.filter((r) => options.owner === undefined || r.owner === options.owner)
    // Stable: keys created in the same second keep the store's order (insertion order for files).
    mine.sort((a, b) => a.created - b.created)
    const out: KeySummary[] = []
    for (const r of mine) out.push(await this.#summary(await this.#check(r, r.id)))
    return out
  }

  /**
   * Usage counters of a key.
   *
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED`, `ERR_KEY_NOT_FOUND`
   */
  async usage(id: string): Promise<UsageStats> {
    await this.#get(id)
    return (await this.#store.getUsage(id)) ?? emptyUsage(id)
  }

  /** The audit log, oldest first; entries at or after `since` (unix seconds) when given. */
  async audit(options: { since?: number } = {}): Promise<AuditEntry[]> {
    try {
      return await this.#store.readAudit(options.since)
    } catch (cause) {
      throw storeUnavailable(cause)
    }
  }

  /**
   * The verifier's view of a key id: a `KeyRecord` for `@signet/server`, its `expires` being the
   * earlier of the key's expiry and the end of a rotation overlap.
   *
   * @param keyid - the untrusted key id from a request
   * @returns the record, or undefined for an unknown key
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED` before any lookup; `ERR_STORE_UNAVAILABLE`;
   *   `ERR_REGISTRY_CORRUPT` for a record that fails its integrity check
   */
  async resolve(keyid: string): Promise<ResolvedKey | undefined> {
    assertKeyId(keyid)
    let stored: StoredKey | undefined
    try {
      stored = await this.#store.getKey(keyid)
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    if (stored === undefined) return undefined
    // Cached by content: the MAC was checked when the entry was made, and a record whose stored
    // text changed in any way (state, expiry, MAC) is checked and imported again.
    const hit = this.#resolved.get(keyid)
    // Stores hand out the same object until the record changes: the common case costs nothing.
    if (hit !== undefined && hit.source === stored) return hit.resolved
    const { mac: storedMac, ...storedRest } = stored
    const text = isStoredKeyShape(stored) ? `${canonicalRecordText(storedRest)}\n${storedMac}` : ''
    if (hit !== undefined && text !== '' && hit.text === text) {
      hit.source = stored
      return hit.resolved
    }
    const record = await this.#check(stored, keyid)
    const keys = this.#dataKeys as DataKeys
    const key = record.secret !== null
      ? await importKey(utf8(await openSecret(keys, keyid, isSealed(record.secret) ? record.secret : { iv: '', ct: '' })), { alg: 'hmac-sha256', kid: keyid })
      : await importKey(record.publicJwk as KeyInput, { alg: record.algorithm, kid: keyid })
    const until = effectiveExpiry(record)
    const resolved: ResolvedKey = {
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
    this.#resolved.delete(keyid)
    if (this.#resolved.size >= RESOLVE_CACHE_SIZE) {
      const oldest = this.#resolved.keys().next().value
      if (oldest !== undefined) this.#resolved.delete(oldest)
    }
    this.#resolved.set(keyid, { text, source: stored, resolved })
    return resolved
  }

  /**
   * Rotate the master key: re-wrap the registry's data key under `newMasterKey`. Secrets and
   * records are untouched (they are under the data key), so this is one small atomic write.
   * Processes still running with the old master key keep working until restarted; new ones
   * must be given the new key.
   *
   * The audit log gets a `rewrap` entry (with `keyid` and `owner` empty: it concerns no single
   * key) in the same store write as the new wrapped data key.
   *
   * @param newMasterKey - 32 bytes, or their base64url text
   * @param options - who is acting (overrides the registry's actor)
   * @throws {SignetError} `ERR_MASTER_KEY` (malformed new key, or this registry's key no longer
   *   opens the store), `ERR_INVALID_STATE` when another process re-wrapped it concurrently
   * @example await registry.rewrapMasterKey(generateMasterKey())
   */
  async rewrapMasterKey(newMasterKey: Uint8Array | string, options: { actor?: string } = {}): Promise<void> {
    const next = typeof newMasterKey === 'string' ? parseMasterKey(newMasterKey) : newMasterKey
    if (!(next instanceof Uint8Array) || next.length !== 32) throw new SignetError('ERR_MASTER_KEY', 'the new master key must be 32 bytes')
    await this.#keys()
    let meta: StoreMeta | undefined
    try {
      meta = await this.#store.loadMeta()
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    if (meta === undefined || !isMeta(meta)) throw new SignetError('ERR_REGISTRY_CORRUPT', 'the registry metadata is missing')
    const dataKey = await rewrapDataKey(this.#masterKey, next, meta.dataKey)
    let swapped: boolean
    try {
      const entry: AuditEntry = { time: this.#now(), actor: options.actor ?? this.#actor, action: 'rewrap', keyid: '', owner: '' }
      swapped = await this.#store.replaceMeta(meta, { ...meta, dataKey }, [entry])
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    if (!swapped) throw new SignetError('ERR_INVALID_STATE', 'the master key was changed by another process meanwhile')
    this.#masterKey.set(next)
  }

  /** A `KeyResolver` for `createVerifier({ keys })`. */
  resolver(): RegistryResolver {
    return { resolve: (keyid: string) => this.resolve(keyid) }
  }

  /**
   * Count a verification outcome (the verifier's `onVerified`/`onRejected` hook). Returns at
   * once; counts are written in batches and a failure to write never reaches the caller.
   */
  recordUsage(event: VerificationEvent): void {
    try {
      this.#recorder ??= new UsageRecorder((deltas) => this.#store.addUsage(deltas), this.#usageOptions)
      this.#recorder.record(event)
    } catch {
      // Recording must never change a verification outcome.
    }
  }

  /** Write pending usage counts now. */
  async flushUsage(): Promise<void> {
    await this.#recorder?.flush()
  }

  /** Flush usage and release the store. */
  async close(): Promise<void> {
    await this.#recorder?.close()
    await this.#store.close()
  }
}

function isMeta(value: unknown): value is StoreMeta {
  return (
    typeof value === 'object' && value !== null &&
    (value as StoreMeta).format === 'signet-registry' && (value as StoreMeta).version === 1 && isSealed((value as StoreMeta).dataKey)
  )
}

/**
 * Open a registry over a store, checking the master key against it.
 *
 * @param options - the store, the master key and defaults
 * @returns the registry
 * @throws {SignetError} `ERR_MASTER_KEY` (malformed, or not the key the registry was created
 *   with), `ERR_REGISTRY_CORRUPT`, `ERR_STORE_UNAVAILABLE`
 * @example
 * ```ts
 * const registry = await openRegistry({ store: new MemoryStore(), masterKey: generateMasterKey() })
 * ```
 */
export async function openRegistry(options: RegistryOptions): Promise<Registry> {
  if (typeof options !== 'object' || options === null || typeof options.store !== 'object') {
    throw new TypeError('"store" expected a RegistryStore')
  }
  const masterKey = typeof options.masterKey === 'string' ? parseMasterKey(options.masterKey) : options.masterKey
  if (!(masterKey instanceof Uint8Array) || masterKey.length !== 32) {
    throw new SignetError('ERR_MASTER_KEY', 'the master key must be 32 bytes')
  }
  let meta: StoreMeta | undefined
  try {
    meta = await options.store.loadMeta()
  } catch (cause) {
    throw storeUnavailable(cause)
  }
  if (meta !== undefined && !isMeta(meta)) throw new SignetError('ERR_REGISTRY_CORRUPT', 'the registry metadata is malformed')
  const dataKeys = meta === undefined ? undefined : await openDataKeys(masterKey, meta.dataKey)
  return new Registry(options, new Uint8Array(masterKey), dataKeys)
}
