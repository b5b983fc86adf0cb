/**
 * Reading a Fetch body into bytes, once, under a size limit.
 *
 * Every Fetch body kind (string, `ArrayBuffer` and its views, `Blob`, `FormData`,
 * `URLSearchParams`, `ReadableStream`) reaches the signer through a `Request`, whose
 * constructor has already serialized it: a `FormData` body has its multipart boundary fixed in
 * the request's `Content-Type` at that point, so the bytes read here are exactly the bytes that
 * will be digested and sent (RFC 9530 section 2: the digest covers the content as sent).
 *
 * Streams are buffered because a digest needs the whole content before the first header goes
 * out; the limit bounds that buffer, and going over it fails before any network I/O.
 *
 * @module
 */
import { SignetError, readBounded } from '@signet/core/signing'

/** The default limit on a buffered request body: 10 MiB. */
export const DEFAULT_MAX_BODY_BYTES: number = 10 * 1024 * 1024

/**
 * Read a byte stream to the end, refusing more than `maxBytes`.
 *
 * @param stream - the stream to drain; it is cancelled when the limit is passed.
 * @param maxBytes - the largest accepted total length.
 * @returns the concatenated bytes.
 * @throws {SignetError} `ERR_BODY_TOO_LARGE` when the stream carries more than `maxBytes`.
 * @example const bytes = await readStreamLimited(request.body!, 1024)
 */
export async function readStreamLimited(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const bytes = await readBounded(stream, maxBytes)
  if (bytes === undefined) throw new SignetError('ERR_BODY_TOO_LARGE', `body is larger than the limit of ${maxBytes} bytes`)
  return bytes
}

/**
 * Read the body of a `Request` into bytes, consuming it.
 *
 * @param request - the request; its body is consumed.
 * @param maxBytes - the largest accepted body.
 * @returns the body bytes, or `undefined` when the request has no body.
 * @throws {SignetError} `ERR_BODY_USED` when the body was already read, `ERR_BODY_TOO_LARGE`
 * when it is over `maxBytes`.
 * @example const body = await readRequestBody(request, DEFAULT_MAX_BODY_BYTES)
 */
export async function readRequestBody(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  if (request.bodyUsed || request.body?.locked === true) {
    throw new SignetError('ERR_BODY_USED', 'the request body was already read; sign the request before reading it')
  }
  const stream = request.body
  if (stream === null) return undefined
  // Refuse early when the caller declared a length over the limit (no need to read it).
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new SignetError('ERR_BODY_TOO_LARGE', `body is larger than the limit of ${maxBytes} bytes`)
  }
  return readStreamLimited(stream, maxBytes)
}
