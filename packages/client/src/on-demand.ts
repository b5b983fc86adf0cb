/**
 * The exports of `@signet/client` whose code loads on first call: response verification (the
 * whole RFC 9421 verifier of core) and meeting `Accept-Signature` (the structured-field
 * dictionary parser). A browser application that signs with `createSigner` and `signedFetch`
 * downloads neither until a response is verified or a server asks for another signature; a
 * bundler puts each behind its own chunk. Both answer with a promise.
 *
 * @module
 */
import type { HttpRequestMessage, SignetKey, VerifiedSignature } from '@signet/core'
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
