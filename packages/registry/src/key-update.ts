/**
 * `update`: the change asked for on a live key, checked before anything is read or written, and
 * applied to the latest record inside the write.
 *
 * Scopes, IP lists, expiry, label, rate limit and credits can change; the key's id, material,
 * owner and history cannot (a new owner or a new secret is a new key: create or rotate). Setting
 * credits draws a new counter (credits.ts), so the key has exactly that many left.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import { creditsOf } from './credits.ts'
import { checkIpList } from './ip-list.ts'
import { checkLabels, checkScopes, expiryOf } from './key-options.ts'
import type { UpdateKeyOptions } from './key-options.ts'
import { checkRateLimit, formatRateLimit } from './rate-limit.ts'
import type { UnsignedKey } from './record.ts'

/** A checked update: apply it to the latest record; `changed` names the members for the audit. */
export interface KeyUpdate {
  apply(record: UnsignedKey, now: number): UnsignedKey
  readonly changed: readonly string[]
  /** What the audit entry says about the change (never a secret). */
  readonly details: Readonly<Record<string, string | number | boolean | null>>
}

/**
 * Check an update's options.
 *
 * @param options - what to change
 * @param now - unix seconds, for the expiry check
 * @throws {TypeError} for a malformed member or an update that changes nothing
 * @throws {SignetError} `ERR_INVALID_IP_RANGE`, `ERR_INVALID_EXPIRY`, `ERR_USAGE` (a malformed `N/PERIOD`)
 */
export function checkUpdate(options: UpdateKeyOptions, now: number): KeyUpdate {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  const set: Partial<Record<keyof UnsignedKey, unknown>> = {}
  const details: Record<string, string | number | boolean | null> = {}
  if (options.scopes !== undefined) details['scopes'] = (set.scopes = checkScopes(options.scopes)).join(' ')
  if (options.allowIps !== undefined) details['allowIps'] = (set.allowIps = checkIpList(options.allowIps, 'allowIps')).join(' ')
  if (options.denyIps !== undefined) details['denyIps'] = (set.denyIps = checkIpList(options.denyIps, 'denyIps')).join(' ')
  if (options.expires !== undefined || options.expiresIn !== undefined) {
    const expires = expiryOf(now, options, null)
    set.expires = expires
    details['expires'] = expires
  }
  let labels: Record<string, string> | undefined
  if (options.labels !== undefined) labels = checkLabels(options.labels)
  if (options.label !== undefined) {
    if (typeof options.label !== 'string' || options.label.length > 256) throw new TypeError('"label" expected a string of at most 256 characters')
    labels = { ...labels, name: options.label }
    details['label'] = options.label
  }
  if (options.rateLimit !== undefined) {
    set.rateLimit = options.rateLimit === null ? null : checkRateLimit(options.rateLimit)
    details['rateLimit'] = set.rateLimit === null ? null : formatRateLimit(set.rateLimit as never)
  }
  if (options.credits !== undefined) {
    set.credits = options.credits === null ? null : creditsOf(options.credits)
    details['credits'] = set.credits === null ? null : (set.credits as { amount: number }).amount
  }
  const changed = [...Object.keys(set), ...(labels === undefined ? [] : ['labels'])]
  if (changed.length === 0) throw new TypeError('"options" changes nothing: give scopes, allowIps, denyIps, expiresIn, label, rateLimit or credits')
  details['changed'] = changed.join(' ')
  return {
    changed,
    details,
    apply(record, at) {
      const { rateLimit: _r, credits: _c, ...rest } = record
      const next: Record<string, unknown> = { ...rest, updated: at }
      if (record.rateLimit !== undefined) next['rateLimit'] = record.rateLimit
      if (record.credits !== undefined) next['credits'] = record.credits
      for (const [k, v] of Object.entries(set)) {
        // null removes a limit or credits; an expiry of null means never and is kept as null.
        if (v === null && (k === 'rateLimit' || k === 'credits')) delete next[k]
        else next[k] = v
      }
      if (labels !== undefined) {
        const merged = { ...record.labels, ...labels }
        if (merged['name'] === '') delete merged['name']
        next['labels'] = merged
      }
      if (record.state === 'revoked') throw new SignetError('ERR_INVALID_STATE', `key ${record.id} is revoked; revocation is final`)
      return next as unknown as UnsignedKey
    },
  }
}
