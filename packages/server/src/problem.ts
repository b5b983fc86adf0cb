/**
 * Error responses: every refusal becomes an RFC 9457 `application/problem+json` body carrying
 * the stable Signet `code`, with the status DESIGN.md assigns to its kind.
 *
 * A 401 carries `Accept-Signature` (RFC 9421 section 5.1) saying what a signature must cover and
 * carry to be accepted, so a client can meet the policy without out-of-band knowledge, plus a
 * `WWW-Authenticate` challenge (RFC 9110 section 11.6.1 requires one on every 401) and a `Date`
 * the client can learn its clock offset from. A 503 carries `Retry-After`. Messages in the body
 * are the error's own message, which never includes key material (errors.ts).
 *
 * The result is plain data so the Node adapters can write it without building a Fetch `Response`.
 *
 * @module
 */
import { isSignetError, parseComponentIdentifier, serializeAcceptSignature } from '@signet/core/verifying'
import type { RateLimitState, SignetErrorCode } from '@signet/core'
import type { ResolvedPolicy } from './policy.ts'

/** A response as plain data. */
export interface ProblemResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  413: 'Content Too Large',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

const STATUS: Partial<Record<SignetErrorCode, number>> = {
  ERR_MALFORMED_MESSAGE: 400,
  ERR_MALFORMED_FIELD: 400,
  ERR_FIELD_TOO_LARGE: 400,
  ERR_TOO_MANY_SIGNATURES: 400,
  ERR_TOO_MANY_COMPONENTS: 400,
  ERR_UNKNOWN_COMPONENT: 400,
  ERR_DUPLICATE_COMPONENT: 400,
  ERR_INVALID_COMPONENT: 400,
  ERR_AMBIGUOUS_QUERY_PARAM: 400,
  ERR_INVALID_PARAMETER: 400,
  ERR_DIGEST_UNSUPPORTED: 400,
  ERR_BODY_TOO_LARGE: 413,
  // The application drained the body before Signet saw it: a server fault, not the caller's.
  ERR_BODY_USED: 500,
  ERR_IP_DENIED: 403,
  // RFC 9110 section 15.5.20: the request was directed at a server that does not serve its authority.
  ERR_AUTHORITY_MISMATCH: 421,
  ERR_SCOPE_DENIED: 403,
  ERR_RATE_LIMITED: 429,
  ERR_CREDITS_EXHAUSTED: 429,
  ERR_STORE_UNAVAILABLE: 503,
}

/**
 * The HTTP status for an error code: 400 malformed, 401 missing or invalid signature (the
 * default), 403 IP or scope, 413 body too large, 421 another authority, 429 limits, 503 store
 * unreachable.
 *
 * @example statusForCode('ERR_SCOPE_DENIED') // 403
 */
export function statusForCode(code: string): number {
  return STATUS[code as SignetErrorCode] ?? 401
}

function sfString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * The `Accept-Signature` value (RFC 9421 section 5.1) describing what `policy` requires: the
 * components, and the parameters wanted (`created`, `nonce`, `keyid` as requests without a
 * prescribed value; `tag` with its value).
 *
 * @example acceptSignatureFor(policy) // 'sig1=("@method" "@target-uri" "content-digest");created;nonce;keyid'
 */
export function acceptSignatureFor(policy: ResolvedPolicy, options: { withBody?: boolean } = {}): string {
  const components = [...policy.advertisedComponents]
  if (policy.requireContentDigest && options.withBody !== false && !components.includes('"content-digest"')) components.push('"content-digest"')
  const params: Record<string, string | number | boolean> = {}
  if (policy.requireCreated) params['created'] = true
  if (policy.requireNonce) params['nonce'] = true
  params['keyid'] = true
  for (const p of policy.requiredParameters) if (params[p] === undefined && p !== 'tag') params[p] = true
  if (policy.tag !== undefined) params['tag'] = policy.tag
  return serializeAcceptSignature([{ label: policy.label ?? 'sig1', components: components.map((c) => parseComponentIdentifier(c)), params }])
}

/** Options for {@link problemFor}. */
export interface ProblemOptions {
  /** The verifier's resolved policy, for the `Accept-Signature` challenge on 401. */
  readonly policy?: ResolvedPolicy | undefined
  /** `realm` of the `WWW-Authenticate` challenge. Default `signet`. */
  readonly realm?: string | undefined
  /** Unix milliseconds for the `Date` field. Default `Date.now()`. */
  readonly now?: number | undefined
  /** Whether the request had a body (the challenge then asks for `content-digest`). */
  readonly withBody?: boolean | undefined
}

/**
 * `RateLimit-Policy`, `RateLimit` (draft-ietf-httpapi-ratelimit-headers: one list member per
 * policy, `q` quota and `w` window in the policy, `r` remaining and `t` seconds to reset in the
 * state) and `Retry-After` for a refusal that carries its limits (`LimitExceededError`, read
 * by shape so a copy from another package instance works too).
 */
function rateLimitFields(error: unknown): Record<string, string> {
  const e = error as { retryAfterSeconds?: unknown; policies?: unknown }
  if (typeof e !== 'object' || e === null || typeof e.retryAfterSeconds !== 'number' || !Array.isArray(e.policies)) return {}
  return { 'retry-after': String(Math.max(1, Math.ceil(e.retryAfterSeconds))), ...limitFields(e.policies as RateLimitState[]) }
}

/** The two draft fields for a list of policies; names that are not tokens are left out. */
function limitFields(states: readonly RateLimitState[]): Record<string, string> {
  const policies = states.filter((p) => typeof p?.name === 'string' && /^[a-z][a-z0-9_-]{0,31}$/.test(p.name))
  if (policies.length === 0) return {}
  const whole = (n: number): number => Math.max(0, Math.ceil(n))
  return {
    'ratelimit-policy': policies.map((p) => `${sfString(p.name)};q=${whole(p.quota)};w=${whole(p.windowSeconds)}`).join(', '),
    ratelimit: policies.map((p) => `${sfString(p.name)};r=${whole(p.remaining)};t=${whole(p.resetSeconds)}`).join(', '),
  }
}

/**
 * The `RateLimit-Policy` and `RateLimit` fields of an accepted request whose key has limits
 * (the identity's `rateLimits`, from a registry's admission): what is left after it, so a
 * client paces itself before a 429. Empty when no limit applies. The adapters send these; a
 * handler that writes its own response can too.
 *
 * @param identity - the verified identity.
 * @returns lower-case field names and values.
 * @example
 * ```ts
 * for (const [name, value] of Object.entries(rateLimitHeaders(identity))) response.headers.set(name, value)
 * ```
 */
export function rateLimitHeaders(identity: { readonly rateLimits?: readonly RateLimitState[] | undefined }): Record<string, string> {
  const states = identity.rateLimits
  return Array.isArray(states) && states.length > 0 ? limitFields(states) : {}
}

/**
 * Turn any error into a problem response. A non-Signet error is a 500 with a generic message:
 * its text may describe internals and is not sent.
 *
 * @example
 * ```ts
 * const p = problemFor(err, { policy: verifier.policy })
 * return new Response(p.body, { status: p.status, headers: p.headers })
 * ```
 */
export function problemFor(error: unknown, options: ProblemOptions = {}): ProblemResponse {
  const coded = isSignetError(error)
  const code = coded ? error.code : 'ERR_INTERNAL'
  const status = coded ? statusForCode(code) : 500
  const detail = coded ? error.message : 'internal error'
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    date: new Date(options.now ?? Date.now()).toUTCString(),
  }
  if (status === 401) {
    headers['www-authenticate'] = `Signature realm=${sfString(options.realm ?? 'signet')}`
    if (options.policy !== undefined) {
      headers['accept-signature'] = acceptSignatureFor(options.policy, options.withBody === undefined ? {} : { withBody: options.withBody })
    }
  }
  if (status === 503 || status === 429) headers['retry-after'] = '1'
  if (status === 429) Object.assign(headers, rateLimitFields(error))
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_TEXT[status] ?? 'Error', status, code, detail })
  return { status, headers, body }
}

/** The same as {@link problemFor}, as a Fetch `Response` (for fetch-style runtimes). */
export function problemResponse(error: unknown, options: ProblemOptions = {}): Response {
  const p = problemFor(error, options)
  return new Response(p.body, { status: p.status, headers: p.headers })
}
