/**
 * `createVerifier`: the server's decision on one request, in the order DESIGN.md fixes.
 *
 * parse (size limits) -> select the signature (tag or label; a label alone is chosen by the
 * sender, so a configured tag is always checked against it) -> required components and
 * parameters -> resolve the key (the `keyid` is untrusted input) -> key state and the algorithm
 * pinned to the key (RFC 9421 section 7.3.6) -> client IP against the key's lists -> `created`,
 * `expires` and max age with clock skew -> rebuild the base -> verify the signature -> recompute
 * `Content-Digest` over the received body -> record the nonce -> scopes -> usage hooks.
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
  createSignatureBase,
  fromFetchRequest,
  getAlgorithm,
  isSignetError,
  parseSignatureField,
  parseSignatureInput,
  serializeComponentIdentifier,
  utf8,
  verifyBytes,
  verifyContentDigest,
} from '@signet/core'
import type { AlgorithmName, HttpMessage, HttpRequestMessage, SignatureInputMember, SignetErrorCode } from '@signet/core'
import { createForwarding } from './client-ip.ts'
import type { Forwarding, ForwardedInfo } from './client-ip.ts'
import { ipAllowed } from './ip-rules.ts'
import { assertKeyUsable } from './key-record.ts'
import type { KeyRecord, KeyResolver } from './key-record.ts'
import { isNonceStore } from './nonce-store.ts'
import type { NonceStore } from './nonce-store.ts'
import { resolveLimits, resolvePolicy } from './policy.ts'
import type { ResolvedLimits, ResolvedPolicy, VerifierLimits, VerifierPolicy } from './policy.ts'
import { memoryKeys } from './resolvers/memory.ts'

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
  /** Replay store. Default: none (then `nonce` is not required unless the policy says so). */
  readonly nonces?: NonceStore | undefined
  /** Clock, unix milliseconds. Default `Date.now`. */
  readonly clock?: (() => number) | undefined
  /** Proxies whose `Forwarded` / `X-Forwarded-For` fields are believed. Default: none. */
  readonly trustedProxies?: readonly string[] | undefined
  /** Believe `CF-Connecting-IP` (deployments on Cloudflare Workers only). Default false. */
  readonly cfConnectingIp?: boolean | undefined
  /** Called after each accepted request; errors are swallowed, never awaited. */
  readonly onVerified?: ((event: VerificationEvent) => void | Promise<void>) | undefined
  /** Called after each refused request; errors are swallowed, never awaited. */
  readonly onRejected?: ((event: VerificationEvent) => void | Promise<void>) | undefined
  readonly limits?: VerifierLimits | undefined
  /** Structured types of fields for `;sf` and `;key` (RFC 9421 section 2.1.1). */
  readonly fieldTypes?: Readonly<Record<string, 'item' | 'list' | 'dictionary'>> | undefined
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
}

interface Candidate {
  readonly label: string
  readonly member: SignatureInputMember
  readonly signature: Uint8Array
}

interface Accepted {
  readonly candidate: Candidate
  readonly record: KeyRecord
  readonly keyid: string
  readonly alg: AlgorithmName
  readonly components: string[]
}

function fail(code: SignetErrorCode, message: string): never {
  throw new SignetError(code, message)
}

function fieldValues(message: HttpMessage, name: string): string[] {
  const out: string[] = []
  for (const f of message.fields) if (f.name === name) out.push(f.value)
  return out
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

function toResolver(keys: VerifierOptions['keys']): KeyResolver {
  if (typeof keys === 'object' && keys !== null && typeof (keys as KeyResolver).resolve === 'function') return keys as KeyResolver
  if (Array.isArray(keys) || keys instanceof Map) return memoryKeys(keys as readonly KeyRecord[])
  throw new TypeError('"keys" expected a key resolver or an array of key records')
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
  if (options.nonces !== undefined && !isNonceStore(options.nonces)) throw new TypeError('"nonces" expected a NonceStore (an object with record(key, ttlMs))')
  const nonces = options.nonces
  const policy = resolvePolicy(options.policy, nonces !== undefined)
  const limits = resolveLimits(options.limits)
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new TypeError('"clock" expected a function returning unix milliseconds')
  const clock = options.clock ?? Date.now
  for (const name of ['onVerified', 'onRejected'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`"${name}" expected a function`)
  }
  if (policy.requireNonce && nonces === undefined) throw new TypeError('"policy.requireNonce" needs a nonce store in "nonces"')
  const forwarding: Forwarding = createForwarding({ trustedProxies: options.trustedProxies, cfConnectingIp: options.cfConnectingIp })
  const fieldTypes = options.fieldTypes
  const baseOptions = fieldTypes === undefined ? undefined : { fieldTypes }

  function parse(message: HttpMessage): Candidate[] {
    const inputs = fieldValues(message, 'signature-input')
    const signatures = fieldValues(message, 'signature')
    if (inputs.length === 0 && signatures.length === 0) fail('ERR_SIGNATURE_MISSING', 'the request is not signed')
    if (inputs.length === 0) fail('ERR_SIGNATURE_MISSING', 'Signature without Signature-Input')
    if (signatures.length === 0) fail('ERR_SIGNATURE_MISSING', 'Signature-Input without Signature')
    // Size limits come before parsing so an oversized field costs nothing more than its length.
    let size = 0
    for (const v of inputs) size += v.length
    if (size > limits.maxFieldBytes) fail('ERR_FIELD_TOO_LARGE', `Signature-Input exceeds ${limits.maxFieldBytes} bytes`)
    size = 0
    for (const v of signatures) size += v.length
    if (size > limits.maxFieldBytes) fail('ERR_FIELD_TOO_LARGE', `Signature exceeds ${limits.maxFieldBytes} bytes`)
    const members = parseSignatureInput(inputs)
    const values = parseSignatureField(signatures)
    if (members.size > limits.maxSignatures || values.size > limits.maxSignatures) {
      fail('ERR_TOO_MANY_SIGNATURES', `more than ${limits.maxSignatures} signatures`)
    }
    const candidates: Candidate[] = []
    for (const [label, member] of members) {
      if (member.components.length > limits.maxComponents) fail('ERR_TOO_MANY_COMPONENTS', `signature ${label} covers more than ${limits.maxComponents} components`)
      const signature = values.get(label)
      if (signature === undefined) continue
      candidates.push({ label, member, signature })
    }
    if (candidates.length === 0) fail('ERR_SIGNATURE_MISSING', 'no Signature-Input member has a matching Signature')
    return candidates
  }

  function select(candidates: Candidate[]): Candidate[] {
    let selected = candidates
    if (policy.label !== undefined) {
      selected = selected.filter((c) => c.label === policy.label)
      if (selected.length === 0) fail('ERR_LABEL_NOT_FOUND', `no signature labelled ${JSON.stringify(policy.label)}`)
    }
    if (policy.tag !== undefined) {
      // The label is the sender's choice; the tag says what the signature is for (RFC 9421 section 2.3).
      selected = selected.filter((c) => c.member.params.tag === policy.tag)
      if (selected.length === 0) fail('ERR_TAG_MISMATCH', `no signature with the tag ${JSON.stringify(policy.tag)}`)
    }
    return selected
  }

  function checkRequired(message: HttpMessage, candidate: Candidate): string[] {
    const covered = candidate.member.components.map((c) => serializeComponentIdentifier(c))
    const set = new Set(covered)
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
    const params = candidate.member.params
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

  function checkTimes(candidate: Candidate, nowSeconds: number): void {
    const { created, expires } = candidate.member.params
    const skew = policy.clockSkewSeconds
    if (created !== undefined) {
      if (typeof created !== 'number' || !Number.isInteger(created)) fail('ERR_INVALID_PARAMETER', 'created must be an integer')
      if (created > nowSeconds + skew) fail('ERR_CREATED_IN_FUTURE', 'created is in the future')
      if (policy.maxAgeSeconds !== null && nowSeconds - created > policy.maxAgeSeconds + skew) fail('ERR_SIGNATURE_TOO_OLD', `the signature is older than ${policy.maxAgeSeconds} s`)
    }
    if (expires !== undefined) {
      if (typeof expires !== 'number' || !Number.isInteger(expires)) fail('ERR_INVALID_PARAMETER', 'expires must be an integer')
      if (nowSeconds > expires + skew) fail('ERR_SIGNATURE_EXPIRED', 'the signature has expired')
    }
  }

  async function attempt(message: HttpMessage, candidate: Candidate, peer: ForwardedInfo, nowMs: number): Promise<Accepted> {
    const components = checkRequired(message, candidate)
    const params = candidate.member.params
    const keyid = params.keyid as string
    const record = await resolver.resolve(keyid)
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
    checkTimes(candidate, nowSeconds)
    const base = createSignatureBase(message, candidate.member.components, candidate.member.serialized, baseOptions)
    const ok = await verifyBytes(record.key, utf8(base), candidate.signature)
    if (!ok) fail('ERR_SIGNATURE_INVALID', 'the signature does not verify')
    if (components.includes('"content-digest"') && message.kind === 'request') {
      const digests = fieldValues(message, 'content-digest')
      if (digests.length === 0) fail('ERR_DIGEST_MISSING', 'Content-Digest is covered but absent')
      await verifyContentDigest(digests.join(', '), message.body ?? new Uint8Array(0))
    }
    return { candidate, record, keyid, alg, components }
  }

  function nonceTtlMs(candidate: Candidate, nowMs: number): number {
    const { created, expires } = candidate.member.params
    let end = Infinity
    if (typeof created === 'number' && policy.maxAgeSeconds !== null) end = created + policy.maxAgeSeconds
    if (typeof expires === 'number') end = Math.min(end, expires)
    if (end === Infinity) return policy.nonceTtlSeconds * 1000
    return Math.max(1000, (end + policy.clockSkewSeconds) * 1000 - nowMs + 1000)
  }

  async function run(input: Request | HttpMessage, options: VerifyRequestOptions, peerBox: { info?: ForwardedInfo; keyid?: string; label?: string }): Promise<VerifiedIdentity> {
    const message: HttpMessage = typeof Request !== 'undefined' && input instanceof Request ? await readRequest(input) : (input as HttpMessage)
    if (typeof message !== 'object' || message === null || !Array.isArray((message as HttpMessage).fields)) {
      throw new TypeError('"input" expected a Request or an HttpMessage')
    }
    if (message.body !== undefined && message.body.length > limits.maxBodyBytes) fail('ERR_BODY_TOO_LARGE', `the body exceeds ${limits.maxBodyBytes} bytes`)
    const peer = forwarding.resolve(options.clientIp, message.fields)
    peerBox.info = peer
    const candidates = select(parse(message))
    const nowMs = clock()
    let accepted: Accepted | undefined
    let firstError: unknown
    for (const candidate of candidates) {
      try {
        accepted = await attempt(message, candidate, peer, nowMs)
        break
      } catch (error) {
        // A store outage is not a property of this signature: stop and fail closed.
        if (isSignetError(error) && error.code === 'ERR_STORE_UNAVAILABLE') throw error
        if (firstError === undefined) {
          firstError = error
          if (typeof candidate.member.params.keyid === 'string') peerBox.keyid = candidate.member.params.keyid
          peerBox.label = candidate.label
        }
      }
    }
    if (accepted === undefined) throw firstError
    peerBox.keyid = accepted.keyid
    peerBox.label = accepted.candidate.label
    const params = accepted.candidate.member.params
    if (nonces !== undefined && typeof params.nonce === 'string') {
      const fresh = await nonces.record(`${accepted.keyid}\u0000${params.nonce}`, nonceTtlMs(accepted.candidate, nowMs))
      if (!fresh) fail('ERR_NONCE_REPLAYED', 'the nonce was already used')
    }
    const scopes = accepted.record.scopes ?? []
    const required = options.requiredScopes ?? []
    for (const scope of required) {
      if (!scopes.includes(scope)) fail('ERR_SCOPE_DENIED', `the key lacks the scope ${JSON.stringify(scope)}`)
    }
    const outParams: Record<string, string | number | boolean> = {}
    for (const [name, value] of Object.entries(params)) if (value !== undefined) outParams[name] = parameterValue(value)
    return {
      keyid: accepted.keyid,
      owner: accepted.record.owner,
      scopes: [...scopes],
      label: accepted.candidate.label,
      alg: accepted.alg,
      components: accepted.components,
      params: outParams,
      clientIp: peer.clientIp,
      keyLabel: accepted.record.label,
    }
  }

  async function readRequest(request: Request): Promise<HttpMessage> {
    const declared = request.headers.get('content-length')
    if (declared !== null && Number(declared) > limits.maxBodyBytes) fail('ERR_BODY_TOO_LARGE', `the body exceeds ${limits.maxBodyBytes} bytes`)
    return fromFetchRequest(request)
  }

  return {
    policy,
    limits,
    forwarded: (peerIp, fields) => forwarding.resolve(peerIp, fields),
    async verify(input, verifyOptions = {}): Promise<VerifiedIdentity> {
      const box: { info?: ForwardedInfo; keyid?: string; label?: string } = {}
      try {
        const identity = await run(input, verifyOptions, box)
        const event: VerificationEvent = { keyid: identity.keyid, time: clock(), label: identity.label }
        if (identity.clientIp !== undefined) event.ip = identity.clientIp
        fire(options.onVerified, event)
        return identity
      } catch (error) {
        const event: VerificationEvent = { time: clock() }
        if (box.keyid !== undefined) event.keyid = box.keyid
        if (box.label !== undefined) event.label = box.label
        if (box.info?.clientIp !== undefined) event.ip = box.info.clientIp
        if (isSignetError(error)) event.code = error.code
        fire(options.onRejected, event)
        throw error
      }
    },
  }
}
