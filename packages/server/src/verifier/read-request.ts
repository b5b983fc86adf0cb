/**
 * Before the first stage: the input as the message model. A Fetch `Request`'s body is read
 * once, within the size limit, and kept for the digest stage and the identity; the message
 * model (what the Node adapters hand over) is used as it is.
 *
 * @module
 */
import { SignetError, readBounded, requestMessage } from '@signet/core/verifying'
import type { HttpMessage } from '@signet/core'

/**
 * Whether `input` is already the message model. Checked before anything touches the global
 * `Request`: merely reading it on Node 20 loads undici (20-28 ms), which the Node adapters
 * never need (DESIGN.md "Performance").
 *
 * @param input - what `verify` was given.
 * @returns true for an `HttpMessage`.
 */
export function isHttpMessage(input: unknown): input is HttpMessage {
  if (typeof input !== 'object' || input === null) return false
  const kind = (input as { kind?: unknown }).kind
  return (kind === 'request' || kind === 'response') && Array.isArray((input as { fields?: unknown }).fields)
}

/**
 * A Fetch `Request` as the message model, its body read once.
 *
 * @param request - the request.
 * @param maxBodyBytes - the body limit.
 * @returns the message, with the body bytes (undefined for none or an empty one).
 * @throws {TypeError} when `request` is not a Request.
 * @throws {SignetError} `ERR_BODY_USED`, `ERR_BODY_TOO_LARGE`.
 */
export async function readRequest(request: Request, maxBodyBytes: number): Promise<HttpMessage> {
  if (typeof request !== 'object' || request === null || typeof (request as { url?: unknown }).url !== 'string' || typeof (request as { arrayBuffer?: unknown }).arrayBuffer !== 'function') {
    throw new TypeError('"input" expected a Request or an HttpMessage')
  }
  if (request.bodyUsed || request.body?.locked === true) throw new SignetError('ERR_BODY_USED', 'the request body was already read')
  // Read no further than the smaller of the declared length and the limit: a sender that
  // declares 7 bytes and streams 64 MiB is refused after the first chunk past 7, not at the
  // end (issue 11, defect 11). A declared length over the limit is refused before reading.
  let maxBytes = maxBodyBytes
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d{1,15}$/.test(declared)) {
    const length = Number(declared)
    if (length > maxBytes) throw new SignetError('ERR_BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`)
    maxBytes = length
  }
  // The request's own stream, read once: no clone, no tee (on Node 20 a clone and a second
  // read cost 25-80 µs). The caller gets the bytes back on the identity.
  const stream = request.body
  let body: Uint8Array | undefined
  if (stream !== null) {
    body = await readBounded(stream, maxBytes)
    if (body === undefined) throw new SignetError('ERR_BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`)
  }
  return requestMessage(request, body === undefined || body.length === 0 ? undefined : body)
}
