/**
 * The answers to a signed request that call for one more signed attempt (signed-fetch.ts):
 * a 401 for clock skew with a `Date` (the signer learns its offset, clock-offset.ts) and a 401
 * with `Accept-Signature` that another signature could cure (accept-signature.ts). Each is
 * retried at most once per request.
 *
 * The signing fetch loads this module with the first 401 to a request signed by a signer of
 * `createSigner`: most requests never get one, and a browser bundle starts without it.
 *
 * @module
 */
import { acceptSignatureMayHelp } from './retry-codes.ts'
import { clockSkewDate, problemCode } from './clock-offset.ts'
import type { Signer, SignOverrides } from './signer.ts'

/** Which retries the signing fetch makes (its checked `clockSkewRetry` and `acceptSignature` options). */
export interface RetrySettings {
  readonly clockSkewRetry: boolean
  readonly acceptSignature: boolean
}

/** Which retries a request has had. */
export interface RetryState {
  clockRetried: boolean
  acceptRetried: boolean
}

/**
 * Decide whether a 401 calls for another attempt.
 *
 * @param signer - the signer of `createSigner` that signed the request.
 * @param expiresSeconds - its configured validity, used when `expires` is requested.
 * @param settings - which retries are on.
 * @param response - the 401; its body is read from a clone, left for the caller.
 * @param state - the retries so far, updated.
 * @returns `null` to sign afresh with the same profile (a clock offset was learned), the
 *   overrides meeting `Accept-Signature`, or undefined when the response is final.
 * @example
 * ```ts
 * const next = await retryAfter(signer, undefined, settings, response, { clockRetried: false, acceptRetried: false })
 * ```
 */
export async function retryAfter(signer: Signer, expiresSeconds: number | undefined, settings: RetrySettings, response: Response, state: RetryState): Promise<SignOverrides | null | undefined> {
  if (settings.clockSkewRetry && !state.clockRetried) {
    const date = await clockSkewDate(response)
    if (date !== undefined) {
      state.clockRetried = true
      signer.learnClockOffset(date)
      return null
    }
  }
  const field = response.headers.get('accept-signature')
  // A key or address refusal is final: re-signing cannot change it (accept-signature.ts).
  if (settings.acceptSignature && !state.acceptRetried && field !== null && acceptSignatureMayHelp(await problemCode(response))) {
    state.acceptRetried = true
    // Loaded on the first such answer: most clients never meet one.
    const { meetAcceptSignature } = await import('./accept-signature.ts')
    const met = meetAcceptSignature(field, await signer.key(), await signer.keyId(), expiresSeconds)
    if (met !== undefined) return met
  }
  return undefined
}
