/**
 * Keys as operators see them: {@link KeySummary} (never a secret), and what
 * {@link Registry.create} and {@link Registry.rotate} show once.
 *
 * @module
 */
import type { AlgorithmName } from '@signet/core'
import { secretToJwk } from './formats.ts'
import { formatRateLimit } from './rate-limit.ts'
import type { SecretJwk } from './formats.ts'
import { effectiveExpiry } from './record.ts'
import type { StoredKey, UsageStats } from './record.ts'

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
  /** The key's rate limit as `N/PERIOD`, when it has one. */
  readonly rateLimit?: string
  /** The key's credits per refill period, when it has some (what is left: {@link Registry.limits}). */
  readonly credits?: { readonly amount: number; readonly refill: 'daily' | 'monthly' | 'none' }
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

/**
 * A stored record as shown to operators.
 *
 * @param record - the checked record
 * @param usage - its usage counters
 * @param now - unix seconds, for `expired`
 * @returns the summary, without any secret
 */
export function summarize(record: StoredKey, usage: UsageStats, now: number): KeySummary {
  const u = usage
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
    expired: until !== null && now >= until,
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
    ...(record.rateLimit === undefined ? {} : { rateLimit: formatRateLimit(record.rateLimit) }),
    ...(record.credits === undefined ? {} : { credits: { amount: record.credits.amount, refill: record.credits.refill } }),
  }
  return record.publicJwk === null ? summary : { ...summary, publicKey: { ...record.publicJwk } }
}

/**
 * A summary with what is shown this once: an HMAC secret (and its JWK) or a generated private key.
 *
 * @param summary - the key's summary
 * @param keyid - its id
 * @param secret - the HMAC secret, or null
 * @param privateKey - the generated private JWK, or null
 */
export function shown(summary: KeySummary, keyid: string, secret: string | null, privateKey: JsonWebKey | null): CreatedKey {
  if (secret !== null) return { ...summary, secret, jwk: secretToJwk(keyid, secret) }
  if (privateKey !== null) return { ...summary, privateKey }
  return summary
}
