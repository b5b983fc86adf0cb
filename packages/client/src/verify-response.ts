/**
 * Verifying a signed response bound to its request (RFC 9421 section 2.4: components with
 * `;req` are taken from the request the client sent, so a response signature covering
 * `"@method";req` or `"signature";req;key="sig1"` proves the answer belongs to that request).
 *
 * A response signature over its own components alone (`@status`, `content-digest`) is as
 * valid on the answer to any other request: whoever captured one signed response could replay
 * it in place of the real answer. So the binding is never optional here:
 * - without `requiredComponents`, the signature must cover `"@status"`, `"@method";req`,
 *   `"@target-uri";req` (what `signResponse` of `@signet/server` covers by default) and, when
 *   the response has a body, `"content-digest"`;
 * - a `requiredComponents` of the caller's must name at least one `;req` component, or the
 *   verification settings are refused when they are made.
 * A covered `content-digest` is always recomputed over the body received, an absent body being
 * the empty one (core `verifyMessage`), so an emptied response fails with `ERR_DIGEST_MISMATCH`.
 * Everything else in the policy (parameters, algorithms, age, label or tag) is passed straight
 * to core's `verifyMessage`.
 *
 * @module
 */
import { fromFetchResponse, toComponentIdentifier, verifyMessage } from '@signet/core'
import type { ComponentIdentifier, HttpMessage, HttpRequestMessage, VerifiedSignature } from '@signet/core'
import type { ResponseVerification } from './response-verification.ts'

export type { ResponseVerification } from './response-verification.ts'

// The request binding required by default: the components `signResponse` always covers.
const BOUND_COMPONENTS: readonly string[] = ['@status', '"@method";req', '"@target-uri";req']
const BOUND_WITH_DIGEST: readonly string[] = [...BOUND_COMPONENTS, 'content-digest']

/**
 * Verify a response's signature against the request that was sent.
 *
 * @param response - the response; read from a clone, left readable for the caller.
 * @param request - the message model of the signed request.
 * @param options - key and policy (see {@link ResponseVerification} for the default
 * components), already checked by `checkResponseVerification` (response-verification.ts): the
 * signing fetch checks them at start-up, the export of on-demand.ts before loading this module,
 * which thus imports nothing of the initial load but core.
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
  const message = lowerCaseFields(await fromFetchResponse(response.clone(), lowerCaseFields(request)))
  const requiredComponents =
    options.policy?.requiredComponents ?? (message.body !== undefined && message.body.length > 0 ? BOUND_WITH_DIGEST : BOUND_COMPONENTS)
  return verifyMessage(message, { ...options.policy, requiredComponents, key: options.key })
}

// Fetch says Headers iterate with lower-case names; happy-dom keeps the case they were set
// with. Component names are lower-case (RFC 9421 section 2.1), so normalise before signing.
function lowerCaseFields<T extends HttpMessage>(message: T): T {
  if (message.fields.every((f) => f.name === f.name.toLowerCase())) return message
  return { ...message, fields: message.fields.map((f) => ({ name: f.name.toLowerCase(), value: f.value })) }
}
