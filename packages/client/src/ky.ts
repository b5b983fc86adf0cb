/**
 * `@signet/client/ky`, the ky integration (a subpath of its own: ky is an optional peer, and
 * these declarations import its types): hooks that sign in `beforeRequest` and sign afresh in `beforeRetry`.
 *
 * ky (2.x) clones the request it sent to prepare a retry, so the clone still carries the old
 * `Signature`: sending it again would reuse `created` and `nonce`, which a verifier with a
 * nonce store refuses as a replay (RFC 9421 section 7.2.2). `beforeRetry` therefore replaces
 * the old signature with a new one. Hooks take one state object and return the new `Request`,
 * which is ky's protocol for replacing the request.
 *
 * ky's own fetch follows redirects to any origin, so the bare hooks send signed requests with
 * `redirect: 'manual'`; {@link kySigner} also supplies a `fetch` that follows redirects by hand,
 * so a signature never reaches another origin (see `redirect.ts`), and handles the clock-skew
 * and Accept-Signature retries that ky's retry policy (which skips 401) would not.
 *
 * `ky` is a peer dependency and only its types are imported here.
 *
 * @module
 */
import type { BeforeRequestHook, BeforeRequestState, BeforeRetryHook, BeforeRetryState } from 'ky'
import { sendWithProfile } from './profile-fetch.ts'
import { isProfileSigner } from './profile-signer.ts'
import type { ProfileSignerLike } from './profile-signer.ts'
import { checkFetchOptions, runSigned } from './signed-fetch.ts'
import type { SignedFetchOptions } from './signed-fetch.ts'
import { signerInternals } from './signer.ts'
import type { Signer } from './signer.ts'

/** Hooks to put in ky's `hooks` option. */
export interface SignetKyHooks {
  readonly beforeRequest: BeforeRequestHook[]
  readonly beforeRetry: BeforeRetryHook[]
}

/** Options to pass to `ky.create` / `ky.extend`: the hooks and a redirect-safe `fetch`. */
export interface SignetKyOptions {
  readonly hooks: SignetKyHooks
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>
}

// `manualRedirect`: requests signed by the bare hooks go out with `redirect: 'manual'`, since
// ky's own fetch would follow a redirect to any origin with the signature attached; with
// `kySigner`, its fetch follows redirects safely and the request keeps its mode.
function makeHooks(signer: Signer, manualRedirect: boolean): SignetKyHooks {
  const internals = signerInternals(signer)
  const sign = async (request: Request): Promise<Request> => {
    const parts = await internals.readParts(request)
    return (await internals.signParts(parts, undefined, manualRedirect ? 'manual' : undefined)).request
  }
  const beforeRequest: BeforeRequestHook = (state: BeforeRequestState): Promise<Request> => sign(state.request)
  // The clone ky hands to a retry carries the previous signature; signing replaces the member
  // under the signer's label, with a new `created` and `nonce`.
  const beforeRetry: BeforeRetryHook = (state: BeforeRetryState): Promise<Request> => sign(state.request)
  return { beforeRequest: [beforeRequest], beforeRetry: [beforeRetry] }
}

/**
 * ky hooks that sign every request and re-sign every retry.
 *
 * Redirects: the signed request is sent with `redirect: 'manual'`, so a redirect comes back to
 * ky as a 3xx response (an `HTTPError` by default) instead of carrying the signature
 * elsewhere. Use {@link kySigner} to have redirects followed safely.
 *
 * @param signer - from `createSigner`.
 * @returns `{ beforeRequest, beforeRetry }` hook lists.
 * @throws {TypeError} when `signer` did not come from `createSigner`.
 * @example
 * ```ts
 * const api = ky.create({ prefix: 'https://api.example', hooks: signetKyHooks(signer) })
 * ```
 */
export function signetKyHooks(signer: Signer | ProfileSignerLike): SignetKyHooks {
  if (isProfileSigner(signer)) return profileHooks(signer)
  return makeHooks(signer, true)
}

/** ky hooks for a profile signer: sign before each request and each retry. */
function profileHooks(signer: ProfileSignerLike): SignetKyHooks {
  // Redirects are not followed with the signature attached (ky's own fetch would follow any).
  const sign = (request: Request): Promise<Request> => signer.sign(new Request(request, { redirect: 'manual' }))
  return { beforeRequest: [(state) => sign(state.request)], beforeRetry: [(state) => sign(state.request)] }
}

/**
 * Everything ky needs to sign with Signet: the hooks, and a `fetch` that follows redirects by
 * hand (re-signed on the same origin, stripped of signatures on another one), learns the clock
 * offset from a clock-skew 401 and meets an `Accept-Signature` 401 (each retried once, signed
 * afresh), and can verify signed responses.
 *
 * @param signer - from `createSigner`.
 * @param options - the options of `signedFetch` (its `fetch` is the one ky's requests go to).
 * @returns options to spread into `ky.create`.
 * @throws {TypeError} or {RangeError} naming the option at fault.
 * @example
 * ```ts
 * const api = ky.create({ prefix: 'https://api.example', ...kySigner(signer) })
 * ```
 */
export function kySigner(signer: Signer | ProfileSignerLike, options: SignedFetchOptions = {}): SignetKyOptions {
  if (isProfileSigner(signer)) {
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('"fetch" expected a function')
    const own = options.fetch as ((r: Request) => Promise<Response>) | undefined
    // The fetch signs every attempt (first, redirects, the signer's retry), so the hooks need not.
    const fetch = (resource: string | URL | Request, init?: RequestInit): Promise<Response> =>
      sendWithProfile(signer, resource instanceof Request && init === undefined ? resource : new Request(resource, init), own)
    return { hooks: { beforeRequest: [], beforeRetry: [] }, fetch }
  }
  const hooks = makeHooks(signer, false)
  const settings = checkFetchOptions(options)
  const internals = signerInternals(signer)
  const fetch = async (resource: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // ky always hands over a Request; anything else is made one, as fetch itself would.
    const input = resource instanceof Request && init === undefined ? resource : new Request(resource, init)
    // The parts are the request as ky built it, minus this signer's signature, for re-signing
    // a redirect or a retry; the first attempt goes out exactly as the hook signed it.
    const parts = await internals.readParts(input.clone())
    // Loaded with the first retry: the structured-field parser is not needed before.
    await (await import('./kept-members.ts')).removeSignatureMember(parts.headers, signer.label)
    return runSigned(signer, settings, parts, input)
  }
  return { hooks, fetch }
}
