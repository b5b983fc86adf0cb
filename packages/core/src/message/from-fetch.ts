/**
 * Fetch `Request` and `Response` objects to the message model.
 *
 * Fetch `Headers` has already joined repeated fields with `", "` and lower-cased names, so a
 * message built here has one field line per name (except Set-Cookie, which Fetch keeps apart).
 * That matches RFC 9421 canonicalization for plain and `;sf` components; `;bs` sees one line.
 * The body is read from a clone, so the caller can still send or consume the original.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import type { HttpRequestMessage, HttpResponseMessage } from '../message.ts'
import { headersToFields, requestMessage } from './request-message.ts'

export { requestMessage } from './request-message.ts'
export { originForm } from './from-description.ts'

async function readBody(source: Request | Response): Promise<Uint8Array | undefined> {
  if (source.body === null) return undefined
  if (source.bodyUsed) throw new SignetError('ERR_BODY_USED', 'the body was already read; sign or verify before consuming it')
  const bytes = new Uint8Array(await source.clone().arrayBuffer())
  return bytes.length === 0 ? undefined : bytes
}

/**
 * Build a request message from a Fetch `Request`.
 *
 * @param request - the request; its body is read from a clone.
 * @returns The message: scheme, authority and origin-form target from `request.url`.
 * @throws {SignetError} `ERR_BODY_USED` when the body was already consumed.
 * @example const m = await fromFetchRequest(new Request('https://example.com/p?q=1', { method: 'POST', body: 'x' }))
 */
export async function fromFetchRequest(request: Request): Promise<HttpRequestMessage> {
  if (request === null || typeof request !== 'object' || typeof request.url !== 'string') {
    throw new TypeError('"request" expected a Fetch Request')
  }
  return requestMessage(request, await readBody(request))
}

/**
 * Build a response message from a Fetch `Response`.
 *
 * @param response - the response; its body is read from a clone.
 * @param request - the related request, for `;req` components.
 * @throws {SignetError} `ERR_BODY_USED` when the body was already consumed.
 * @example const m = await fromFetchResponse(new Response('ok', { status: 200 }))
 */
export async function fromFetchResponse(response: Response, request?: HttpRequestMessage): Promise<HttpResponseMessage> {
  if (response === null || typeof response !== 'object' || typeof response.status !== 'number') {
    throw new TypeError('"response" expected a Fetch Response')
  }
  const body = await readBody(response)
  return {
    kind: 'response',
    status: response.status,
    fields: headersToFields(response.headers),
    trailers: [],
    body,
    request,
  }
}
