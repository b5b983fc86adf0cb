/**
 * Stage: admission, the last one. Rate limits and credits (a registry's `admission()`, given as
 * the verifier's `admit` option) see the identity only after the signature, the nonce and the
 * scopes held, so a request refused earlier (IP, signature, scope) never uses quota. The hook
 * throws to refuse (`ERR_RATE_LIMITED`, `ERR_CREDITS_EXHAUSTED`); the refusal reaches
 * `onRejected` with the key id. What it answers for an admitted request (the state of the
 * limits drawn on) goes on the identity as `rateLimits`, for the adapters' response fields.
 *
 * @module
 */
import type { Admitted, VerifiedIdentity } from './types.ts'

/**
 * Let the identity through the admission hook. A synchronous hook's answer comes back without
 * a promise.
 *
 * @param admit - the `admit` option, or undefined for none.
 * @param identity - the verified identity.
 * @returns the identity, or a promise of it when the hook is asynchronous.
 * @throws whatever the hook throws (a rejection for an asynchronous one).
 */
export function admitIdentity(
  admit: ((identity: VerifiedIdentity) => void | Admitted | undefined | Promise<void | Admitted | undefined>) | undefined,
  identity: VerifiedIdentity,
): VerifiedIdentity | Promise<VerifiedIdentity> {
  if (admit === undefined) return identity
  const decided = admit(identity)
  if (typeof decided === 'object' && decided !== null && typeof (decided as { then?: unknown }).then === 'function') {
    return (decided as Promise<void | Admitted | undefined>).then((answer) => withLimits(identity, answer))
  }
  return withLimits(identity, decided as Admitted | undefined)
}

function withLimits(identity: VerifiedIdentity, answer: void | Admitted | undefined): VerifiedIdentity {
  const limits = answer?.rateLimits
  return Array.isArray(limits) && limits.length > 0 ? { ...identity, rateLimits: limits } : identity
}
