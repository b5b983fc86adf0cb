/**
 * Stage: `created`, `expires` and the maximum age, with the clock skew (RFC 9421 section 3.2,
 * step 9), as the policy sets them. Whether `created` must be present was the required-parameter
 * stage's call.
 *
 * @module
 */
import { checkTimes } from '@signet/core/verifying'
import type { SignatureParams } from '@signet/core'
import type { ResolvedPolicy } from '../policy.ts'

/**
 * Check the signature's times against the verifier's clock.
 *
 * @param policy - the resolved policy (max age, skew).
 * @param params - the signature parameters.
 * @param nowSeconds - the verifier's clock, unix seconds.
 * @throws {SignetError} the time codes of core's `checkTimes` (expired, too old, in the future).
 */
export function checkSignatureTimes(policy: ResolvedPolicy, params: SignatureParams, nowSeconds: number): void {
  checkTimes(params, {
    now: nowSeconds,
    maxAgeSeconds: params.created === undefined || policy.maxAgeSeconds === null ? undefined : policy.maxAgeSeconds,
    clockSkewSeconds: policy.clockSkewSeconds,
  })
}
