/**
 * The verifier's public shapes (what `createVerifier` takes and gives) and the record of an
 * accepted signature that the stages pass on. Types only: every stage module and `verifier.ts`
 * import them from here, so no stage imports the module that composes it.
 *
 * @module
 */
import type { AlgorithmName, BackendName, HttpMessage, HttpRequestMessage, ParsedSignature, RateLimitState, SignetErrorCode } from '@signet/core'
import type { ForwardedHeader, ForwardedInfo } from '../client-ip.ts'
import type { KeyRecord, KeyResolver } from '../key-record.ts'
import type { NonceStore } from '../nonce-store.ts'
import type { ResolvedLimits, ResolvedPolicy, VerifierLimits, VerifierPolicy } from '../policy.ts'
import type { ProfileVerifierLike } from '../profile-hook.ts'

/** What a verified request proves: who signed it, and what the signature covers. */
export interface VerifiedIdentity {
  /** The key id the signature named and the key record it resolved to. */
  readonly keyid: string
  readonly owner: string | undefined
  readonly scopes: readonly string[]
  /** The signature's label (e.g. `sig1`). */
  readonly label: string
  readonly alg: AlgorithmName
  /** Covered components, as serialized identifiers (`"@method"`, `"@query-param";name="id"`). */
  readonly components: readonly string[]
  /** The signature parameters as received. */
  readonly params: Readonly<Record<string, string | number | boolean>>
  /** The client address the IP rules saw, when known. */
  readonly clientIp: string | undefined
  /** The key record's own label, when it has one. */
  readonly keyLabel: string | undefined
  /**
   * The body bytes the signature and `Content-Digest` were checked against, or undefined for
   * none. `verify(request)` reads a Fetch `Request`'s body once, consuming it: read these.
   */
  readonly body: Uint8Array | undefined
  /**
   * The rate limits and credits this request drew on, after it (what `admit` answered): the
   * adapters send them as `RateLimit-Policy` and `RateLimit` on the response, so a client can
   * pace itself before it meets a 429. Absent when no limit applies.
   */
  readonly rateLimits?: readonly RateLimitState[] | undefined
}

/** What an `admit` hook may answer for an admitted request: the state of its limits. */
export interface Admitted {
  readonly rateLimits?: readonly RateLimitState[] | undefined
}

/** A usage or audit event (CONTRACTS.md "Usage events"). */
export interface VerificationEvent {
  keyid?: string
  ip?: string
  /** Unix milliseconds. */
  time: number
  code?: SignetErrorCode
  label?: string
}

/** Options of `createVerifier` (verifier.ts). */
export interface VerifierOptions {
  /** Where key ids are looked up: a resolver, or an array or map of key records. */
  readonly keys: KeyResolver | readonly KeyRecord[] | ReadonlyMap<string, KeyRecord>
  readonly policy?: VerifierPolicy | undefined
  /**
   * Replay store. Default: a `MemoryNonceStore` (bounded, expiring, this process only;
   * use a `RedisNonceStore` when several processes verify). `false` turns replay protection off,
   * and then `nonce` is not required unless the policy says so.
   */
  readonly nonces?: NonceStore | false | undefined
  /** Clock, unix milliseconds. Default `Date.now`. */
  readonly clock?: (() => number) | undefined
  /** Proxies whose `Forwarded` / `X-Forwarded-For` fields are believed. Default: none. */
  readonly trustedProxies?: readonly string[] | undefined
  /**
   * The one forwarding field the trusted proxies write, required with `trustedProxies`:
   * `'x-forwarded-for'` (read with `X-Forwarded-Proto`) or `'forwarded'` (RFC 7239). The other
   * field is never read.
   */
  readonly forwardedHeader?: ForwardedHeader | undefined
  /** Believe `CF-Connecting-IP` (deployments on Cloudflare Workers only). Default false. */
  readonly cfConnectingIp?: boolean | undefined
  /**
   * The authorities (`host` or `host:port`) this service answers for. A request for any other
   * (its `Host`, an absolute-form target, or HTTP/2 `:authority`) is refused with 421
   * `ERR_AUTHORITY_MISMATCH` before any key is looked up, so a request captured on its way to
   * another service that shares the keys cannot be replayed here. Compared as RFC 9110
   * section 4.2.3 normalizes them: host case-insensitive, a scheme's default port optional.
   * Default: every authority.
   */
  readonly authorities?: readonly string[] | undefined
  /**
   * The last stage, after the signature, the nonce and the scopes held: rate limits and
   * credits (a registry's `admission()`). Throw (`ERR_RATE_LIMITED`, `ERR_CREDITS_EXHAUSTED`)
   * to refuse; the refusal reaches `onRejected` with the key id. A request refused earlier (IP,
   * signature, scope) never reaches it, so it never uses quota. It may answer the state of the
   * limits the request drew on ({@link Admitted}); the identity then carries it as `rateLimits`.
   */
  readonly admit?: ((identity: VerifiedIdentity) => void | Admitted | undefined | Promise<void | Admitted | undefined>) | undefined
  /** Called after each accepted request; errors are swallowed, never awaited. */
  readonly onVerified?: ((event: VerificationEvent) => void | Promise<void>) | undefined
  /** Called after each refused request; errors are swallowed, never awaited. */
  readonly onRejected?: ((event: VerificationEvent) => void | Promise<void>) | undefined
  readonly limits?: VerifierLimits | undefined
  /** Structured types of fields for `;sf` and `;key` (RFC 9421 section 2.1.1). */
  readonly fieldTypes?: Readonly<Record<string, 'item' | 'list' | 'dictionary'>> | undefined
  /**
   * The crypto backend for every verification (default: the fastest present for each key, see
   * docs/backends.md). A named backend that cannot run here refuses with `ERR_BACKEND_UNAVAILABLE`.
   */
  readonly backend?: BackendName | undefined
  /**
   * Other signing schemes accepted on the same route (verifiers from `@signet/profiles`): a
   * request without `Signature-Input` goes to the first whose scheme it carries (profile-hook.ts).
   */
  readonly profiles?: readonly ProfileVerifierLike[] | undefined
}

/** Per-request options of {@link Verifier.verify}. */
export interface VerifyRequestOptions {
  /**
   * The socket peer's address as the runtime reports it. Forwarding fields are applied on top
   * when this peer is a trusted proxy.
   */
  readonly clientIp?: string | undefined
  /** Scopes the route needs; the key must have every one (403 `ERR_SCOPE_DENIED`). */
  readonly requiredScopes?: readonly string[] | undefined
}

/** A configured verifier. */
export interface Verifier {
  /**
   * Verify one request.
   *
   * @returns the verified identity.
   * @throws {SignetError} with a stable code; map it to a response with `problemFor`.
   */
  verify(input: Request | HttpMessage, options?: VerifyRequestOptions): Promise<VerifiedIdentity>
  /** The policy with defaults filled in (for challenges). */
  readonly policy: ResolvedPolicy
  readonly limits: ResolvedLimits
  /** The client address and scheme after applying the trusted-proxy rules. */
  forwarded(peerIp: string | undefined, fields: HttpRequestMessage['fields']): ForwardedInfo
  /**
   * The verifier's clock (the `clock` option, default `Date.now`), unix milliseconds. Adapters
   * put it in the `Date` of a refusal, so a client learns its offset from the clock that judged
   * `created` and `expires`, not from the host's.
   */
  now(): number
  /**
   * Report a refusal decided outside {@link Verifier.verify} to the `onRejected` hook, with the
   * same event shape: an adapter that could not read the body (413, client abort), or a route's
   * second mount refusing a scope the first mount's identity lacks. Without a hook it does
   * nothing; it never throws and never waits for the hook.
   */
  reject(error: unknown, context?: RejectionContext): void
}

/** What an adapter knows about a request it refused itself (see {@link Verifier.reject}). */
export interface RejectionContext {
  /** The client address, after the trusted-proxy rules (`forwarded(...).clientIp`). */
  readonly clientIp?: string | undefined
  /** The key id, when a verified identity was already known. */
  readonly keyid?: string | undefined
  /** The signature label, when a verified identity was already known. */
  readonly label?: string | undefined
}

/**
 * A signature that passed every stage up to the signature and the digest: what the nonce,
 * scope and identity stages read.
 *
 * @internal
 */
export interface Accepted {
  readonly candidate: ParsedSignature
  readonly record: KeyRecord
  readonly keyid: string
  readonly alg: AlgorithmName
  readonly components: readonly string[]
  readonly body: Uint8Array | undefined
}
