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
 * is written, then decided and written in one store transaction (commit.ts): the records it
 * changes are signed with the next registry counter, the manifest is re-signed, and its audit
 * entries are linked onto the chain. The concepts live beside this file: the options and their
 * checks (key-options.ts), key material (key-material.ts), the envelope's keys, record MACs
 * and the manifest (integrity.ts), a write (commit.ts), the audit chain (audit-chain.ts),
 * usage batching (usage.ts), the operator's view (key-summary.ts) and the
 * verifier's view (resolution.ts), which serves `@signet/server` with records of its
 * `KeyRecord` shape (CONTRACTS.md) without importing it.
 *
 * @module
 */
import { SignetError, equalBytes, isSignetError, utf8 } from '@signet/core'
import type { RateLimitState } from '@signet/core'
import { auditBroken, checkAuditChain } from './audit-chain.ts'
import { openDataKeys, openSecret, parseMasterKey, rewrapDataKey, sealSecret } from './envelope.ts'
import type { DataKeys } from './envelope.ts'
import { assertKeyId, generateKeyId, isSecret } from './formats.ts'
import { commit } from './commit.ts'
import type { Decide } from './commit.ts'
import { Keyring, corruptMeta, isMeta, storeUnavailable } from './integrity.ts'
import { checkIpList } from './ip-list.ts'
import { TYPE_OF_FAMILY, keyMaterial } from './key-material.ts'
import {
  DEFAULT_LIFETIME_SECONDS, DEFAULT_OVERLAP_SECONDS, MAX_LIFETIME_SECONDS, MAX_OVERLAP_SECONDS,
  checkLabels, checkOwner, checkScopes, checkSeconds, expiryOf, overlapOf,
} from './key-options.ts'
import type { CreateKeyOptions, RotateKeyOptions } from './key-options.ts'
import { shown, summarize } from './key-summary.ts'
import type { CreatedKey, KeySummary, RotatedKey } from './key-summary.ts'
import { emptyUsage } from './record.ts'
import type { AuditAction, AuditEntry, KeyType, StoredKey, UnsignedKey, UsageStats } from './record.ts'
import { ResolveCache, toResolvedKey } from './resolution.ts'
import type { RegistryResolver, ResolvedKey } from './resolution.ts'
import type { RegistryStore, StoreMeta } from './stores/store.ts'
import { UsageRecorder } from './usage.ts'
import type { UsageRecorderOptions, VerificationEvent } from './usage.ts'
import { checkUpdate } from './key-update.ts'
import type { UpdateKeyOptions } from './key-options.ts'
import { creditsOf, creditsWindow } from './credits.ts'
import { MemoryQuota, limitError, limitStates, quotaCheck } from './quota.ts'
import type { QuotaStore } from './quota.ts'
import { checkRateLimit, formatRateLimit } from './rate-limit.ts'
import type { RateLimitSpec, UsageBucket } from './record.ts'
import { checkGranularity } from './usage-buckets.ts'
import type { UsageGranularity } from './usage-buckets.ts'

export { DEFAULT_LIFETIME_SECONDS, DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS } from './key-options.ts'
export type { CreateKeyOptions, RotateKeyOptions, UpdateKeyOptions } from './key-options.ts'
export type { CreatedKey, KeySummary, RotatedKey } from './key-summary.ts'
export type { RegistryResolver, ResolvedKey } from './resolution.ts'

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
  /**
   * Where rate limits and credits are counted (quota.ts). Default: the store's own (Redis:
   * shared by every process), else this process's memory.
   */
  readonly quota?: QuotaStore
  /** Limits across all the keys of an owner, by owner: `"1000/1h"` or `{ limit, periodSeconds }`. */
  readonly ownerRateLimits?: Readonly<Record<string, RateLimitSpec | string>>
}

/** A key's limits and what is left of them now ({@link Registry.limits}). */
export interface KeyLimits {
  readonly keyid: string
  /** `N/PERIOD`, or null for none. */
  readonly rateLimit: string | null
  /** The owner's limit across its keys, or null for none. */
  readonly ownerRateLimit: string | null
  /** Null for unlimited. */
  readonly credits: {
    readonly amount: number
    readonly refill: 'daily' | 'monthly' | 'none'
    readonly remaining: number
    /** Unix seconds of the next refill, or null when they are never refilled. */
    readonly refillsAt: number | null
  } | null
}

/** What the admission stage reads of a key's record, kept per stored record object. */
interface Admission {
  readonly owner: string
  readonly rateLimit: RateLimitSpec | undefined
  readonly credits: StoredKey['credits']
}

function notFound(id: string): SignetError {
  return new SignetError('ERR_KEY_NOT_FOUND', `no key ${id} in this registry`)
}

/** Drop the chain link from an audit entry shown to callers (it is storage detail). */
function withoutLink(entry: AuditEntry): AuditEntry {
  const { mac: _mac, ...rest } = entry
  return rest
}

/**
 * An open registry. Create one with {@link openRegistry}.
 */
export class Registry {
  readonly #store: RegistryStore
  readonly #keyring: Keyring
  readonly #actor: string
  readonly #now: () => number
  readonly #clockGiven: boolean
  readonly #lifetime: number
  readonly #overlap: number
  readonly #usageOptions: UsageRecorderOptions
  #recorder: UsageRecorder | undefined
  readonly #resolved = new ResolveCache()
  readonly #quota: QuotaStore
  readonly #ownerLimits: ReadonlyMap<string, RateLimitSpec>
  /** Limits read from each checked stored record (stores hand out one object until it changes). */
  #admissions = new WeakMap<StoredKey, Admission>()

  /** @internal use {@link openRegistry} */
  constructor(options: RegistryOptions, masterKey: Uint8Array, dataKeys: DataKeys | undefined) {
    this.#store = options.store
    this.#keyring = new Keyring(options.store, masterKey, dataKeys)
    this.#actor = options.actor ?? 'unknown'
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000))
    this.#clockGiven = options.now !== undefined
    this.#lifetime = checkSeconds(options.defaultLifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS, 'defaultLifetimeSeconds')
    if (this.#lifetime > MAX_LIFETIME_SECONDS) throw new RangeError('"defaultLifetimeSeconds" must be at most 100 years')
    this.#overlap = checkSeconds(options.defaultOverlapSeconds ?? DEFAULT_OVERLAP_SECONDS, 'defaultOverlapSeconds')
    if (this.#overlap > MAX_OVERLAP_SECONDS) throw new RangeError('"defaultOverlapSeconds" must be at most 30 days (2592000 seconds)')
    this.#usageOptions = options.usage ?? {}
    this.#quota = options.quota ?? options.store.quota?.() ?? new MemoryQuota()
    const owners = new Map<string, RateLimitSpec>()
    for (const [owner, limit] of Object.entries(options.ownerRateLimits ?? {})) owners.set(owner, checkRateLimit(limit, `ownerRateLimits.${owner}`))
    this.#ownerLimits = owners
  }

  /** The clock in ms: the system's, or the `now` option's seconds (a test clock). */
  #nowMs(): number {
    return this.#clockGiven ? this.#now() * 1000 : Date.now()
  }

  /** The backing store. */
  get store(): RegistryStore {
    return this.#store
  }

  /** A stored record, checked: its MAC, and (format 2) that it is the copy the manifest lists. */
  async #checked(stored: unknown, id: string, meta?: StoreMeta): Promise<StoredKey> {
    const record = await this.#keyring.checkMac(stored, id)
    const m = meta ?? (await this.#keyring.loadMeta())
    if (m === undefined) throw corruptMeta()
    this.#keyring.checkVersion(record, await this.#keyring.manifest(m))
    return record
  }

  /**
   * Read and check a record. A record and the manifest read a moment apart may straddle another
   * process's write, so a failed check is read again (twice) before it is believed.
   */
  /** The stored record as it is (unchecked); a store that fails is `ERR_STORE_UNAVAILABLE`. */
  async #stored(id: string): Promise<StoredKey | undefined> {
    try {
      return await this.#store.getKey(id)
    } catch (cause) {
      throw storeUnavailable(cause)
    }
  }

  async #load(id: string): Promise<StoredKey | undefined> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.#stored(id)
      if (stored === undefined) return undefined
      try {
        return await this.#checked(stored, id)
      } catch (err) {
        if (attempt >= 2 || !isSignetError(err) || err.code !== 'ERR_REGISTRY_CORRUPT') throw err
      }
    }
  }

  async #get(id: string): Promise<StoredKey> {
    assertKeyId(id)
    const record = await this.#load(id)
    if (record === undefined) throw notFound(id)
    return record
  }

  #audit(action: AuditAction, record: UnsignedKey, actor: string | undefined, details?: AuditEntry['details']): AuditEntry {
    const entry: AuditEntry = { time: this.#now(), actor: actor ?? this.#actor, action, keyid: record.id, owner: record.owner }
    return details === undefined ? entry : { ...entry, details }
  }

  /** Decide and write one change (commit.ts); the changed keys are resolved afresh. */
  async #commit(ids: readonly string[], decide: Decide): Promise<StoredKey[]> {
    const written = await commit(this.#store, this.#keyring, ids, decide)
    for (const id of ids) this.#resolved.delete(id)
    return written
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
    const rateLimit = options.rateLimit === undefined ? undefined : checkRateLimit(options.rateLimit)
    const credits = options.credits === undefined ? undefined : creditsOf(options.credits)
    const expires = expiryOf(now, options, now + this.#lifetime)
    const notBefore = options.notBefore === undefined ? null : checkSeconds(options.notBefore, 'notBefore')
    if (notBefore !== null && expires !== null && notBefore >= expires) {
      throw new SignetError('ERR_INVALID_EXPIRY', `notBefore ${notBefore} is not before the expiry ${expires}`)
    }
    const id = generateKeyId()
    const m = await keyMaterial(id, options.alg, options.publicKey)
    const keys = await this.#keyring.keys()
    const unsigned: UnsignedKey = {
      id, owner, type: TYPE_OF_FAMILY[m.descriptor.family] as KeyType, algorithm: m.descriptor.name,
      publicJwk: m.publicJwk, secret: m.secret === null ? null : await sealSecret(keys, id, m.secret),
      scopes, allowIps, denyIps, notBefore, expires, state: 'active', created: now, updated: now,
      replaces: null, replacedBy: null, overlapUntil: null, labels,
      ...(m.descriptor.symmetric ? {} : { generated: m.privateKey !== null }),
      ...(rateLimit === undefined ? {} : { rateLimit }),
      ...(credits === undefined ? {} : { credits }),
    }
    const [record] = await this.#commit([id], async (read) => {
      if ((await read(id)) !== undefined) throw new SignetError('ERR_INVALID_STATE', `key id ${id} already exists`)
      return { put: [unsigned], audit: [this.#audit('create', unsigned, options.actor, { alg: unsigned.algorithm, expires })] }
    })
    return shown(summarize(record as StoredKey, emptyUsage(id), now), id, m.secret, m.privateKey)
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
    const overlap = overlapOf(options.overlapSeconds, this.#overlap)
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
    // The successor inherits what is left of the old key's lifetime (a 30-day key rotated on
    // day 10 gives a key that expires on day 30), unless a lifetime is given. A key already
    // expired has none left: its successor gets the default lifetime.
    const inherited = old.expires === null ? null : old.expires > now ? old.expires : now + this.#lifetime
    const expires = expiryOf(now, options, inherited)
    const newId = generateKeyId()
    const m = await keyMaterial(newId, old.algorithm, options.publicKey)
    const keys = await this.#keyring.keys()
    const { mac: _oldMac, version: _oldVersion, ...oldUnsigned } = old
    const successor: UnsignedKey = {
      ...oldUnsigned, id: newId, publicJwk: m.publicJwk, secret: m.secret === null ? null : await sealSecret(keys, newId, m.secret),
      notBefore: null, expires, state: 'active', created: now, updated: now,
      replaces: id, replacedBy: null, overlapUntil: null,
      ...(m.descriptor.symmetric ? {} : { generated: m.privateKey !== null }),
      // Rotating is not a way to a fresh allowance: the successor draws on the same counter.
      ...(old.credits === undefined ? {} : { credits: { ...old.credits, account: old.credits.account ?? id } }),
    }
    let overlapUntil = now
    const [, written] = await this.#commit([id, newId], async (read) => {
      const latest = await read(id)
      if (latest === undefined) throw notFound(id)
      refuse(latest)
      const { mac: _mac, ...unsigned } = latest
      overlapUntil = latest.expires === null ? now + overlap : Math.min(now + overlap, latest.expires)
      const retired: UnsignedKey = { ...unsigned, replacedBy: newId, overlapUntil, updated: now }
      return {
        put: [retired, successor],
        audit: [
          this.#audit('rotate', retired, options.actor, { successor: newId, overlapUntil }),
          this.#audit('create', successor, options.actor, { alg: successor.algorithm, expires, replaces: id }),
        ],
      }
    })
    const created = shown(summarize(written as StoredKey, emptyUsage(newId), now), newId, m.secret, m.privateKey)
    return { ...created, previous: { keyid: id, overlapUntil } }
  }

  async #transition(id: string, action: AuditAction, actor: string | undefined, apply: (r: StoredKey, now: number) => Partial<UnsignedKey> | undefined): Promise<KeySummary> {
    await this.#get(id)
    let result: StoredKey | undefined
    const written = await this.#commit([id], async (read) => {
      const latest = await read(id)
      if (latest === undefined) throw notFound(id)
      const now = this.#now()
      const patch = apply(latest, now)
      if (patch === undefined) {
        result = latest
        return { put: [], audit: [] }
      }
      const { mac: _mac, ...unsigned } = latest
      const next: UnsignedKey = { ...unsigned, ...patch, updated: now }
      return { put: [next], audit: [this.#audit(action, next, actor)] }
    })
    return this.#summary(written[0] ?? (result as StoredKey))
  }

  async #summary(record: StoredKey): Promise<KeySummary> {
    const usage = (await this.#store.getUsage(record.id).catch(() => undefined)) ?? emptyUsage(record.id)
    return summarize(record, usage, this.#now())
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
   * Change a live key: scopes, IP lists, expiry, label, rate limit, credits. Audited as
   * `update` (naming what changed); every verifier sees it as it sees a revocation (Redis
   * pub/sub, the file's refresh interval).
   *
   * @param id - the key
   * @param options - what to change; `credits` sets what is left to that number
   * @returns the key as it is now
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED`, `ERR_KEY_NOT_FOUND`, `ERR_INVALID_STATE`
   *   (revoked), `ERR_INVALID_IP_RANGE`, `ERR_INVALID_EXPIRY`, `ERR_USAGE` (a malformed `N/PERIOD`)
   * @throws {TypeError} for a malformed member, or options that change nothing
   * @example
   * ```ts
   * await registry.update(keyid, { rateLimit: '100/1m', credits: { amount: 1000, refill: 'monthly' } })
   * ```
   */
  async update(id: string, options: UpdateKeyOptions): Promise<KeySummary> {
    assertKeyId(id)
    const change = checkUpdate(options, this.#now())
    await this.#get(id)
    const written = await this.#commit([id], async (read) => {
      const latest = await read(id)
      if (latest === undefined) throw notFound(id)
      const { mac: _mac, ...unsigned } = latest
      const next = change.apply(unsigned, this.#now())
      return { put: [next], audit: [this.#audit('update', next, options.actor, change.details)] }
    })
    return this.#summary(written[0] as StoredKey)
  }

  async #admissionOf(keyid: string): Promise<Admission | undefined> {
    const stored = await this.#stored(keyid)
    if (stored === undefined) return undefined
    const hit = this.#admissions.get(stored)
    if (hit !== undefined) return hit
    const record = await this.#load(keyid)
    if (record === undefined) return undefined
    const admission: Admission = { owner: record.owner, rateLimit: record.rateLimit, credits: record.credits }
    this.#admissions.set(stored, admission)
    return admission
  }

  /**
   * Admit one accepted request of a key: draw on its rate limit, its owner's and its credits,
   * all or nothing, in one atomic step of the quota store.
   *
   * @param keyid - the key that signed the request
   * @param nowMs - the time (default: the registry's clock)
   * @returns what is left of each limit after this request (key, owner, refilled credits), or
   *   undefined when the key has no limit
   * @throws {LimitExceededError} `ERR_RATE_LIMITED` or `ERR_CREDITS_EXHAUSTED` (429, with
   *   `RateLimit-Policy`, `RateLimit`, `Retry-After`); {@link SignetError} `ERR_STORE_UNAVAILABLE`
   */
  async admit(keyid: string, nowMs?: number): Promise<RateLimitState[] | undefined> {
    const a = await this.#admissionOf(keyid)
    if (a === undefined) return undefined
    const ownerLimit = this.#ownerLimits.get(a.owner)
    if (a.rateLimit === undefined && ownerLimit === undefined && a.credits === undefined) return undefined
    const now = nowMs ?? this.#nowMs()
    const check = quotaCheck(keyid, a.owner, a.rateLimit, ownerLimit, a.credits, now)
    const decision = await this.#quota.take(check, now)
    if (decision.code !== undefined) throw limitError(check, decision)
    return limitStates(check, decision)
  }

  /**
   * The verifier's admission stage: `createVerifier({ keys: registry.resolver(), admit: registry.admission() })`.
   * Runs after the signature, nonce and scopes held, so refused requests never use quota. An
   * admitted request's identity carries what is left of its limits (`rateLimits`), which the
   * server's adapters send as `RateLimit-Policy` and `RateLimit`.
   */
  admission(): (identity: { readonly keyid: string }) => Promise<{ readonly rateLimits?: readonly RateLimitState[] | undefined }> {
    return async (identity) => {
      const rateLimits = await this.admit(identity.keyid)
      return rateLimits === undefined ? {} : { rateLimits }
    }
  }

  /**
   * A key's limits and what is left of them now.
   *
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED`, `ERR_KEY_NOT_FOUND`, `ERR_STORE_UNAVAILABLE`
   */
  async limits(id: string): Promise<KeyLimits> {
    const r = await this.#get(id)
    const ownerLimit = this.#ownerLimits.get(r.owner)
    let credits: KeyLimits['credits'] = null
    if (r.credits !== undefined) {
      const nowMs = this.#nowMs()
      const check = quotaCheck(id, r.owner, undefined, undefined, r.credits, nowMs)
      const used = await this.#quota.creditsUsed(check.group, check.credits?.id ?? '')
      const end = creditsWindow(r.credits.refill, nowMs).endMs
      credits = {
        amount: r.credits.amount, refill: r.credits.refill, remaining: Math.max(0, r.credits.amount - used),
        refillsAt: end === Number.POSITIVE_INFINITY ? null : Math.floor(end / 1000),
      }
    }
    return {
      keyid: id,
      rateLimit: r.rateLimit === undefined ? null : formatRateLimit(r.rateLimit),
      ownerRateLimit: ownerLimit === undefined ? null : formatRateLimit(ownerLimit),
      credits,
    }
  }

  /**
   * A key's usage over time: buckets of a minute, an hour or a day from `since` on, oldest
   * first, empty ones left out. `requests` counts accepted requests; `rejections` refusals by
   * code (429s included).
   *
   * @param id - the key
   * @param options - `by` (default `hour`), `since` unix seconds (default: one day ago)
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED`, `ERR_KEY_NOT_FOUND`, `ERR_STORE_UNAVAILABLE`
   * @throws {RangeError} for an unknown `by`
   * @example
   * ```ts
   * for (const b of await registry.usageBuckets(keyid, { by: 'minute', since: now - 3600 })) console.log(b)
   * ```
   */
  async usageBuckets(id: string, options: { by?: UsageGranularity; since?: number } = {}): Promise<UsageBucket[]> {
    const by = checkGranularity(options.by ?? 'hour')
    const since = options.since ?? this.#now() - 86_400
    if (!Number.isSafeInteger(since)) throw new RangeError('"since" expected unix seconds')
    await this.#get(id)
    try {
      return await this.#store.getUsageBuckets(id, by, since)
    } catch (cause) {
      throw storeUnavailable(cause)
    }
  }

  /**
   * The key whose HMAC secret is `secret` (a leak report), or undefined. Every secret is
   * opened and compared in constant time; only well-formed secrets are looked for.
   *
   * @throws {SignetError} `ERR_STORE_UNAVAILABLE`, `ERR_REGISTRY_CORRUPT`
   */
  async keyOfSecret(secret: string): Promise<string | undefined> {
    if (!isSecret(secret)) return undefined
    const keys = await this.#keyring.keys()
    const wanted = utf8(secret)
    let found: string | undefined
    for (const summary of await this.list()) {
      if (summary.type !== 'hmac') continue
      const record = await this.#get(summary.keyid)
      if (record.secret === null) continue
      const opened = await openSecret(keys, record.id, record.secret)
      if (equalBytes(utf8(opened), wanted)) found = record.id
    }
    return found
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
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#list(options)
      } catch (err) {
        // The records and the manifest are read apart: another process's write in between is read again.
        if (attempt >= 2 || !isSignetError(err) || err.code !== 'ERR_REGISTRY_CORRUPT') throw err
      }
    }
  }

  async #list(options: { owner?: string }): Promise<KeySummary[]> {
    let all: StoredKey[]
    try {
      all = await this.#store.listKeys()
    } catch (cause) {
      throw storeUnavailable(cause)
    }
    const mine = all.filter((r) => options.owner === undefined || r.owner === options.owner)
    // Stable: keys created in the same second keep the store's order (insertion order for files).
    mine.sort((a, b) => a.created - b.created)
    const meta = mine.length === 0 ? undefined : await this.#keyring.loadMeta()
    const out: KeySummary[] = []
    for (const r of mine) out.push(await this.#summary(await this.#checked(r, r.id, meta)))
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

  /**
   * The audit log, oldest first; entries at or after `since` (unix seconds) when given. In a
   * format 2 registry the whole chain is checked first.
   *
   * @throws {SignetError} `ERR_REGISTRY_CORRUPT` naming the first entry where the chain breaks
   *   (an entry changed, removed, inserted or reordered, or the log cut short)
   */
  async audit(options: { since?: number } = {}): Promise<AuditEntry[]> {
    for (let attempt = 0; ; attempt++) {
      let entries: AuditEntry[]
      try {
        entries = await this.#store.readAudit()
      } catch (cause) {
        throw storeUnavailable(cause)
      }
      const meta = await this.#keyring.loadMeta()
      const manifest = meta === undefined ? undefined : await this.#keyring.manifest(meta)
      if (manifest !== undefined) {
        const keys = (await this.#keyring.loadKeys()) as DataKeys
        const report = await checkAuditChain(keys, entries, manifest.audit)
        if (report.brokenAt !== undefined) {
          // Another process may have appended between the two reads: read both again first.
          if (attempt < 2) continue
          throw auditBroken(report)
        }
      }
      return entries.filter((e) => options.since === undefined || e.time >= options.since).map(withoutLink)
    }
  }

  /**
   * The verifier's view of a key id: a `KeyRecord` for `@signet/server`, its `expires` being the
   * earlier of the key's expiry and the end of a rotation overlap.
   *
   * @param keyid - the untrusted key id from a request
   * @returns the record, or undefined for an unknown key
   * @throws {SignetError} `ERR_KEY_ID_MALFORMED` before any lookup; `ERR_STORE_UNAVAILABLE`;
   *   `ERR_REGISTRY_CORRUPT` for a record that fails its integrity check or is not the copy the
   *   manifest lists (an earlier copy written back)
   */
  async resolve(keyid: string): Promise<ResolvedKey | undefined> {
    assertKeyId(keyid)
    const stored = await this.#stored(keyid)
    if (stored === undefined) return undefined
    // Cached by content: checked when the entry was made; a record whose stored text changed in
    // any way (state, expiry, version, MAC) is checked and imported again.
    const hit = this.#resolved.get(keyid, stored)
    if (hit !== undefined) return hit
    const record = await this.#load(keyid)
    if (record === undefined) return undefined
    const resolved = await toResolvedKey(record, (await this.#keyring.loadKeys()) as DataKeys)
    this.#resolved.set(keyid, record, resolved)
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
    await this.#keyring.keys()
    const expected = await this.#keyring.loadMeta()
    if (expected === undefined) throw corruptMeta()
    await this.#commit([], async (_read, meta) => {
      // Under the lock: a master key another process re-wrapped away no longer opens it
      // (ERR_MASTER_KEY); otherwise compare and set on the wrapped data key.
      const dataKey = await rewrapDataKey(this.#keyring.masterKey, next, meta.dataKey, meta.version, 2)
      if (meta.dataKey.iv !== expected.dataKey.iv || meta.dataKey.ct !== expected.dataKey.ct) {
        throw new SignetError('ERR_INVALID_STATE', 'the master key was changed by another process meanwhile')
      }
      const entry: AuditEntry = { time: this.#now(), actor: options.actor ?? this.#actor, action: 'rewrap', keyid: '', owner: '' }
      return { put: [], audit: [entry], dataKey }
    })
    this.#keyring.masterKey.set(next)
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

/**
 * Open a registry over a store, checking the master key against it.
 *
 * A registry of format 1 (written before records were versioned) opens as it is and is
 * migrated to format 2 by its first write (see integrity.ts).
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
  const dataKeys = meta === undefined ? undefined : await openDataKeys(masterKey, meta.dataKey, meta.version)
  return new Registry(options, new Uint8Array(masterKey), dataKeys)
}
