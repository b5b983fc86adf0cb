/**
 * Signing responses so clients can verify them (RFC 9421 section 2.4).
 *
 * A response signature that covers components of the request with `;req` (its method, target
 * and the request's own signature) is bound to that one request: it cannot be replayed as the
 * answer to another. The content is covered through `Content-Digest` (RFC 9530), which is added
 * when the response has a body.
 *
 * The signer itself (`response-signature.ts`) loads on the first call.
 *
 * @module
 */
import type { HttpRequestMessage, HttpResponseMessage } from '@signet/core'
export type { ResponseSignatureFields, SignResponseOptions } from './response-signature.ts'
import type { ResponseSignatureFields, SignResponseOptions } from './response-signature.ts'

// Loaded on the first call: most servers never call these, and the module stays out of the
// cold import of @signet/server.
let loaded: Promise<typeof import('./response-signature.ts')> | undefined
const load = (): Promise<typeof import('./response-signature.ts')> => (loaded ??= import('./response-signature.ts'))

/**
 * Compute the fields that sign a response: `Content-Digest` (when there is a body and none is
 * present), `Signature-Input` and `Signature`. Used by the Node adapters, which never build a
 * Fetch `Response`.
 *
 * @throws {SignetError} when a covered component is missing.
 * @example
 * ```ts
 * for (const [name, value] of await signResponseFields(responseMessage, requestMessage, { key })) res.appendHeader(name, value)
 * ```
 */
export async function signResponseFields(response: HttpResponseMessage, request: HttpRequestMessage, options: SignResponseOptions): Promise<ResponseSignatureFields> {
  return (await load()).signResponseFields(response, request, options)
}

/**
 * Sign a Fetch `Response`, bound to the request it answers.
 *
 * @returns a new `Response` with `Content-Digest`, `Signature-Input` and `Signature` added.
 * @example
 * ```ts
 * return signResponse(Response.json(data), request, { key: serverKey, requestLabel: identity.label })
 * ```
 */
export async function signResponse(response: Response, request: Request | HttpRequestMessage, options: SignResponseOptions): Promise<Response> {
  return (await load()).signResponse(response, request, options)
}
