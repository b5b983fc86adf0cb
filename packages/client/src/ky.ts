/**
 * ky integration: hooks that sign in `beforeRequest` and sign afresh in `beforeRetry`.
 *
 * ky (2.x) clones the request it sent to prepare a retry, so the clone still carries the old
 * `Signature`: sending it again would reuse `created` and `nonce`, which a verifier with a
 * nonce store refuses as a replay (RFC 9421 section 7.2.2). `beforeRetry` therefore replaces
 * the old signature with a new one. Hooks take one state object and return the new `Request`,
 * which is ky's protocol for replacing the request.
 *
 * ky follows redirects through its `fetch` option; {@link kySigner} also supplies a `fetch` that
 * follows them by hand, so a signature never reaches another origin (see `redirect.ts`).
 *
 * `ky` is a peer dependency and only its types are imported here.
 *
 * @module
 */
import type { BeforeRequestHook, BeforeRequestState, BeforeRetryHook, BeforeRetryState } from 'ky'
import { checkFetchOptions, checkResponse, sendFollowingRedirects } from './signed-fetch.ts'
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
  readonly fetch: (input: Request) => Promise<Response>
}

/**
 * ky hooks that sign every request and re-sign every retry.
 *
 * @param signer - from `createSigner`.
 * @returns `{ beforeRequest, beforeRetry }` hook lists.
 * @throws {TypeError} when `signer` did not come from `createSigner`.
 * @example
 * ```ts
 * const api = ky.create({ prefix: 'https://api.example', hooks: signetKyHooks(signer) })
 * ```
 */
export function signetKyHooks(signer: Signer): SignetKyHooks {
  signerInternals(signer)
  const beforeRequest: BeforeRequestHook = (state: BeforeRequestState): Promise<Request> => signer.sign(state.request)
  // The clone ky hands to a retry carries the previous signature; `sign` replaces the member
  // under the signer's label, with a new `created` and `nonce`.
  const beforeRetry: BeforeRetryHook = (state: BeforeRetryState): Promise<Request> => signer.sign(state.request)
  return { beforeRequest: [beforeRequest], beforeRetry: [beforeRetry] }
}

/**
 * Everything ky needs to sign with Signet: the hooks and a `fetch` that follows redirects by
 * hand (re-signed on the same origin, stripped of signatures on another one) and can verify
 * signed responses.
 *
 * @param signer - from `createSigner`.
 * @param options - the redirect and response-verification options of `signedFetch` (its
 * retries on 401 are ky's business here and are not applied).
 * @returns options to spread into `ky.create`.
 * @throws {TypeError} or {RangeError} naming the option at fault.
 * @example
 * ```ts
 * const api = ky.create({ prefix: 'https://api.example', ...kySigner(signer) })
 * ```
 */
export function kySigner(signer: Signer, options: SignedFetchOptions = {}): SignetKyOptions {
  const hooks = signetKyHooks(signer)
  const settings = checkFetchOptions({ ...options, clockSkewRetry: false, acceptSignature: false })
  const internals = signerInternals(signer)
  const fetch = async (input: Request): Promise<Response> => {
    const parts = await internals.readParts(input.clone())
    const outcome = await sendFollowingRedirects(signer, settings, parts, undefined, input)
    await checkResponse(settings, outcome)
    return outcome.response
  }
  return { hooks, fetch }
}
