/**
 * Following a redirect by hand, so a signature never reaches another origin.
 *
 * Fetch follows redirects with the request's headers, and `Signature`/`Signature-Input` are
 * ordinary headers: an automatic cross-origin redirect would hand a valid signature (and, for
 * a 307/308, the signed body) to a third party, which could replay it to the origin within the
 * `created` window (RFC 9421 section 7.2.2 on replay). So the signing fetch asks for
 * `redirect: 'manual'` and applies the Fetch standard's redirect rules itself (method and body
 * rewriting, "HTTP-redirect fetch" steps 11 to 13), removing credentials when the origin
 * changes.
 *
 * @module
 */
import type { RequestParts } from './request-parts.ts'

/** Redirect status codes (RFC 9110 section 15.4). */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

// Fetch's request-body-header names plus the fields that describe the body (length, digest).
const BODY_HEADERS = [
  'content-encoding',
  'content-language',
  'content-location',
  'content-type',
  'content-length',
  'content-digest',
  'repr-digest',
]

/** Headers removed when a redirect leaves the origin: signatures and credentials. */
const CROSS_ORIGIN_STRIPPED_HEADERS: readonly string[] = [
  'signature',
  'signature-input',
  'authorization',
  'proxy-authorization',
  'cookie',
]

/**
 * Whether a response is a redirect the client could follow.
 *
 * @param response - the response to a `redirect: 'manual'` request.
 */
export function isRedirect(response: Response): boolean {
  return REDIRECT_STATUSES.has(response.status) && response.headers.has('location')
}

/**
 * The request to send after a redirect.
 *
 * @param parts - the request that was redirected.
 * @param status - the redirect status.
 * @param location - the resolved target.
 * @param keepCredentials - false when the target is another origin: signatures and
 * credentials are removed.
 * @returns the parts of the next request.
 */
export function redirectParts(parts: RequestParts, status: number, location: URL, keepCredentials: boolean): RequestParts {
  const headers = new Headers(parts.headers)
  let method = parts.method
  let body = parts.body
  // Fetch "HTTP-redirect fetch" step 12: 301/302 turn POST into GET, 303 turns all but
  // GET/HEAD into GET; the body and its describing headers go.
  if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'GET' && method !== 'HEAD')) {
    method = 'GET'
    body = undefined
    for (const name of BODY_HEADERS) headers.delete(name)
  }
  if (!keepCredentials) for (const name of CROSS_ORIGIN_STRIPPED_HEADERS) headers.delete(name)
  return { url: location.href, method, headers, body, init: parts.init }
}
