/**
 * The exports of `@signet/client` whose code loads on first call: response verification (the
 * whole RFC 9421 verifier of core), meeting `Accept-Signature` (the structured-field
 * dictionary parser) and reading a clock-skew answer. A browser application that signs with
 * `createSigner` and `signedFetch` downloads none of them until one is called; a bundler puts
 * each behind its own chunk. Each answers with a promise, as the function it loads does.
 *
 * @module
 */
import type { HttpRequestMessage, SignetKey, VerifiedSignature } from '@signet/core'
import { checkResponseVerification } from './response-verification.ts'
import type { ResponseVerification } from './response-verification.ts'
import type { SignOverrides } from './signer.ts'

/**
 * Verify a response's signature against the request that was sent (RFC 9421 section 2.4: the
 * response must cover components of the request with `;req`, see verify-response.ts).
 *
 * @param response - the response; read from a clone, left readable for the caller.
 * @param request - the message model of the signed request.
 * @param options - key and policy (see {@link ResponseVerification} for the default components).
 * @returns the verified signatures.
 * @throws {TypeError} for settings that do not bind the response to its request.
 * @throws {SignetError} the coded failure from core (`ERR_SIGNATURE_MISSING`,
 * `ERR_SIGNATURE_INVALID`, `ERR_REQUIRED_COMPONENT`, ...).
 * @example await verifySignedResponse(response, sentMessage, { key: serverPublicKey })
 */
export async function verifySignedResponse(response: Response, request: HttpRequestMessage, options: ResponseVerification): Promise<VerifiedSignature[]> {
  // Checked here, before the download: a misconfiguration fails the same way whenever it is met.
  checkResponseVerification(options)
  return (await import('./verify-response.ts')).verifySignedResponse(response, request, options)
}

/**
 * Work out the signature a server asked for in `Accept-Signature` (RFC 9421 section 5.1), if
 * this key can make it: the first member whose `alg` and `keyid` requirements the key meets
 * and whose components a request can carry.
 *
 * @param fieldValue - the `Accept-Signature` field value(s).
 * @param key - the signer's key.
 * @param keyId - the signer's key id.
 * @param expiresSeconds - the signer's configured validity, used when `expires` is requested.
 * @returns (a promise of) the per-call overrides to sign with, or undefined when no member can
 * be met or the field is malformed; it never rejects for the field's content.
 * @example
 * ```ts
 * const met = await meetAcceptSignature(response.headers.get('accept-signature')!, await signer.key(), await signer.keyId())
 * if (met) retry = await signer.sign(request, met)
 * ```
 */
export async function meetAcceptSignature(fieldValue: string, key: SignetKey, keyId: string, expiresSeconds?: number): Promise<SignOverrides | undefined> {
  return (await import('./accept-signature.ts')).meetAcceptSignature(fieldValue, key, keyId, expiresSeconds)
}

/**
 * Whether a response is a clock-skew rejection the client can correct.
 *
 * @param response - the server's answer.
 * @returns the server's `Date` value when the response is a 401 with a clock-skew code and a
 * `Date`; otherwise undefined.
 * @example
 * ```ts
 * const date = await clockSkewDate(response)
 * if (date !== undefined) signer.learnClockOffset(date)
 * ```
 */
export async function clockSkewDate(response: Response): Promise<string | undefined> {
  return (await import('./clock-offset.ts')).clockSkewDate(response)
}
