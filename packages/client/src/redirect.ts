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
 * The signing fetch tells a redirect from a final answer by itself and loads this module with
 * the first redirect it follows: most requests never get one.
 *
 * @module
 */
import type { RequestParts } from './request-parts.ts'

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

/** What a followed redirect leads to: the next request, and whether it is still signed. */
export interface Hop {
  readonly parts: RequestParts
  readonly signed: boolean
}

/**
 * The next hop of a redirect chain the signing fetch follows (`redirect: 'follow'`).
 *
 * @param response - the redirect (its status is a redirect status and it has a `Location`).
 * @param parts - the request that got it.
 * @param redirects - how many redirects were followed before this one.
 * @param settings - the most redirects followed and what to do when one leaves the origin.
 * @param origin - the origin of the chain's first request.
 * @param signed - whether the request that got `response` was signed.
 * @returns the next request, or undefined when the response is the answer (a redirect to
 *   another origin under `crossOriginRedirect: 'stop'`).
 * @throws {TypeError} past `maxRedirects`, or for a `Location` that is not an HTTP(S) URL; the
 *   caller cancels the response body.
 */
export function nextHop(
  response: Response,
  parts: RequestParts,
  redirects: number,
  settings: { readonly maxRedirects: number; readonly crossOrigin: 'follow-unsigned' | 'stop' },
  origin: string,
  signed: boolean,
): Hop | undefined {
  if (redirects >= settings.maxRedirects) throw new TypeError(`more than ${settings.maxRedirects} redirects`)
  const location = new URL(response.headers.get('location') as string, parts.url)
  if (location.protocol !== 'https:' && location.protocol !== 'http:') {
    throw new TypeError(`redirect to a non-HTTP URL (${location.protocol}) refused`)
  }
  // Once the chain has left the origin it is never signed again: a third party must not be
  // able to steer a signed request to a path of its choosing on the original origin.
  const stillSigned = signed && location.origin === origin
  if (signed && !stillSigned && settings.crossOrigin === 'stop') return undefined
  return { parts: redirectParts(parts, response.status, location, stillSigned), signed: stillSigned }
}
