/**
 * Stage: admission, the last one. Rate limits and credits (a registry's `admission()`, given as
 * the verifier's `admit` option) see the identity only after the signature, the nonce and the
 * scopes held, so a request refused earlier (IP, signature, scope) never uses quota. The hook
 * throws to refuse (`ERR_RATE_LIMITED`, `ERR_CREDITS_EXHAUSTED`); the refusal reaches
 * `onRejected` with the key id.
 *
 * @module
 */
import type { VerifiedIdentity } from './types.ts'

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
  admit: ((identity: VerifiedIdentity) => void | Promise<void>) | undefined,
  identity: VerifiedIdentity,
): VerifiedIdentity | Promise<VerifiedIdentity> {
  if (admit === undefined) return identity
  const decided = admit(identity)
  return typeof decided === 'object' && decided !== null && typeof (decided as { then?: unknown }).then === 'function' ? decided.then(() => identity) : identity
}
