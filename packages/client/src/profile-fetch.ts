/**
 * Fetch with a signer of another scheme (`@signet/profiles`: Binance, SigV4, draft-cavage,
 * webhooks): `signedFetch` and the ky hooks take such a signer as they take an RFC 9421 one.
 *
 * The client does not import the profiles package; a profile signer is anything with a
 * `profile` name and `sign(request)`. Redirects are followed by hand: on the same origin the
 * request is signed afresh (a 301/302/303 turns a non-GET into a body-less GET, as fetch does);
 * a redirect to another origin is handed back unfollowed, so no signature leaves the origin it
 * was made for. A signer with `retryAfter(response)` (Binance: -1021, timestamp outside
 * recvWindow) gets one retry, signed with what it learned.
 *
 * Loaded with the first request of such a signer (signed-fetch.ts, ky.ts): a bundle that signs
 * with `createSigner` never downloads it.
 *
 * @module
 */
import type { ProfileSignerLike } from './profile-signer.ts'


type Fetch = (input: Request) => Promise<Response>

const MAX_REDIRECTS = 5

/** A copy of `request` aimed at `location`, as fetch would follow a redirect. */
function redirected(request: Request, location: URL, status: number): Request {
  const toGet = status === 303 || ((status === 301 || status === 302) && request.method === 'POST')
  const init: RequestInit = { method: toGet ? 'GET' : request.method, headers: request.headers, redirect: 'manual', signal: request.signal }
  if (!toGet && request.body !== null) {
    init.body = request.body
    ;(init as { duplex?: string }).duplex = 'half'
  }
  const next = new Request(location, init)
  if (toGet) {
    next.headers.delete('content-type')
    next.headers.delete('content-length')
  }
  return next
}

/**
 * Send `request` signed by a profile signer: same-origin redirects re-signed, one retry when
 * the signer asks for it.
 *
 * @param signer - a profile signer.
 * @param request - the unsigned request.
 * @param fetchImpl - the fetch to send with (default: the global one, looked up per call).
 * @returns the final response.
 */
export async function sendWithProfile(signer: ProfileSignerLike, request: Request, fetchImpl?: Fetch): Promise<Response> {
  const send: Fetch = fetchImpl ?? ((r) => fetch(r))
  let unsigned = new Request(request, { redirect: 'manual' })
  let retried = false
  for (let hops = 0; ; ) {
    const response = await send(await signer.sign(unsigned.clone()))
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location !== null && request.redirect !== 'manual') {
      const target = new URL(location, unsigned.url)
      if (target.origin !== new URL(unsigned.url).origin || ++hops > MAX_REDIRECTS) return response
      await response.body?.cancel()
      unsigned = redirected(unsigned, target, response.status)
      continue
    }
    if (!retried && signer.retryAfter !== undefined && (await signer.retryAfter(response))) {
      retried = true
      await response.body?.cancel()
      continue
    }
    return response
  }
}
