/**
 * Stage: record the nonce. Runs only after the signature and the digest held, so nobody
 * without the key can burn nonces (DESIGN.md security defaults); a nonce seen before is a
 * replay (401 `ERR_NONCE_REPLAYED`). The record lives as long as the signature could still be
 * accepted: to `expires` or `created` plus the maximum age, plus the skew.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { ParsedSignature } from '@signet/core'
import type { NonceStore } from '../nonce-store.ts'
import type { ResolvedPolicy } from '../policy.ts'

function nonceTtlMs(policy: ResolvedPolicy, candidate: ParsedSignature, nowMs: number): number {
  const { created, expires } = candidate.input.params
  let end = Infinity
  if (typeof created === 'number' && policy.maxAgeSeconds !== null) end = created + policy.maxAgeSeconds
  if (typeof expires === 'number') end = Math.min(end, expires)
  if (end === Infinity) return policy.nonceTtlSeconds * 1000
  return Math.max(1000, (end + policy.clockSkewSeconds) * 1000 - nowMs + 1000)
}

/**
 * Record the signature's nonce under its key id.
 *
 * @param nonces - the store, or undefined when replay protection is off.
 * @param policy - the resolved policy (max age, skew, default lifetime).
 * @param candidate - the accepted signature.
 * @param keyid - its key id.
 * @param nowMs - the verifier's clock, unix milliseconds.
 * @returns true when the nonce is fresh (or there is none to record), false for a replay; a
 *   promise of that for an asynchronous store.
 */
export function recordNonce(nonces: NonceStore | undefined, policy: ResolvedPolicy, candidate: ParsedSignature, keyid: string, nowMs: number): boolean | Promise<boolean> {
  const nonce = candidate.input.params.nonce
  if (nonces === undefined || typeof nonce !== 'string') return true
  return nonces.record(`${keyid}\u0000${nonce}`, nonceTtlMs(policy, candidate, nowMs), keyid)
}

/**
 * Refuse a replayed nonce.
 *
 * @param fresh - what {@link recordNonce} answered.
 * @throws {SignetError} `ERR_NONCE_REPLAYED`.
 */
export function checkNonceFresh(fresh: boolean): void {
  if (!fresh) throw new SignetError('ERR_NONCE_REPLAYED', 'the nonce was already used')
}
