/**
 * Key records: what a verifier knows about a key id, and how it decides whether the key may be
 * used right now.
 *
 * The shape itself lives in `@signet/core` (`key-record.ts`), shared with `@signet/registry`,
 * which produces records without importing this package. A record's state and
 * validity window are checked before any cryptography runs (DESIGN.md pipeline step "key state"),
 * each refusal with its own code so operators can tell an expired key from a revoked one.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { KeyRecord } from '@signet/core'

export type { KeyRecord, KeyResolveContext, KeyResolver, KeyState } from '@signet/core'

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
