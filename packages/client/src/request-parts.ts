/**
 * A request held as data: URL, method, header copy, body bytes and the Fetch options worth
 * keeping. Signing, retrying and following redirects each need to build a fresh `Request` from
 * the same content; a `Request` body can be read only once, so the bytes are read a single time
 * (see `body.ts`) and every later `Request` is built from them, byte for byte.
 *
 * @module
 */
import { SignetError, utf8 } from '@signet/core/signing'
import { readRequestBody } from './body.ts'

/** The parts of a request the client rebuilds from. */
export interface RequestParts {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: Uint8Array | undefined
  /** The Fetch options copied from the original request (signal, credentials, ...). */
  readonly init: RequestInit
  /**
   * The `Request` the parts were read from, when there was one. A later Request is built on it
   * (`new Request(source, init)`), so Fetch itself carries over its signal, mode, credentials,
   * cache, integrity, keepalive and priority, including any option this code does not know.
   */
  readonly source?: Request | undefined
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
    source: request,
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
 * The `fetch` options of a new request from parts: what {@link toRequest} builds its `Request`
 * from, and what the signing fetch hands the global `fetch` with the URL (no `Request` built).
 *
 * @param parts - the request content.
 * @param headers - the header set to send (defaults to the parts' own).
 * @param redirect - overrides the redirect mode (the signing fetch uses `manual`).
 * @returns new options whose body is a fresh copy of `parts.body`.
 */
export function requestInit(parts: RequestParts, headers: HeadersInit = parts.headers, redirect?: RequestRedirect): RequestInit {
  const init: RequestInit = { ...parts.init, method: parts.method, headers }
  if (redirect !== undefined) init.redirect = redirect
  // A fresh copy per Request: some runtimes transfer (detach) the buffer they are given.
  if (parts.body !== undefined) init.body = parts.body.slice()
  return init
}

/**
 * Build the `Request` for parts from the options {@link requestInit} made for them. While the
 * parts still name the `Request` they were read from (a redirect makes parts of its own), the
 * new one is built on it (`new Request(source, options)`), so Fetch itself carries over its
 * signal, mode, credentials, cache, integrity, keepalive and priority, including options this
 * code does not know. It costs the same as building from the URL with each option passed again
 * (Node 20, counted in instructions: within 1-3%); following the signal is most of either.
 *
 * @param parts - the request content.
 * @param init - from `requestInit(parts, ...)`.
 * @returns a new `Request` whose body is `init.body`.
 */
export function requestOf(parts: RequestParts, init: RequestInit): Request {
  const source = parts.source
  if (source !== undefined && source.url === parts.url && source.method === parts.method) {
    // The source's body was read, but a body given here replaces it (Fetch allows that). Fetch
    // resets the referrer policy whenever options are given, so it is passed back.
    const onSource: RequestInit = { headers: init.headers ?? parts.headers }
    if (init.body !== undefined && init.body !== null) onSource.body = init.body
    if (init.redirect !== undefined) onSource.redirect = init.redirect
    if (init.referrerPolicy !== undefined && init.referrerPolicy !== '') onSource.referrerPolicy = init.referrerPolicy
    try {
      return new Request(source, onSource)
    } catch {
      // Some implementations (happy-dom) refuse a source whose stream is still locked by the
      // reader that drained it; building from the URL and the copied options is equivalent.
    }
  }
  return new Request(parts.url, init)
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
  return requestOf(parts, requestInit(parts, headers, redirect))
}

// Fetch normalizes these method names to upper case (Fetch standard, "normalize a method").
const NORMALIZED_METHODS: ReadonlySet<string> = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])

/**
 * The parts of `fetch(input, init)` read straight from the arguments, with no `Request` built
 * and no stream read, when that is exact: a URL input, and a string, byte or absent body.
 * Everything else (a `Request` input, `FormData`, `Blob`, `URLSearchParams`, a stream, a body
 * on GET or HEAD, which Fetch refuses) returns undefined and goes through a `Request`.
 *
 * What Fetch would do is done here: the URL resolved (against the page in a browser), the
 * method normalized, and a string body without a Content-Type given `text/plain;charset=UTF-8`.
 *
 * @param input - `fetch`'s first argument.
 * @param init - `fetch`'s second argument.
 * @param maxBodyBytes - the body size limit.
 * @returns the parts, or undefined when a `Request` must be built.
 * @throws {SignetError} `ERR_BODY_TOO_LARGE` when the body is over the limit.
 */
export function directParts(input: unknown, init: RequestInit | undefined, maxBodyBytes: number): RequestParts | undefined {
  if (typeof input !== 'string' && !(input instanceof URL)) return undefined
  const source = init ?? {}
  const given = source.body
  let body: Uint8Array | undefined
  if (typeof given === 'string') body = utf8(given)
  else if (given instanceof Uint8Array) body = new Uint8Array(given as Uint8Array)
  else if (given instanceof ArrayBuffer) body = new Uint8Array(given.slice(0))
  else if (given !== undefined && given !== null) return undefined
  const method = source.method === undefined ? 'GET' : NORMALIZED_METHODS.has(source.method.toUpperCase()) ? source.method.toUpperCase() : source.method
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) return undefined
  if (body !== undefined && body.length > maxBodyBytes) throw new SignetError('ERR_BODY_TOO_LARGE', `body is larger than the limit of ${maxBodyBytes} bytes`)
  const base = (globalThis as { location?: { href?: string } }).location?.href
  const url = new URL(String(input), base).href
  const headers = new Headers(source.headers)
  if (typeof given === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
  const kept: RequestInit = {}
  for (const name of ['signal', 'credentials', 'cache', 'mode', 'redirect', 'referrerPolicy', 'integrity', 'keepalive', 'priority'] as const) {
    if (source[name] !== undefined && source[name] !== null) (kept as Record<string, unknown>)[name] = source[name]
  }
  return { url, method, headers, body, init: kept }
}
