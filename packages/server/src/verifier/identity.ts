/**
 * Stage: the verified identity, what `verify` resolves with: the key, its owner and scopes,
 * the signature's label, algorithm, components and parameters, the client address and the body
 * that was checked.
 *
 * @module
 */
import type { ForwardedInfo } from '../client-ip.ts'
import type { Accepted, VerifiedIdentity } from './types.ts'

/** A record without scopes has none; one frozen empty list serves them all. */
export const NO_SCOPES: readonly string[] = Object.freeze([])

function parameterValue(value: unknown): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return String(value)
}

/**
 * The identity of an accepted signature.
 *
 * @param accepted - the signature and its key record.
 * @param peer - the client address after the trusted-proxy rules.
 * @returns the identity; its `scopes` and `params` are the caller's to keep.
 */
export function identityOf(accepted: Accepted, peer: ForwardedInfo): VerifiedIdentity {
  const params = accepted.candidate.input.params
  const outParams: Record<string, string | number | boolean> = {}
  for (const name in params) {
    const value = (params as Record<string, unknown>)[name]
    if (value !== undefined) outParams[name] = parameterValue(value)
  }
  return {
    keyid: accepted.keyid,
    owner: accepted.record.owner,
    scopes: (accepted.record.scopes ?? NO_SCOPES).slice(),
    label: accepted.candidate.label,
    alg: accepted.alg,
    // The cached, frozen list (required.ts): nothing to copy.
    components: accepted.components,
    params: outParams,
    clientIp: peer.clientIp,
    keyLabel: accepted.record.label,
    body: accepted.body,
  }
}
