/**
 * Key records: what a verifier knows about a key id, and how it decides whether the key may be
 * used right now.
 *
 * The shape is a cross-package contract (CONTRACTS.md): `@signet/registry` returns objects of this
 * shape without importing this package, so every member stays plain data. A record's state and
 * validity window are checked before any cryptography runs (DESIGN.md pipeline step "key state"),
 * each refusal with its own code so operators can tell an expired key from a revoked one.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import type { SignetKey } from '@signet/core'

/** The lifecycle state of a key. `revoked` is final; `disabled` can be re-enabled. */
export type KeyState = 'active' | 'disabled' | 'revoked'

/** Everything a verifier knows about one key id. */
export interface KeyRecord {
  /** The key id, as it appears in the `keyid` signature parameter. */
  readonly id: string
  /** The public key, or the HMAC secret key. Its algorithm is the only one accepted (RFC 9421 section 7.3.6). */
  readonly key: SignetKey
  readonly owner?: string | undefined
  readonly scopes?: readonly string[] | undefined
  /** Addresses or CIDR ranges, IPv4 or IPv6, the key may be used from. Empty or absent: anywhere. */
  readonly allowIps?: readonly string[] | undefined
  /** Addresses or CIDR ranges the key may never be used from; wins over `allowIps`. */
  readonly denyIps?: readonly string[] | undefined
  /** Unix seconds before which the key is refused. */
  readonly notBefore?: number | undefined
  /** Unix seconds from which the key is refused (a rotation overlap deadline is folded in here). */
  readonly expires?: number | undefined
  /** Default `active`. */
  readonly state?: KeyState | undefined
  readonly label?: string | undefined
}

/**
 * Finds the record for a key id. The key id comes from the request and is untrusted: a resolver
 * must treat it as an opaque lookup string, never as a path or a URL.
 *
 * A resolver whose backing store is unreachable throws `SignetError` `ERR_STORE_UNAVAILABLE`
 * (the server answers 503, fail closed).
 */
export interface KeyResolver {
  resolve(keyid: string): KeyRecord | undefined | Promise<KeyRecord | undefined>
}

/**
 * Refuse a key that is not usable at `nowSeconds`: disabled, revoked, not yet valid or expired.
 *
 * @param record - the resolved key record.
 * @param nowSeconds - the verifier's clock, unix seconds.
 * @throws {SignetError} `ERR_KEY_REVOKED`, `ERR_KEY_DISABLED`, `ERR_KEY_NOT_YET_VALID` or `ERR_KEY_EXPIRED`.
 * @example
 * ```ts
 * assertKeyUsable(record, Math.floor(Date.now() / 1000))
 * ```
 */
export function assertKeyUsable(record: KeyRecord, nowSeconds: number): void {
  const state = record.state ?? 'active'
  // Revocation is checked first: a revoked key that also expired must still say "revoked".
  if (state === 'revoked') throw new SignetError('ERR_KEY_REVOKED', 'the key has been revoked')
  if (state === 'disabled') throw new SignetError('ERR_KEY_DISABLED', 'the key is disabled')
  if (state !== 'active') throw new SignetError('ERR_KEY_DISABLED', 'the key is not active')
  if (record.notBefore !== undefined && nowSeconds < record.notBefore) {
    throw new SignetError('ERR_KEY_NOT_YET_VALID', 'the key is not valid yet')
  }
  if (record.expires !== undefined && nowSeconds >= record.expires) {
    throw new SignetError('ERR_KEY_EXPIRED', 'the key has expired')
  }
}

/**
 * Validate a key record's shape at the boundary (records built by hand or loaded from a file).
 *
 * @throws {TypeError} naming the member that is wrong.
 */
export function validateKeyRecord(record: unknown, label = 'record'): asserts record is KeyRecord {
  if (typeof record !== 'object' || record === null) throw new TypeError(`"${label}" expected an object`)
  const r = record as Record<string, unknown>
  if (typeof r['id'] !== 'string' || r['id'] === '') throw new TypeError(`"${label}.id" expected a non-empty string`)
  const key = r['key'] as { algorithm?: { name?: unknown } } | undefined
  if (typeof key !== 'object' || key === null || typeof key.algorithm?.name !== 'string') {
    throw new TypeError(`"${label}.key" expected a SignetKey (from importKey)`)
  }
  for (const name of ['scopes', 'allowIps', 'denyIps'] as const) {
    const v = r[name]
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))) {
      throw new TypeError(`"${label}.${name}" expected an array of strings`)
    }
  }
  for (const name of ['notBefore', 'expires'] as const) {
    const v = r[name]
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new TypeError(`"${label}.${name}" expected unix seconds`)
    }
  }
  const state = r['state']
  if (state !== undefined && state !== 'active' && state !== 'disabled' && state !== 'revoked') {
    throw new TypeError(`"${label}.state" expected "active", "disabled" or "revoked"`)
  }
  if (r['owner'] !== undefined && typeof r['owner'] !== 'string') throw new TypeError(`"${label}.owner" expected a string`)
}
