/**
 * Verifying a signed response bound to its request (RFC 9421 section 2.4: components with
 * `;req` are taken from the request the client sent, so a response signature covering
 * `"@method";req` or `"signature";req;key="sig1"` proves the answer belongs to that request).
 *
 * The policy is explicit: what a response must cover and which keys may sign it are the
 * caller's decision, passed straight to core's `verifyMessage`.
 *
 * @module
 */
import { fromFetchResponse, verifyMessage } from '@signet/core'
import type { HttpRequestMessage, VerifiedSignature, VerifyOptions } from '@signet/core'
import { lowerCaseFields } from './signer.ts'

/** How the signing fetch verifies responses. */
export interface ResponseVerification {
  /** The server's key, or a resolver (see core `VerifyOptions.key`). */
  readonly key: NonNullable<VerifyOptions['key']>
  /** Requirements: components, parameters, algorithms, age, label or tag. */
  readonly policy?: Omit<VerifyOptions, 'key'> | undefined
}

/**
 * Verify a response's signature against the request that was sent.
 *
 * @param response - the response; read from a clone, left readable for the caller.
 * @param request - the message model of the signed request.
 * @param options - key and policy.
 * @returns the verified signatures.
 * @throws {SignetError} the coded failure from core (`ERR_SIGNATURE_MISSING`,
 * `ERR_SIGNATURE_INVALID`, `ERR_REQUIRED_COMPONENT`, ...).
 * @example await verifySignedResponse(response, sentMessage, { key: serverPublicKey })
 */
export async function verifySignedResponse(
  response: Response,
  request: HttpRequestMessage,
  options: ResponseVerification,
): Promise<VerifiedSignature[]> {
  const message = lowerCaseFields(await fromFetchResponse(response.clone(), request))
  return verifyMessage(message, { ...options.policy, key: options.key })
}
