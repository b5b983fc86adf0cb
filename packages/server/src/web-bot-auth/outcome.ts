/**
 * The three outcomes of Web Bot Auth verification (draft-ietf-webbotauth-httpsig-protocol
 * appendix "Verifier Outcomes"), so a site can branch on them:
 *
 * - `verified`: the signature and the key material validate; `agent` is the directory
 *   identifier the key came from (or undefined for a key known by other means).
 * - `invalid`: a signature that fails: tampered, expired, wrong key, replayed nonce.
 * - `unverified`: nothing to decide with: no signature, no key for the `keyid`, or a directory
 *   that cannot be reached or is refused. Not evidence either way (section "Discovery Failure").
 *
 * @module
 */
import { isSignetError } from '@signet/core/verifying'
import type { HttpMessage, SignetErrorCode } from '@signet/core'
import type { VerifiedIdentity, Verifier, VerifyRequestOptions } from '../verifier.ts'

/** The outcome of one request. */
export type AgentOutcome =
  | { readonly outcome: 'verified'; readonly identity: VerifiedIdentity; readonly agent: string | undefined }
  | { readonly outcome: 'invalid'; readonly code: SignetErrorCode; readonly error: unknown }
  | { readonly outcome: 'unverified'; readonly code: SignetErrorCode; readonly error: unknown }

const UNVERIFIED: ReadonlySet<string> = /* @__PURE__ */ new Set<SignetErrorCode>([
  'ERR_SIGNATURE_MISSING',
  'ERR_KEY_NOT_FOUND',
  'ERR_DIRECTORY_UNAVAILABLE',
  'ERR_DIRECTORY_REFUSED',
  'ERR_TAG_MISMATCH',
  'ERR_LABEL_NOT_FOUND',
])

/**
 * Classify a refusal: `unverified` when nothing could be decided, else `invalid`.
 *
 * @param error - what `verifier.verify` threw.
 * @returns `'unverified'` or `'invalid'`.
 * @throws the error itself when it is not a Signet error (a bug, not an outcome), or a store
 *   outage (`ERR_STORE_UNAVAILABLE`), which the site must answer with 503 either way.
 * @example
 * ```ts
 * try { await verifier.verify(request) } catch (error) { if (agentOutcome(error) === 'invalid') block() }
 * ```
 */
export function agentOutcome(error: unknown): 'invalid' | 'unverified' {
  if (!isSignetError(error) || error.code === 'ERR_STORE_UNAVAILABLE') throw error
  return UNVERIFIED.has(error.code) ? 'unverified' : 'invalid'
}

/**
 * Verify a request and return its outcome instead of throwing.
 *
 * @param verifier - a verifier whose keys include `directoryKeys()`.
 * @param input - the request.
 * @param options - per-request options, as for `verify`.
 * @returns the {@link AgentOutcome}.
 * @throws what {@link agentOutcome} rethrows.
 * @example
 * ```ts
 * const result = await verifyAgent(verifier, request)
 * if (result.outcome === 'verified') console.log('agent', result.agent)
 * ```
 */
export async function verifyAgent(verifier: Verifier, input: Request | HttpMessage, options?: VerifyRequestOptions): Promise<AgentOutcome> {
  try {
    const identity = await verifier.verify(input, options)
    return { outcome: 'verified', identity, agent: identity.keyLabel === 'web-bot-auth' ? identity.owner : undefined }
  } catch (error) {
    const outcome = agentOutcome(error)
    return { outcome, code: (error as { code: SignetErrorCode }).code, error }
  }
}
