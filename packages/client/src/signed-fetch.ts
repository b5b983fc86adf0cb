/**
 * `signedFetch`: a `fetch` that signs every request, wrapping any fetch implementation (the
 * global one, undici's, a Worker's).
 *
 * Around the signature it does three things a plain `fetch` cannot:
 * - redirects are followed by hand (see `redirect.ts`), re-signed while they stay on the
 *   original origin and never carrying a signature to another one;
 * - a 401 for clock skew with a `Date` teaches the signer its offset, then the request is
 *   signed afresh and sent once more (`clock-offset.ts`);
 * - a 401 with `Accept-Signature` is met when the key fits and the refusal is one a signature
 *   of another shape can cure, once (`accept-signature.ts`); when the request lacks what the
 *   server asks to be covered, the 401 is the result.
 * A plain `fetch` of `signer.sign(request)` follows no redirect (the signed request has mode
 * `manual`), so following them safely is this module's job alone.
 * Optionally the response's own signature is verified against the request (`;req`).
 *
 * Every failure that can be detected locally (body already used, body over the limit, a key
 * that does not fit its algorithm, an unknown component) is raised before the first byte goes
 * out, because the request is read and signed before `fetch` is called.
 *
 * What only some answers need loads with the first of them (a bundler puts each in a chunk of
 * its own): following a redirect (redirect.ts), the retries after a 401 (retry.ts), response
 * verification, and sending with a signer of another scheme (profile-fetch.ts).
 *
 * @module
 */
import { isProfileSigner } from './profile-signer.ts'
import type { ProfileSignerLike } from './profile-signer.ts'
import { SignetError } from '@signet/core/signing'
import type { HttpRequestMessage } from '@signet/core'
import { directParts, toRequest } from './request-parts.ts'
import type { RequestParts } from './request-parts.ts'
import { isFullSigner, signerInternals } from './signer.ts'
import type { DescriptionSigner } from './description.ts'
import type { Signer, SignOverrides } from './signer.ts'
import { checkResponseVerification } from './response-verification.ts'
import { fullCore } from './full-core.ts'
import type { ResponseVerification } from './verify-response.ts'
import type { Hop } from './redirect.ts'

/** Redirect status codes (RFC 9110 section 15.4). */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** Whether a response to a `redirect: 'manual'` request is a redirect the client could follow. */
function isRedirect(response: Response): boolean {
  return REDIRECT_STATUSES.has(response.status) && response.headers.has('location')
}

/** Any fetch-shaped function. */
export type FetchLike = (input: Request) => Promise<Response>

/** What to do when a redirect points at another origin. */
export type CrossOriginRedirect = 'follow-unsigned' | 'stop'

/** Options of {@link signedFetch}. */
export interface SignedFetchOptions {
  /** The fetch to wrap. Default: the global `fetch`, looked up per call. */
  readonly fetch?: FetchLike | typeof fetch | undefined
  /**
   * A redirect to another origin is followed without signature or credential headers
   * (`follow-unsigned`, the default) or returned to the caller as is (`stop`).
   */
  readonly crossOriginRedirect?: CrossOriginRedirect | undefined
  /** The most redirects followed (Fetch's limit, 20, by default). */
  readonly maxRedirects?: number | undefined
  /** Learn the clock offset from a clock-skew 401 and retry once. Default true. */
  readonly clockSkewRetry?: boolean | undefined
  /** Meet a 401's `Accept-Signature` when the key fits and retry once. Default true. */
  readonly acceptSignature?: boolean | undefined
  /**
   * Verify the response's signature, bound to the request (`;req`), under this key and policy.
   * Without `requiredComponents` the signature must cover `"@status"`, `"@method";req`,
   * `"@target-uri";req` and, with a body, `"content-digest"`; a list of the caller's must
   * include a `;req` component (a `TypeError` here otherwise).
   */
  readonly verifyResponse?: ResponseVerification | undefined
}

/** The function {@link signedFetch} returns: `fetch`'s signature. */
export type SignedFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/** The result of one attempt. */
export interface Outcome {
  readonly response: Response
  /** The message of the request that got this response. */
  readonly message: HttpRequestMessage | undefined
  /** Whether that request was signed (it stayed on the original origin). */
  readonly signed: boolean
}

/** `fetch`'s arguments as the one `Request` fetch would build from them. */
function requestOf(input: RequestInfo | URL, init: RequestInit | undefined): Request {
  if (input instanceof Request && init === undefined) return input
  // Node's Request needs `duplex: 'half'` for a stream body; browsers accept it too.
  const stream = typeof ReadableStream !== 'undefined' && init?.body instanceof ReadableStream
  return new Request(input, stream ? ({ ...init, duplex: 'half' } as RequestInit) : init)
}

/** Cancel a response body the caller will never see. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined)
}

/** The checked options, shared by `signedFetch` and the ky integration. */
export interface FetchSettings {
  readonly send: FetchLike
  /** No `fetch` option: the global fetch, called with (url, init) for signed requests. */
  readonly direct: boolean
  readonly crossOrigin: CrossOriginRedirect
  readonly maxRedirects: number
  readonly clockSkewRetry: boolean
  readonly acceptSignature: boolean
  readonly verification: ResponseVerification | undefined
}

/**
 * Check {@link SignedFetchOptions} once, at start-up.
 *
 * @throws {TypeError} or {RangeError} naming the option at fault.
 */
export function checkFetchOptions(options: SignedFetchOptions): FetchSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object')
  const fetchImpl = options.fetch
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') throw new TypeError('"fetch" must be a function')
  const crossOrigin = options.crossOriginRedirect ?? 'follow-unsigned'
  if (crossOrigin !== 'follow-unsigned' && crossOrigin !== 'stop') {
    throw new TypeError('"crossOriginRedirect" must be "follow-unsigned" or "stop"')
  }
  const maxRedirects = options.maxRedirects ?? 20
  if (!Number.isInteger(maxRedirects)) throw new TypeError('"maxRedirects" must be an integer')
  if (maxRedirects < 0 || maxRedirects > 100) throw new RangeError(`"maxRedirects" must be between 0 and 100, got ${maxRedirects}`)
  const clockSkewRetry = options.clockSkewRetry ?? true
  const acceptSignature = options.acceptSignature ?? true
  if (typeof clockSkewRetry !== 'boolean') throw new TypeError('"clockSkewRetry" must be a boolean')
  if (typeof acceptSignature !== 'boolean') throw new TypeError('"acceptSignature" must be a boolean')
  const verification = options.verifyResponse === undefined ? undefined : checkResponseVerification(options.verifyResponse)
  // The global fetch is looked up per call, so it can be replaced after start-up (tests, polyfills).
  const send: FetchLike = fetchImpl === undefined ? (request) => globalThis.fetch(request) : (fetchImpl as FetchLike)
  return { send, direct: fetchImpl === undefined, crossOrigin, maxRedirects, clockSkewRetry, acceptSignature, verification }
}

/**
 * Send a request and follow its redirects by hand.
 *
 * @param signer - signs the first request (unless `presigned` is given) and every redirect
 * that stays on the original origin.
 * @param settings - checked fetch options.
 * @param first - the request content.
 * @param overrides - per-call signature profile (Accept-Signature).
 * @param presigned - an already signed first request (the ky hooks sign before fetch runs).
 * @returns the final response, the message of the request that got it, and whether that
 * request was signed.
 */
async function sendFollowingRedirects(
  signer: Signer | DescriptionSigner,
  settings: FetchSettings,
  first: RequestParts,
  overrides?: SignOverrides,
  presigned?: Request,
): Promise<Outcome> {
  const internals = signerInternals(signer)
  const mode = first.init.redirect ?? 'follow'
  const origin = new URL(first.url).origin
  let parts = first
  let signed = true
  for (let redirects = 0; ; redirects++) {
    let message: HttpRequestMessage | undefined
    let response: Response
    const given = redirects === 0 ? presigned : undefined
    if (signed && given === undefined && settings.direct) {
      // The global fetch gets (url, init) and builds the one Request it sends: a Request handed
      // to Node's fetch is wrapped in another, its signal followed (see signInit).
      let init: RequestInit
      ;({ init, message } = await internals.signInit(parts, overrides, 'manual'))
      response = await globalThis.fetch(parts.url, init)
    } else if (signed && given === undefined) {
      let request: Request
      ;({ request, message } = await internals.signParts(parts, overrides, 'manual'))
      response = await settings.send(request)
    } else {
      // Sent as it is: a first attempt signed already (the ky hooks), or a hop off the origin.
      const request = given === undefined ? toRequest(parts, parts.headers, 'manual') : new Request(given, { redirect: 'manual' })
      message = settings.verification === undefined ? undefined : await (await fullCore()).fromFetchRequest(request.clone())
      response = await settings.send(request)
    }
    // A browser hides the target of a manual redirect (an opaque-redirect response): it can
    // neither be followed nor leak anything, so it goes back to the caller as is.
    if (mode !== 'follow' || response.type === 'opaqueredirect' || !isRedirect(response)) {
      if (mode === 'error' && isRedirect(response)) {
        discard(response)
        throw new TypeError('redirect refused by redirect mode "error"')
      }
      return { response, message, signed }
    }
    let hop: Hop | undefined
    try {
      hop = (await import('./redirect.ts')).nextHop(response, parts, redirects, settings, origin, signed)
    } catch (err) {
      discard(response)
      throw err
    }
    if (hop === undefined) return { response, message, signed }
    discard(response)
    ;({ parts, signed } = hop)
  }
}

/**
 * Verify the final response when the settings ask for it.
 *
 * @throws {SignetError} the coded verification failure; the response body is cancelled.
 */
async function checkResponse(settings: FetchSettings, outcome: Outcome): Promise<void> {
  if (settings.verification === undefined) return
  try {
    const { verifySignedResponse } = await import('./verify-response.ts')
    await verifySignedResponse(outcome.response, outcome.message as HttpRequestMessage, settings.verification)
  } catch (err) {
    discard(outcome.response)
    throw err
  }
}

/**
 * Wrap a fetch so every request it sends is signed.
 *
 * @param signer - from `createSigner`, or any object with its `sign(description)` method (the
 * lean signer, another scheme's signer): each request and each same-origin redirect is signed
 * through it; clock-skew and Accept-Signature retries need a signer of `createSigner`.
 * @param options - see {@link SignedFetchOptions}.
 * @returns a function with `fetch`'s signature.
 * @throws {TypeError} or {RangeError} naming the option at fault.
 * @example
 * ```ts
 * const fetchSigned = signedFetch(createSigner({ key, keyId: 'client-1' }))
 * const response = await fetchSigned('https://api.example/orders', { method: 'POST', body: '{}' })
 * ```
 */
export function signedFetch(signer: Signer | DescriptionSigner | ProfileSignerLike, options: SignedFetchOptions = {}): SignedFetch {
  if (isProfileSigner(signer)) return profileSignedFetch(signer, options)
  const internals = signerInternals(signer)
  const settings = checkFetchOptions(options)
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // A URL with a string or byte body is read as it is: the one Request built is the signed
    // one (plain fetch builds one too), so signing adds no Request and no stream read.
    const direct = directParts(input, init, internals.maxBodyBytes)
    if (direct !== undefined) return runSigned(signer, settings, direct)
    const request = requestOf(input, init)
    const parts = await internals.readParts(request)
    return runSigned(signer, settings, parts)
  }
}

/** {@link signedFetch} for a profile signer (Binance, SigV4, draft-cavage, webhooks). */
function profileSignedFetch(signer: ProfileSignerLike, options: SignedFetchOptions): SignedFetch {
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('"fetch" expected a function')
  const own = options.fetch as FetchLike | undefined
  // Loaded with the first request: a bundle that signs with createSigner never needs it.
  return async (input: RequestInfo | URL, init?: RequestInit) => (await import('./profile-fetch.ts')).sendWithProfile(signer, requestOf(input, init), own)
}

/**
 * The whole exchange for one request: send (following redirects), retry once after a
 * clock-skew 401 and once after an Accept-Signature 401, verify the final response.
 *
 * @param signer - from `createSigner`.
 * @param settings - from {@link checkFetchOptions}.
 * @param parts - the unsigned request content (body read once).
 * @param presigned - the first attempt, already signed (the ky hooks sign before fetch runs).
 * @returns the final response.
 * @throws {SignetError} local failures before I/O, or response verification failures.
 */
export async function runSigned(signer: Signer | DescriptionSigner, settings: FetchSettings, parts: RequestParts, presigned?: Request): Promise<Response> {
  const internals = signerInternals(signer)
  const state = { clockRetried: false, acceptRetried: false }
  let overrides: SignOverrides | undefined
  let first: Request | undefined = presigned
  for (;;) {
    const outcome = await sendFollowingRedirects(signer, settings, parts, overrides, first)
    first = undefined
    // Only a signer of createSigner learns a clock offset or changes its profile; the retry
    // logic loads with the first 401 it could cure.
    let next =
      outcome.response.status === 401 && outcome.signed && isFullSigner(signer)
        ? await (await import('./retry.ts')).retryAfter(signer, internals.expiresSeconds, settings, outcome.response, state)
        : undefined
    if (next !== undefined && next !== null) {
      // The retry meeting Accept-Signature is signed before the 401 is let go: a demand this
      // request cannot meet (a field it does not carry, a query parameter it lacks) leaves the
      // server's answer as the result, rather than a local signing error that hides it.
      try {
        first = (await internals.signParts(parts, next, 'manual')).request
      } catch (err) {
        if (!(err instanceof SignetError)) throw err
        next = undefined
      }
    }
    if (next === undefined) {
      await checkResponse(settings, outcome)
      return outcome.response
    }
    discard(outcome.response)
    if (next !== null) overrides = next
  }
}
