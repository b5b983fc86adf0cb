/**
 * `createVerifier`: the server's decision on one request, as the stages DESIGN.md lists, in its
 * order. Each stage is a small function in `verifier/`, named for what it checks:
 *
 * | stage | function | module |
 * |---|---|---|
 * | authority pinning | `authorityPin` (the check it builds) | `verifier/authority.ts` |
 * | parse (size limits) | `parseSignatures` | core `verify.ts` |
 * | select (tag or label) | `selectSignatures` | core `verify.ts` |
 * | required components and parameters | `checkRequired` | `verifier/required.ts` |
 * | resolve the key (untrusted `keyid`) | `resolveKey` | `verifier/resolve-key.ts` |
 * | key state, algorithm pinned to the key | `checkKey` | `verifier/resolve-key.ts` |
 * | IP rules | `checkClientIp` | `verifier/ip-rules.ts` |
 * | times (`created`, `expires`, max age, skew) | `checkSignatureTimes` | `verifier/times.ts` |
 * | verify (rebuild the base, check the signature) | `verifySignature` | core `verify.ts` |
 * | digest (`Content-Digest` over the body) | `verifyMessageDigest` | core `digest.ts`, `verifier/digest.ts` |
 * | nonce (after the signature held) | `recordNonce` | `verifier/nonce.ts` |
 * | scopes | `checkScopes` | `verifier/scopes.ts` |
 * | identity | `identityOf` | `verifier/identity.ts` |
 * | admission (rate limits, credits) | `admitIdentity` | `verifier/admission.ts` |
 *
 * then the usage hooks (`verifier/events.ts`). A select stage that trusted the label alone would
 * let the sender choose; a configured tag is always checked against it. Cheap checks run before
 * cryptography, so a flood of junk costs little. The nonce is recorded only after the signature
 * and the digest hold, so nobody without the key can burn nonces (DESIGN.md security defaults).
 * When several signatures are present and the policy names no label or tag, each candidate is
 * tried in order and the first that verifies is used; only that one's nonce is recorded.
 *
 * Options are resolved once, in `createVerifier`; the stages read them as arguments. The
 * composition is written with promise chains rather than async functions: each async frame and
 * each await is a promise and a trip through the microtask queue on every request, while with a
 * synchronous resolver, backend and nonce store the only asynchronous step left is core's
 * `verifySignature`. A stage that throws before it is caught by the caller (`tryFrom`, `verify`)
 * and becomes a rejection, as from an async function.
 *
 * @module
 */
import { SignetError, isSignetError, parseSignatures, selectSignatures, verifyMessageDigest, verifySignature } from '@signet/core/verifying'
import type { AlgorithmName, HttpMessage, HttpRequestMessage, ParsedSignature } from '@signet/core'
import { createForwarding } from './client-ip.ts'
import type { Forwarding, ForwardedInfo } from './client-ip.ts'
import type { KeyRecord } from './key-record.ts'
import { isNonceStore } from './nonce-store.ts'
import type { NonceStore } from './nonce-store.ts'
import { MemoryNonceStore } from './nonce-stores/memory.ts'
import { resolveLimits, resolvePolicy } from './policy.ts'
import { checkProfiles, pickProfile, verifyWithProfile } from './profile-hook.ts'
import type { ProfileVerifierLike } from './profile-hook.ts'
import { admitIdentity } from './verifier/admission.ts'
import { authorityPin } from './verifier/authority.ts'
import { coversContentDigest } from './verifier/digest.ts'
import { fire, rejectedEvent } from './verifier/events.ts'
import { identityOf, NO_SCOPES } from './verifier/identity.ts'
import { checkClientIp } from './verifier/ip-rules.ts'
import { checkNonceFresh, recordNonce } from './verifier/nonce.ts'
import { isHttpMessage, readRequest } from './verifier/read-request.ts'
import { checkRequired } from './verifier/required.ts'
import { checkKey, keySource, resolveKey } from './verifier/resolve-key.ts'
import { checkScopes } from './verifier/scopes.ts'
import { checkSignatureTimes } from './verifier/times.ts'
import type { Accepted, VerificationEvent, VerifiedIdentity, Verifier, VerifierOptions, VerifyRequestOptions } from './verifier/types.ts'

export type { Admitted, RejectionContext, VerificationEvent, VerifiedIdentity, Verifier, VerifierOptions, VerifyRequestOptions } from './verifier/types.ts'

/** What a refusal's audit event reports: the client, and the key and label last tried. */
interface AuditBox {
  info?: ForwardedInfo
  keyid?: string
  label?: string
}

/** One request's candidate search. */
interface RunState {
  readonly message: HttpMessage
  readonly candidates: readonly ParsedSignature[]
  readonly peer: ForwardedInfo
  readonly nowMs: number
  readonly box: AuditBox
  failed: boolean
  firstError: unknown
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * Create a verifier. Every option is validated here, not per request.
 *
 * @param options - {@link VerifierOptions}: the keys, the policy, the nonce store, the clock,
 *   the trusted proxies, the pinned authorities, the hooks, limits and profiles.
 * @returns the verifier.
 * @throws {TypeError | RangeError} naming the option that is wrong.
 * @example
 * ```ts
 * const verifier = createVerifier({ keys: await jwksKeys(jwks), nonces: new MemoryNonceStore() })
 * const identity = await verifier.verify(request, { clientIp: '203.0.113.7', requiredScopes: ['orders:write'] })
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  const keys = keySource(options.keys)
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
  const profiles = checkProfiles(options.profiles)

  // Size and count limits are enforced inside the parsers, before any cryptography.
  const parseLimits = { maxFieldLength: limits.maxFieldBytes, maxSignatures: limits.maxSignatures, maxComponents: limits.maxComponents }
  const selector = { label: policy.label, tag: policy.tag }
  if (options.backend !== undefined && !['native', 'webcrypto', 'pure'].includes(options.backend)) {
    throw new TypeError('"backend" expected "native", "webcrypto" or "pure"')
  }
  const verifyOptions = {
    algorithms: policy.algorithms === undefined ? undefined : ([...policy.algorithms] as AlgorithmName[]),
    fieldTypes: options.fieldTypes,
    backend: options.backend,
  }

  /** One request: the checks of the whole request, then parse and select, then each candidate. */
  function run(message: HttpMessage, options: VerifyRequestOptions, box: AuditBox): Promise<VerifiedIdentity> {
    const peer = forwarding.resolve(options.clientIp, message.fields)
    // Set before the first refusal, so every audit event of this request names the client.
    box.info = peer
    if (message.body !== undefined && message.body.length > limits.maxBodyBytes) throw new SignetError('ERR_BODY_TOO_LARGE', `the body exceeds ${limits.maxBodyBytes} bytes`)
    if (checkAuthority !== undefined) checkAuthority(message)
    const profile = profiles === undefined ? undefined : pickProfile(profiles, message)
    if (profile !== undefined) return runProfile(profile, message as HttpRequestMessage, options, peer, box)
    const candidates = selectSignatures(parseSignatures(message, parseLimits), selector)
    const nowMs = clock()
    const state: RunState = { message, candidates, peer, nowMs, box, failed: false, firstError: undefined }
    return tryFrom(state, 0).then((accepted) => finish(accepted, options, peer, nowMs, box))
  }

  /** One signature, up to the key: required components and parameters, then resolve the key. */
  function attempt(message: HttpMessage, candidate: ParsedSignature, peer: ForwardedInfo, nowMs: number): Promise<Accepted> {
    const components = checkRequired(policy, limits, message, candidate)
    const record = resolveKey(keys, message, candidate, components)
    // A synchronous resolver (memory, JWKS) is not waited for.
    if (isThenable(record)) return record.then((found) => attemptWithKey(message, candidate, peer, nowMs, components, found))
    return attemptWithKey(message, candidate, peer, nowMs, components, record)
  }

  /** One signature with its key record: key state and algorithm, IP rules, times, verify, digest. */
  function attemptWithKey(
    message: HttpMessage,
    candidate: ParsedSignature,
    peer: ForwardedInfo,
    nowMs: number,
    components: readonly string[],
    found: KeyRecord | undefined | null,
  ): Promise<Accepted> {
    const nowSeconds = Math.floor(nowMs / 1000)
    const alg = checkKey(policy, candidate, found, nowSeconds)
    const record = found as KeyRecord
    checkClientIp(peer, record)
    checkSignatureTimes(policy, candidate.input.params, nowSeconds)
    const accepted: Accepted = { candidate, record, keyid: record.id, alg, components, body: message.body }
    const verified = verifySignature(message, candidate, record.key, verifyOptions)
    if (coversContentDigest(components)) return verified.then(() => verifyMessageDigest(message)).then(() => accepted)
    return verified.then(() => accepted)
  }

  /** The accepted signature: record the nonce, then scopes, identity and admission. */
  function finish(accepted: Accepted, options: VerifyRequestOptions, peer: ForwardedInfo, nowMs: number, box: AuditBox): VerifiedIdentity | Promise<VerifiedIdentity> {
    box.keyid = accepted.keyid
    box.label = accepted.candidate.label
    const fresh = recordNonce(nonces, policy, accepted.candidate, accepted.keyid, nowMs)
    if (isThenable(fresh)) return fresh.then((isFresh) => conclude(accepted, options, peer, isFresh))
    return conclude(accepted, options, peer, fresh)
  }

  function conclude(accepted: Accepted, options: VerifyRequestOptions, peer: ForwardedInfo, fresh: boolean): VerifiedIdentity | Promise<VerifiedIdentity> {
    checkNonceFresh(fresh)
    checkScopes(accepted.record.scopes ?? NO_SCOPES, options.requiredScopes)
    const identity = identityOf(accepted, peer)
    return admitIdentity(admit, identity)
  }

  /**
   * Try the candidates from `index` on; the first that verifies wins. A store outage stops the
   * search (fail closed); otherwise the first refusal is the one reported.
   */
  function tryFrom(state: RunState, index: number): Promise<Accepted> {
    const { candidates } = state
    for (let i = index; i < candidates.length; i++) {
      const candidate = candidates[i] as ParsedSignature
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

  function refused(state: RunState, candidate: ParsedSignature, error: unknown): void {
    // A store outage is not a property of this signature: stop and fail closed.
    if (isSignetError(error) && error.code === 'ERR_STORE_UNAVAILABLE') throw error
    if (!state.failed) {
      state.failed = true
      state.firstError = error
      if (typeof candidate.input.params.keyid === 'string') state.box.keyid = candidate.input.params.keyid
      state.box.label = candidate.label
    }
  }

  async function runProfile(profile: ProfileVerifierLike, message: HttpRequestMessage, options: VerifyRequestOptions, peer: ForwardedInfo, box: AuditBox): Promise<VerifiedIdentity> {
    box.label = profile.profile
    const outcome = await verifyWithProfile(profile, message, nonces)
    box.keyid = outcome.keyid
    if (options.requiredScopes !== undefined && options.requiredScopes.length > 0) throw new SignetError('ERR_SCOPE_DENIED', `a ${profile.profile} signature carries no scopes`)
    return { ...outcome, owner: undefined, scopes: [], components: [], clientIp: peer.clientIp, keyLabel: undefined, body: message.body }
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
        // The message model is recognised first (read-request.ts says why).
        pending = isHttpMessage(input) ? run(input, verifyOptions, box) : readRequest(input, limits.maxBodyBytes).then((message) => run(message, verifyOptions, box))
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
