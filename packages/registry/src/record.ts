/**
 * Stored key records, usage counters and audit entries: the registry's data model.
 *
 * A stored record is plain JSON with every member present (`null` for "none"), so its
 * canonical text (members in a fixed order) is stable and can be authenticated: each record
 * carries `mac`, an HMAC-SHA256 under a key derived from the registry's data key
 * (see envelope.ts). Times are unix seconds.
 *
 * @module
 */
import type { AlgorithmName, KeyState } from '@signet/core'
import type { Sealed } from './envelope.ts'

export type { KeyState }

/** The kind of key material. */
export type KeyType = 'hmac' | 'ed25519' | 'rsa' | 'ecdsa'

/** One key as the registry stores it. */
export interface StoredKey {
  readonly id: string
  readonly owner: string
  readonly type: KeyType
  readonly algorithm: AlgorithmName
  /** Asymmetric keys: the public JWK only. */
  readonly publicJwk: JsonWebKey | null
  /** HMAC keys: the secret, AES-256-GCM sealed with the key id as associated data. */
  readonly secret: Sealed | null
  readonly scopes: readonly string[]
  readonly allowIps: readonly string[]
  readonly denyIps: readonly string[]
  readonly notBefore: number | null
  /** `null` only when the key was created with "never expires" asked for explicitly. */
  readonly expires: number | null
  readonly state: KeyState
  readonly created: number
  readonly updated: number
  /** The key this one was rotated from. */
  readonly replaces: string | null
  /** The key this one was rotated to. */
  readonly replacedBy: string | null
  /** When this key was rotated: the end of the overlap, after which it no longer verifies. */
  readonly overlapUntil: number | null
  readonly labels: Readonly<Record<string, string>>
  /**
   * Asymmetric keys: true when the registry generated the pair (and showed the private key
   * once), false when the owner registered its own public key; such a key is rotated only
   * with the successor's public key. Absent for HMAC keys and for records written before this
   * member existed (their rotation generates a pair, as it always did).
   */
  readonly generated?: boolean
  /** Requests allowed per period (rate-limit.ts); absent: none. */
  readonly rateLimit?: RateLimitSpec
  /** Remaining uses and their refill (credits.ts); absent: unlimited. */
  readonly credits?: CreditsSpec
  /**
   * The registry counter at this record's last write (format 2; absent in format 1 records).
   * Bound into the MAC and listed in the registry's {@link Manifest}, so an earlier copy of the
   * record written back into storage no longer matches (issue 11.7).
   */
  readonly version?: number
  /** HMAC-SHA256 over {@link canonicalRecordText}. */
  readonly mac: string
}

/** A rate limit: `limit` requests per `periodSeconds` (written `N/PERIOD`, e.g. `100/1m`). */
export interface RateLimitSpec {
  readonly limit: number
  readonly periodSeconds: number
}

/**
 * Credits of a key: `amount` uses per refill period (`daily`, `monthly`, UTC) or in all
 * (`none`). `epoch` names the counter: setting the credits again (`keys update --credits N`)
 * starts a fresh one, so the key has N left.
 */
export interface CreditsSpec {
  readonly amount: number
  readonly refill: 'daily' | 'monthly' | 'none'
  readonly epoch: string
  /**
   * The key id whose counter these credits draw on, when it is not this key's own: a rotated
   * key's successor draws on its predecessor's, so rotating carries over what is left instead
   * of granting a fresh allowance, and during the overlap both keys draw on one counter.
   */
  readonly account?: string
}

/** A stored record before it is authenticated. */
export type UnsignedKey = Omit<StoredKey, 'mac'>

const FIELDS: readonly (keyof UnsignedKey)[] = [
  'id', 'owner', 'type', 'algorithm', 'publicJwk', 'secret', 'scopes', 'allowIps', 'denyIps',
  'notBefore', 'expires', 'state', 'created', 'updated', 'replaces', 'replacedBy', 'overlapUntil', 'labels',
]

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/**
 * The text a record's `mac` covers: a version tag and every member, in a fixed order.
 * `generated`, `rateLimit`, `credits` and `version` add a line each only when present, so records written before they
 * existed keep their text (and MAC), and a line cannot be added or removed without failing the
 * check.
 */
export function canonicalRecordText(record: UnsignedKey): string {
  let text = `signet-key-record/v1\n${FIELDS.map((f) => canonical(record[f])).join('\n')}`
  if (record.generated !== undefined) text += `\ngenerated:${canonical(record.generated)}`
  if (record.rateLimit !== undefined) text += `\nrateLimit:${canonical(record.rateLimit)}`
  if (record.credits !== undefined) text += `\ncredits:${canonical(record.credits)}`
  if (record.version !== undefined) text += `\nversion:${canonical(record.version)}`
  return text
}

/**
 * The registry-wide state that binds records and audit log together (format 2), authenticated
 * under the data key: a counter raised by every write, the version of every record, and the
 * length and last link of the audit chain. A record whose version is not the one listed, or
 * an audit log that does not end where the manifest says, is corrupt.
 */
export interface Manifest {
  /** Raised by one on every write; a reader that has seen N refuses anything below N. */
  readonly counter: number
  /** Every record's version, by key id. */
  readonly versions: Readonly<Record<string, number>>
  /** How many audit entries there are, and the chain link of the last one ('' for none). */
  readonly audit: { readonly length: number; readonly head: string }
  /** HMAC-SHA256 over the manifest's canonical text. */
  readonly mac: string
}

/** True when `value` has the shape of a {@link Manifest} (its `mac` is checked elsewhere). */
export function isManifestShape(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false
  const m = value as Record<string, unknown>
  const audit = m['audit'] as Record<string, unknown> | null | undefined
  return (
    Number.isSafeInteger(m['counter']) && typeof m['versions'] === 'object' && m['versions'] !== null &&
    Object.values(m['versions'] as object).every((v) => Number.isSafeInteger(v)) &&
    typeof audit === 'object' && audit !== null && Number.isSafeInteger(audit['length']) && typeof audit['head'] === 'string' &&
    typeof m['mac'] === 'string'
  )
}

const STATES: readonly string[] = ['active', 'disabled', 'revoked']
const TYPES: readonly string[] = ['hmac', 'ed25519', 'rsa', 'ecdsa']

const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v)
const isNumOrNull = (v: unknown): boolean => v === null || isNum(v)
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string'
const isStrArray = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string')

const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0

function isRateLimitShape(v: unknown): boolean {
  const r = v as Record<string, unknown> | null
  return typeof r === 'object' && r !== null && isCount(r['limit']) && (r['limit'] as number) > 0 && isCount(r['periodSeconds']) && (r['periodSeconds'] as number) > 0
}

function isCreditsShape(v: unknown): boolean {
  const c = v as Record<string, unknown> | null
  return (
    typeof c === 'object' && c !== null && isCount(c['amount']) && ['daily', 'monthly', 'none'].includes(c['refill'] as string) && typeof c['epoch'] === 'string' &&
    (c['account'] === undefined || typeof c['account'] === 'string')
  )
}

/** True when `value` has the shape of a {@link StoredKey} (its `mac` is checked elsewhere). */
export function isStoredKeyShape(value: unknown): value is StoredKey {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return (
    typeof r['id'] === 'string' && typeof r['owner'] === 'string' && TYPES.includes(r['type'] as string) &&
    typeof r['algorithm'] === 'string' && (r['publicJwk'] === null || typeof r['publicJwk'] === 'object') &&
    (r['secret'] === null || typeof r['secret'] === 'object') &&
    isStrArray(r['scopes']) && isStrArray(r['allowIps']) && isStrArray(r['denyIps']) &&
    isNumOrNull(r['notBefore']) && isNumOrNull(r['expires']) && STATES.includes(r['state'] as string) &&
    isNum(r['created']) && isNum(r['updated']) && isStrOrNull(r['replaces']) && isStrOrNull(r['replacedBy']) &&
    isNumOrNull(r['overlapUntil']) && typeof r['labels'] === 'object' && r['labels'] !== null &&
    (r['generated'] === undefined || typeof r['generated'] === 'boolean') &&
    (r['rateLimit'] === undefined || isRateLimitShape(r['rateLimit'])) && (r['credits'] === undefined || isCreditsShape(r['credits'])) &&
    (r['version'] === undefined || (Number.isSafeInteger(r['version']) && (r['version'] as number) >= 0)) && typeof r['mac'] === 'string'
  )
}

/**
 * The moment a key stops verifying: its own expiry, or the end of a rotation overlap, whichever
 * comes first. `null`: never.
 */
export function effectiveExpiry(record: UnsignedKey): number | null {
  const { expires, overlapUntil } = record
  if (overlapUntil === null) return expires
  return expires === null ? overlapUntil : Math.min(expires, overlapUntil)
}

/** Usage of one key, as counted by the verifiers. */
export interface UsageStats {
  readonly keyid: string
  /** Requests that verified with this key. */
  readonly requests: number
  /** Unix seconds of the last verified request. */
  readonly lastUsed: number | null
  /** Client address of the last verified request. */
  readonly lastIp: string | null
  /** Unix seconds of the last rejected request naming this key. */
  readonly lastRejected: number | null
  /** Rejected requests naming this key, by error code. */
  readonly rejections: Readonly<Record<string, number>>
}

/**
 * Usage to add to a key's counters (one flush of the batching recorder). The members of
 * {@link UsageStats}: `requests` and `rejections` are added, the `last*` members replace older
 * ones (see {@link addUsage}).
 */
export interface UsageDelta extends UsageStats {
  /** The same events by the minute they happened in (usage-buckets.ts); absent from older callers. */
  readonly buckets?: readonly UsageBucket[] | undefined
}

/**
 * Usage of one key in one bucket of time: accepted requests, and refusals by code (429s
 * included). `start` is unix seconds, a multiple of the bucket's length.
 */
export interface UsageBucket {
  readonly start: number
  readonly requests: number
  readonly rejections: Readonly<Record<string, number>>
}

/**
 * Management actions written to the audit log. `rewrap` (the master key was rotated) concerns
 * the whole registry, not one key.
 */
export type AuditAction = 'create' | 'rotate' | 'update' | 'disable' | 'enable' | 'revoke' | 'expire' | 'rewrap'

/** One append-only audit log entry. Never holds a secret. */
export interface AuditEntry {
  /** Unix seconds. */
  readonly time: number
  /** Who acted (`--actor`, `SIGNET_ACTOR`, or the OS user). */
  readonly actor: string
  readonly action: AuditAction
  /** The key acted on; the empty string for a registry-wide action (`rewrap`). */
  readonly keyid: string
  /** That key's owner; the empty string for a registry-wide action (`rewrap`). */
  readonly owner: string
  /** Action details (e.g. the successor of a rotation, the overlap end). */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>
  /**
   * Format 2: this entry's link in the audit chain, an HMAC under the data key over the
   * previous link and this entry (audit-chain.ts). Absent on format 1 entries.
   */
  readonly mac?: string
}

/** Empty counters for a key. */
export function emptyUsage(keyid: string): UsageStats {
  return { keyid, requests: 0, lastUsed: null, lastIp: null, lastRejected: null, rejections: {} }
}

/** Add a delta to counters. */
export function addUsage(stats: UsageStats, delta: UsageDelta): UsageStats {
  const rejections: Record<string, number> = { ...stats.rejections }
  for (const [code, n] of Object.entries(delta.rejections)) rejections[code] = (rejections[code] ?? 0) + n
  const newer = delta.lastUsed !== null && (stats.lastUsed === null || delta.lastUsed >= stats.lastUsed)
  return {
    keyid: stats.keyid,
    requests: stats.requests + delta.requests,
    lastUsed: newer ? delta.lastUsed : stats.lastUsed,
    lastIp: newer ? delta.lastIp : stats.lastIp,
    lastRejected: delta.lastRejected !== null && (stats.lastRejected === null || delta.lastRejected > stats.lastRejected) ? delta.lastRejected : stats.lastRejected,
    rejections,
  }
}
