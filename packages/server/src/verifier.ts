/**
 * `createVerifier`: the server's decision on one request, in the order DESIGN.md fixes.
 *
 * parse (size limits) -> select the signature (tag or label; a label alone is chosen by the
 * sender, so a configured tag is always checked against it) -> required components and
 * parameters -> resolve the key (the `keyid` is untrusted input) -> key state and the algorithm
 * pinned to the key (RFC 9421 section 7.3.6) -> client IP against the key's lists -> `created`,
 * `expires` and max age with clock skew -> rebuild the base -> verify the signature -> recompute
 * `Content-Digest` over the received body -> record the nonce -> scopes -> admission (rate
 * limits and credits: `admit`) -> usage hooks.
 *
 * Cheap checks run before cryptography so a flood of junk costs little. The nonce is recorded
 * only after the signature and the digest hold, so nobody without the key can burn nonces
 * (DESIGN.md security defaults). When several signatures are present and the policy names no
 * label or tag, each candidate is tried in order and the first that verifies is used; only that
 * one's nonce is recorded.
 *
 * @module
 */
import {
  SignetError,
  checkTimes,
  normalizeAuthority,
  getAlgorithm,
  isSignetError,
  parseSignatures,
  requestMessage,
  selectSignatures,
  serializeComponentIdentifier,
  verifyMessageDigest,
  verifySignature,
} from '@signet/core'
import type { AlgorithmName, BackendName, HttpMessage, HttpRequestMessage, ParsedSignature, SignetErrorCode } from '@signet/core'
import { createForwarding } from './client-ip.ts'
import type { ForwardedHeader, Forwarding, ForwardedInfo } from './client-ip.ts'
import { ipAllowed } from './ip-rules.ts'
import { assertKeyUsable } from './key-record.ts'
import type { KeyRecord, KeyResolver } from './key-record.ts'
import { isNonceStore } from './nonce-store.ts'
import type { NonceStore } from './nonce-store.ts'
import { resolveLimits, resolvePolicy } from './policy.ts'
import type { ResolvedLimits, ResolvedPolicy, VerifierLimits, VerifierPolicy } from './policy.ts'
import { memoryKeys } from './resolvers/memory.ts'
import { MemoryNonceStore } from './nonce-stores/memory.ts'
import { checkProfiles, pickProfile, verifyWithProfile } from './profile-hook.ts'
import type { ProfileVerifierLike } from './profile-hook.ts'

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

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  /** Where key ids are looked up: a resolver, or an array or map of key records. */
  readonly keys: KeyResolver | readonly KeyRecord[] | ReadonlyMap<string, KeyRecord>
  readonly policy?: VerifierPolicy | undefined
  /**
   * Replay store. Default: a {@link MemoryNonceStore} (bounded, expiring, this process only;
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
   * signature, scope) never reaches it, so it never uses quota.
   */
  readonly admit?: ((identity: VerifiedIdentity) => void | Promise<void>) | undefined
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

type Candidate = ParsedSignature

interface Accepted {
  readonly candidate: Candidate
  readonly record: KeyRecord
  readonly keyid: string
  readonly alg: AlgorithmName
  readonly components: readonly string[]
  readonly body: Uint8Array | undefined
}

const NO_SCOPES: readonly string[] = Object.freeze([])

function fail(code: SignetErrorCode, message: string): never {
  throw new SignetError(code, message)
}

function fire(hook: ((event: VerificationEvent) => void | Promise<void>) | undefined, event: VerificationEvent): void {
  if (hook === undefined) return
  // Hooks never delay or change the decision: run them after the current task, swallow failures.
  queueMicrotask(() => {
    try {
      const result = hook(event)
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, () => {})
    } catch {
      // Deliberately ignored: a broken audit sink must not turn into refused requests.
    }
  })
}

/**
 * The `onRejected` event: the clock's time, and the key, label, client address and code when
 * known. One builder for `verify`'s own refusals and the adapters' (`reject`), so an audit sink
 * sees one shape.
 */
function rejectedEvent(time: number, error: unknown, keyid: string | undefined, label: string | undefined, ip: string | undefined): VerificationEvent {
  const event: VerificationEvent = { time }
  if (keyid !== undefined) event.keyid = keyid
  if (label !== undefined) event.label = label
  if (ip !== undefined) event.ip = ip
  if (isSignetError(error)) event.code = error.code
  return event
}

/** What a refusal's audit event reports: the client, and the key and label last tried. */
interface AuditBox {
  info?: ForwardedInfo
  keyid?: string
  label?: string
}

/** One request's candidate search. */
interface RunState {
  readonly message: HttpMessage
  readonly candidates: readonly Candidate[]
  readonly peer: ForwardedInfo
  readonly nowMs: number
  readonly box: AuditBox
  failed: boolean
  firstError: unknown
}

interface Covered {
  readonly covered: string[]
  readonly set: ReadonlySet<string>
}

// A client sends the same component list on every request; only the parameters change. The
// list's serialized form (the inner list up to its closing parenthesis) keys a small cache so
// identifiers are serialized once per distinct list, not once per request.
const coveredCache = new Map<string, Covered>()
const COVERED_CACHE_SIZE = 256

function componentListPrefix(serialized: string): string | undefined {
  let quoted = false
  for (let i = 1; i < serialized.length; i++) {
    const ch = serialized.charCodeAt(i)
    if (quoted) {
      if (ch === 0x5c) i++
      else if (ch === 0x22) quoted = false
    } else if (ch === 0x22) quoted = true
    else if (ch === 0x29) return serialized.slice(0, i + 1)
  }
  return undefined
}

function coveredComponents(candidate: ParsedSignature): Covered {
  const prefix = componentListPrefix(candidate.input.serialized)
  const hit = prefix === undefined ? undefined : coveredCache.get(prefix)
  if (hit !== undefined) return hit
  // Frozen: the same array is handed out in every identity built from this list.
  const covered = Object.freeze(candidate.input.components.map((c) => serializeComponentIdentifier(c))) as string[]
  const entry: Covered = { covered, set: new Set(covered) }
  if (prefix !== undefined) {
    if (coveredCache.size >= COVERED_CACHE_SIZE) coveredCache.clear()
    coveredCache.set(prefix, entry)
  }
  return entry
}

async function readLimited(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > maxBytes) {
      // Not awaited: the sender may never answer a cancel; the refusal does not wait for it.
      reader.cancel().catch(() => {})
      throw new SignetError('ERR_BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

function isHttpMessage(input: unknown): input is HttpMessage {
  if (typeof input !== 'object' || input === null) return false
  const kind = (input as { kind?: unknown }).kind
  return (kind === 'request' || kind === 'response') && Array.isArray((input as { fields?: unknown }).fields)
}

function toResolver(keys: VerifierOptions['keys']): KeyResolver {
  if (typeof keys === 'object' && keys !== null && typeof (keys as KeyResolver).resolve === 'function') return keys as KeyResolver
  if (Array.isArray(keys) || keys instanceof Map) return memoryKeys(keys as readonly KeyRecord[])
  throw new TypeError('"keys" expected a key resolver or an array of key records')
}

/**
 * The authority check of `options.authorities`, or undefined when every authority is accepted.
 * Normalized per scheme once, at creation: a request's authority is normalized with its own
 * scheme (dropping that scheme's default port) and looked up.
 *
 * @throws {TypeError} when the list or an entry is not an authority.
 */
function authorityPin(authorities: readonly string[] | undefined): ((message: HttpMessage) => void) | undefined {
  if (authorities === undefined) return undefined
  if (!Array.isArray(authorities) || authorities.length === 0) throw new TypeError('"authorities" expected a non-empty array of "host" or "host:port" strings')
  for (const a of authorities) {
    if (typeof a !== 'string' || !/^(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@\[\]:]+)(?::\d{1,5})?$/.test(a)) {
      throw new TypeError(`"authorities" expected "host" or "host:port" strings, got ${JSON.stringify(a)}`)
    }
  }
  const byScheme = new Map<string, ReadonlySet<string>>()
  const pinnedFor = (scheme: string): ReadonlySet<string> => {
    let set = byScheme.get(scheme)
    if (set === undefined) {
      set = new Set(authorities.map((a) => normalizeAuthority(a, scheme)))
      if (byScheme.size < 16) byScheme.set(scheme, set)
    }
    return set
  }
  return (message) => {
    if (message.kind !== 'request') return
    const scheme = message.scheme
    if (message.authority === '' || !pinnedFor(scheme).has(normalizeAuthority(message.authority, scheme))) {
      fail('ERR_AUTHORITY_MISMATCH', 'the request is for an authority this service does not answer for')
    }
  }
}

function parameterValue(value: unknown): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return String(value)
}

/**
 * Create a verifier. Every option is validated here, not per request.
 *
 * @throws {TypeError | RangeError} naming the option that is wrong.
 * @example
 * ```ts
 * const verifier = createVerifier({ keys: await jwksKeys(jwks), nonces: new MemoryNonceStore() })
 * const identity = await verifier.verify(request, { clientIp: '203.0.113.7', requiredScopes: ['orders:write'] })
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  const resolver = toResolver(options.keys)
  const resolverWantsContext = resolver.resolve.length >= 2
  if (options.nonces !== undefined && options.nonces !== false && !isNonceStore(options.nonces)) {
    throw new TypeError('"nonces" expected a NonceStore (an object with record(key, ttlMs)) or false')
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new TypeError('"clock" expected a function returning unix milliseconds')
  const clock = options.clock ?? Date.now
  // Secure by default (DESIGN.md): replay protection is on unless explicitly turned off.
  const nonces: NonceStore | undefined = options.nonces === false ? undefined : (options.nonces ?? new MemoryNonceStore({ now: clock }))
  const policy = resolvePolicy(options.policy, nonces !== undefined)
  const limits = resolveLimits(options.limits)
  for (const name of ['onVerified', 'onRejected', 'admit'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`"${name}" expected a function`)
  }
  if (policy.requireNonce && nonces === undefined) throw new TypeError('"policy.requireNonce" needs a nonce store in "nonces"')
  const checkAuthority = authorityPin(options.authorities)
  const admit = options.admit
  const forwarding: Forwarding = createForwarding({ trustedProxies: options.trustedProxies, forwardedHeader: options.forwardedHeader, cfConnectingIp: options.cfConnectingIp })
  const fieldTypes = options.fieldTypes
  const profiles = checkProfiles(options.profiles)

  // Size and count limits are enforced inside the parsers, before any cryptography.
  const parseLimits = { maxFieldLength: limits.maxFieldBytes, maxSignatures: limits.maxSignatures, maxComponents: limits.maxComponents }
  const selector = { label: policy.label, tag: policy.tag }
  if (options.backend !== undefined && !['native', 'webcrypto', 'pure'].includes(options.backend)) {
    throw new TypeError('"backend" expected "native", "webcrypto" or "pure"')
  }
  const verifyOptions = {
    algorithms: policy.algorithms === undefined ? undefined : ([...policy.algorithms] as AlgorithmName[]),
    fieldTypes,
    backend: options.backend,
  }

  function checkRequired(message: HttpMessage, candidate: Candidate): readonly string[] {
    const { covered, set } = coveredComponents(candidate)
    for (const alternatives of policy.requirements) {
      if (!alternatives.some((ids) => ids.every((id) => set.has(id)))) {
        const wanted = alternatives.map((ids) => ids.join(' + ')).join(' or ')
        fail('ERR_REQUIRED_COMPONENT', `the signature must cover ${wanted}`)
      }
    }
    const body = message.body
    if (policy.requireContentDigest && body !== undefined && body.length > 0 && !set.has('"content-digest"')) {
      fail('ERR_REQUIRED_COMPONENT', 'the signature must cover "content-digest" when there is a body')
    }
    const params = candidate.input.params
    if (typeof params.keyid !== 'string' || params.keyid === '') fail('ERR_REQUIRED_PARAMETER', 'the signature must carry a keyid')
    if (policy.requireCreated && params.created === undefined) fail('ERR_REQUIRED_PARAMETER', 'the signature must carry created')
    if (policy.requireNonce && params.nonce === undefined) fail('ERR_REQUIRED_PARAMETER', 'the signature must carry a nonce')
    for (const name of policy.requiredParameters) {
      if ((params as Record<string, unknown>)[name] === undefined) fail('ERR_REQUIRED_PARAMETER', `the signature must carry ${name}`)
    }
    if (params.nonce !== undefined && (typeof params.nonce !== 'string' || params.nonce === '' || params.nonce.length > limits.maxNonceLength)) {
      fail('ERR_INVALID_PARAMETER', `nonce must be a string of 1 to ${limits.maxNonceLength} characters`)
    }
    return covered
  }

  function checkSignatureTimes(candidate: Candidate, nowSeconds: number): void {
    const params = candidate.input.params
    checkTimes(params, {
      now: nowSeconds,
      // Whether created must be present is the policy's call (checked with the other parameters).
      maxAgeSeconds: params.created === undefined || policy.maxAgeSeconds === null ? undefined : policy.maxAgeSeconds,
      clockSkewSeconds: policy.clockSkewSeconds,
    })
  }

  // The pipeline is written with promise chains rather than async functions: each async frame
  // and each await is a promise and a trip through the microtask queue on every request, while
  // with a synchronous resolver, backend and nonce store the only asynchronous step left is
  // core's verifySignature. Steps that throw before it are caught by the caller (tryFrom,
  // verify) and become rejections, as from an async function.
  function attempt(message: HttpMessage, candidate: Candidate, peer: ForwardedInfo, nowMs: number): Promise<Accepted> {
    const components = checkRequired(message, candidate)
    const keyid = candidate.input.params.keyid as string
    // A synchronous resolver (memory, JWKS) is not waited for. Only a resolver that declares a
    // second parameter (a Web Bot Auth directory, a chain) gets the context built for it.
    const found = resolverWantsContext
      ? resolver.resolve(keyid, { message, label: candidate.label, components, tag: typeof candidate.input.params.tag === 'string' ? candidate.input.params.tag : undefined })
      : resolver.resolve(keyid)
    if (isThenable(found)) return found.then((record) => attemptWith(message, candidate, peer, nowMs, components, keyid, record))
    return attemptWith(message, candidate, peer, nowMs, components, keyid, found)
  }

  function attemptWith(
    message: HttpMessage,
    candidate: Candidate,
    peer: ForwardedInfo,
    nowMs: number,
    components: readonly string[],
    keyid: string,
    record: KeyRecord | undefined | null,
  ): Promise<Accepted> {
    const params = candidate.input.params
    if (record === undefined || record === null) fail('ERR_KEY_NOT_FOUND', 'unknown key id')
    if (record.id !== keyid) fail('ERR_KEY_ID_MISMATCH', 'the resolver returned a record for another key id')
    const nowSeconds = Math.floor(nowMs / 1000)
    assertKeyUsable(record, nowSeconds)
    const alg = record.key.algorithm.name
    // RFC 9421 section 7.3.6: the key decides the algorithm; an `alg` parameter may only agree.
    if (params.alg !== undefined) {
      if (typeof params.alg !== 'string') fail('ERR_INVALID_PARAMETER', 'alg must be a string')
      let named: AlgorithmName
      try {
        named = getAlgorithm(params.alg).name
      } catch {
        fail('ERR_ALG_MISMATCH', 'the alg parameter does not match the key')
      }
      if (named !== alg) fail('ERR_ALG_MISMATCH', 'the alg parameter does not match the key')
    }
    if (policy.algorithms !== undefined && !policy.algorithms.has(alg)) fail('ERR_ALG_NOT_ALLOWED', `the algorithm ${alg} is not accepted here`)
    if (!ipAllowed(peer.clientIp, record.allowIps, record.denyIps)) fail('ERR_IP_DENIED', 'the key may not be used from this address')
    checkSignatureTimes(candidate, nowSeconds)
    const accepted: Accepted = { candidate, record, keyid, alg, components, body: message.body }
    const verified = verifySignature(message, candidate, record.key, verifyOptions)
    // RFC 9421 section 7.2.8: covering Content-Digest protects the body only if the digest is recomputed.
    if (components.includes('"content-digest"')) return verified.then(() => verifyMessageDigest(message)).then(() => accepted)
    return verified.then(() => accepted)
  }

  /**
   * Try the candidates from `index` on; the first that verifies wins. A store outage stops the
   * search (fail closed); otherwise the first refusal is the one reported.
   */
  function tryFrom(state: RunState, index: number): Promise<Accepted> {
    const { candidates } = state
    for (let i = index; i < candidates.length; i++) {
      const candidate = candidates[i] as Candidate
      let pending: Promise<Accepted>
      try {
        pending = attempt(state.message, candidate, state.peer, state.nowMs)
      } catch (error) {
        refused(state, candidate, error)
        continue
      }
      // The last candidate's refusal is final; with no audit hook there is nothing to note.
      if (i + 1 === candidates.length && !state.failed && options.onRejected === undefined) return pending
      const next = i + 1
      return pending.then(undefined, (error: unknown) => {
        refused(state, candidate, error)
        return tryFrom(state, next)
      })
    }
    throw state.firstError
  }

  function refused(state: RunState, candidate: Candidate, error: unknown): void {
    // A store outage is not a property of this signature: stop and fail closed.
    if (isSignetError(error) && error.code === 'ERR_STORE_UNAVAILABLE') throw error
    if (!state.failed) {
      state.failed = true
      state.firstError = error
      if (typeof candidate.input.params.keyid === 'string') state.box.keyid = candidate.input.params.keyid
      state.box.label = candidate.label
    }
  }

  function nonceTtlMs(candidate: Candidate, nowMs: number): number {
    const { created, expires } = candidate.input.params
    let end = Infinity
    if (typeof created === 'number' && policy.maxAgeSeconds !== null) end = created + policy.maxAgeSeconds
    if (typeof expires === 'number') end = Math.min(end, expires)
    if (end === Infinity) return policy.nonceTtlSeconds * 1000
    return Math.max(1000, (end + policy.clockSkewSeconds) * 1000 - nowMs + 1000)
  }

  function run(message: HttpMessage, options: VerifyRequestOptions, box: AuditBox): Promise<VerifiedIdentity> {
    const peer = forwarding.resolve(options.clientIp, message.fields)
    // Set before the first refusal, so every audit event of this request names the client.
    box.info = peer
    if (message.body !== undefined && message.body.length > limits.maxBodyBytes) fail('ERR_BODY_TOO_LARGE', `the body exceeds ${limits.maxBodyBytes} bytes`)
    if (checkAuthority !== undefined) checkAuthority(message)
    const profile = profiles === undefined ? undefined : pickProfile(profiles, message)
    if (profile !== undefined) return runProfile(profile, message as HttpRequestMessage, options, peer, box)
    const candidates = selectSignatures(parseSignatures(message, parseLimits), selector)
    const nowMs = clock()
    const state: RunState = { message, candidates, peer, nowMs, box, failed: false, firstError: undefined }
    return tryFrom(state, 0).then((accepted) => finish(accepted, options, peer, nowMs, box))
  }

  function finish(accepted: Accepted, options: VerifyRequestOptions, peer: ForwardedInfo, nowMs: number, box: AuditBox): VerifiedIdentity | Promise<VerifiedIdentity> {
    box.keyid = accepted.keyid
    box.label = accepted.candidate.label
    const nonce = accepted.candidate.input.params.nonce
    if (nonces !== undefined && typeof nonce === 'string') {
      // Recorded only now, after the signature and the digest held.
      const recorded = nonces.record(`${accepted.keyid}\u0000${nonce}`, nonceTtlMs(accepted.candidate, nowMs), accepted.keyid)
      if (isThenable(recorded)) return recorded.then((fresh) => admitted(identityOf(accepted, options, peer, fresh)))
      return admitted(identityOf(accepted, options, peer, recorded))
    }
    return admitted(identityOf(accepted, options, peer, true))
  }

  /** The admission stage (`admit`): the identity, once the hook let it through. */
  function admitted(identity: VerifiedIdentity): VerifiedIdentity | Promise<VerifiedIdentity> {
    if (admit === undefined) return identity
    const decided = admit(identity)
    return isThenable(decided) ? decided.then(() => identity) : identity
  }

  function identityOf(accepted: Accepted, options: VerifyRequestOptions, peer: ForwardedInfo, fresh: boolean): VerifiedIdentity {
    if (!fresh) fail('ERR_NONCE_REPLAYED', 'the nonce was already used')
    const scopes = accepted.record.scopes ?? NO_SCOPES
    const required = options.requiredScopes
    if (required !== undefined) {
      for (const scope of required) {
        if (!scopes.includes(scope)) fail('ERR_SCOPE_DENIED', `the key lacks the scope ${JSON.stringify(scope)}`)
      }
    }
    const params = accepted.candidate.input.params
    const outParams: Record<string, string | number | boolean> = {}
    for (const name in params) {
      const value = (params as Record<string, unknown>)[name]
      if (value !== undefined) outParams[name] = parameterValue(value)
    }
    return {
      keyid: accepted.keyid,
      owner: accepted.record.owner,
      scopes: scopes.slice(),
      label: accepted.candidate.label,
      alg: accepted.alg,
      // The cached, frozen list (coveredComponents): nothing to copy.
      components: accepted.components,
      params: outParams,
      clientIp: peer.clientIp,
      keyLabel: accepted.record.label,
      body: accepted.body,
    }
  }

  async function runProfile(profile: ProfileVerifierLike, message: HttpRequestMessage, options: VerifyRequestOptions, peer: ForwardedInfo, box: AuditBox): Promise<VerifiedIdentity> {
    box.label = profile.profile
    const outcome = await verifyWithProfile(profile, message, nonces)
    box.keyid = outcome.keyid
    if (options.requiredScopes !== undefined && options.requiredScopes.length > 0) fail('ERR_SCOPE_DENIED', `a ${profile.profile} signature carries no scopes`)
    return { ...outcome, owner: undefined, scopes: [], components: [], clientIp: peer.clientIp, keyLabel: undefined, body: message.body }
  }

  async function readRequest(request: Request): Promise<HttpMessage> {
    if (typeof request !== 'object' || request === null || typeof (request as { url?: unknown }).url !== 'string' || typeof (request as { arrayBuffer?: unknown }).arrayBuffer !== 'function') {
      throw new TypeError('"input" expected a Request or an HttpMessage')
    }
    if (request.bodyUsed || request.body?.locked === true) fail('ERR_BODY_USED', 'the request body was already read')
    // Read no further than the smaller of the declared length and the limit: a sender that
    // declares 7 bytes and streams 64 MiB is refused after the first chunk past 7, not at the
    // end (issue 11, defect 11). A declared length over the limit is refused before reading.
    let maxBytes = limits.maxBodyBytes
    const declared = request.headers.get('content-length')
    if (declared !== null && /^\d{1,15}$/.test(declared)) {
      const length = Number(declared)
      if (length > maxBytes) fail('ERR_BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`)
      maxBytes = length
    }
    // The request's own stream, read once: no clone, no tee (on Node 20 a clone and a second
    // read cost 25-80 µs). The caller gets the bytes back on the identity.
    const body = request.body === null ? undefined : await readLimited(request.body, maxBytes)
    return requestMessage(request, body === undefined || body.length === 0 ? undefined : body)
  }

  return {
    policy,
    limits,
    forwarded: (peerIp, fields) => forwarding.resolve(peerIp, fields),
    now: (): number => clock(),
    verify(input, verifyOptions = {}): Promise<VerifiedIdentity> {
      const box: AuditBox = {}
      let pending: Promise<VerifiedIdentity>
      try {
        // The message model is recognised first: merely reading the global `Request` on Node 20
        // loads undici (20-28 ms), which the Node adapters never need (DESIGN.md "Performance").
        pending = isHttpMessage(input) ? run(input, verifyOptions, box) : readRequest(input).then((message) => run(message, verifyOptions, box))
      } catch (error) {
        pending = Promise.reject(error)
      }
      if (options.onVerified === undefined && options.onRejected === undefined) return pending
      return pending.then(
        (identity) => {
          if (options.onVerified !== undefined) {
            const event: VerificationEvent = { keyid: identity.keyid, time: clock(), label: identity.label }
            if (identity.clientIp !== undefined) event.ip = identity.clientIp
            fire(options.onVerified, event)
          }
          return identity
        },
        (error: unknown) => {
          if (options.onRejected !== undefined) fire(options.onRejected, rejectedEvent(clock(), error, box.keyid, box.label, box.info?.clientIp))
          throw error
        },
      )
    },
    reject(error, context = {}): void {
      if (options.onRejected === undefined) return
      fire(options.onRejected, rejectedEvent(clock(), error, context.keyid, context.label, context.clientIp))
    },
  }
}
