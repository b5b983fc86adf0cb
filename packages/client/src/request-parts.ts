/**
 * A request held as data: URL, method, header copy, body bytes and the Fetch options worth
 * keeping. Signing, retrying and following redirects each need to build a fresh `Request` from
 * the same content; a `Request` body can be read only once, so the bytes are read a single time
 * (see `body.ts`) and every later `Request` is built from them, byte for byte.
 *
 * @module
 */
import { readRequestBody } from './body.ts'

/** The parts of a request the client rebuilds from. */
export interface RequestParts {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: Uint8Array | undefined
  /** The Fetch options copied from the original request (signal, credentials, ...). */
  readonly init: RequestInit
}

/**
 * Read a `Request` into parts, consuming its body.
 *
 * @param request - the request to read.
 * @param maxBodyBytes - the body size limit.
 * @returns the parts.
 * @throws {SignetError} `ERR_BODY_USED`, `ERR_BODY_TOO_LARGE` (see `readRequestBody`).
 */
export async function readRequestParts(request: Request, maxBodyBytes: number): Promise<RequestParts> {
  const body = await readRequestBody(request, maxBodyBytes)
  return {
    url: request.url,
    method: request.method,
    headers: new Headers(request.headers),
    body,
    init: copyInit(request),
  }
}

// Only options a Request constructor accepts back; `navigate` mode cannot be set by script.
function copyInit(request: Request): RequestInit {
  const init: RequestInit = {}
  if (request.signal !== undefined) init.signal = request.signal
  if (typeof request.credentials === 'string') init.credentials = request.credentials
  if (typeof request.cache === 'string') init.cache = request.cache
  if (typeof request.mode === 'string' && request.mode !== 'navigate') init.mode = request.mode
  if (typeof request.redirect === 'string') init.redirect = request.redirect
  if (typeof request.referrerPolicy === 'string') init.referrerPolicy = request.referrerPolicy
  if (typeof request.integrity === 'string' && request.integrity !== '') init.integrity = request.integrity
  if (request.keepalive === true) init.keepalive = true
  return init
}

/**
 * Build a new `Request` from parts.
 *
 * @param parts - the request content.
 * @param headers - the header set to send (defaults to the parts' own).
 * @param redirect - overrides the redirect mode (the signing fetch uses `manual`).
 * @returns a new `Request` whose body is exactly `parts.body`.
 */
export function toRequest(parts: RequestParts, headers: Headers = parts.headers, redirect?: RequestRedirect): Request {
  const init: RequestInit = { ...parts.init, method: parts.method, headers }
  if (redirect !== undefined) init.redirect = redirect
  // A fresh copy per Request: some runtimes transfer (detach) the buffer they are given.
  if (parts.body !== undefined) init.body = parts.body.slice()
  return new Request(parts.url, init)
}
