/**
 * Verifying (RFC 9421 section 3.2), as building blocks the server composes in its own order
 * and as one call, {@link verifyMessage}, for the CLI and tests.
 *
 * Selection never trusts a label alone: a label names a signature, and when a tag is also
 * required the signature must carry it. The `@signature-params` line of the base is the
 * received member re-serialized (parameter order and unknown parameters kept). The algorithm
 * is the key's; an `alg` parameter that names another is refused (RFC 9421 section 7.3.6).
 *
 * @module
 */
import type { AlgorithmName } from './algorithms.ts'
import type { BackendName } from './backend.ts'
import { componentKey, toComponentIdentifier, type ComponentIdentifier } from './components/index.ts'
import { verifyMessageDigestDirect } from './digest.ts'
import { SignetError } from './errors.ts'
import type { SignetKey } from './keys/index.ts'
import { verifyAsciiDirect } from './keys/sign-verify-bytes.ts'
import type { HttpMessage } from './message.ts'
import { buildSignatureBase, prepareComponents, type PreparedComponents } from './signature-base.ts'
import type { StructuredFieldType } from './structured/field-types.ts'
import type { SignatureLimits } from './structured/limits.ts'
import { byteSequence } from './structured/dictionary.ts'
import { joinFieldValues } from './structured/limits.ts'
import { fastSignatureMember, isScannedMemberText } from './structured/signature-input-fast.ts'
import { parseSignatureInputMembers, quietLimit } from './structured/signature-input.ts'
import type { SignatureInputMember } from './structured/signature-input-member.ts'
import type { SignatureParams } from './structured/signature-params.ts'
import { parseSignatureMembers } from './structured/signature.ts'

/** One signature found on a message: its Signature-Input member and its bytes. */
export interface ParsedSignature {
  readonly label: string
  readonly input: SignatureInputMember
  readonly signature: Uint8Array
}

/**
 * Parse every signature on a message (RFC 9421 sections 4.1 and 4.2).
 *
 * @param message - the message.
 * @param limits - size limits for the fields.
 * @returns The signatures in Signature-Input order.
 * @throws {SignetError} `ERR_SIGNATURE_MISSING` when Signature-Input or Signature is absent,
 *   `ERR_MALFORMED_FIELD` when their labels differ, and every error of the field parsers.
 */
export function parseSignatures(message: HttpMessage, limits?: SignatureLimits): ParsedSignature[] {
  let inputValues: string[] | undefined
  let sigValues: string[] | undefined
  for (const f of message.fields) {
    if (f.name === 'signature-input') (inputValues ??= []).push(f.value)
    else if (f.name === 'signature') (sigValues ??= []).push(f.value)
  }
  if (inputValues === undefined || sigValues === undefined) {
    throw new SignetError('ERR_SIGNATURE_MISSING', `the message has no ${inputValues === undefined ? 'Signature-Input' : 'Signature'} field`)
  }
  const inputs = parseSignatureInputMembers(inputValues, limits)
  // The usual Signature field, one member `label=:base64:`, read in one pass.
  if (sigValues.length === 1) {
    const one = fastSignatureMember(joinFieldValues('Signature', sigValues, limits), quietLimit(limits, 'maxSignatures'))
    if (one !== undefined) return pairOne(inputs, one.label, one.signature)
  }
  // Every member a byte sequence (checked by the parser).
  const signatures = parseSignatureMembers(sigValues, limits)
  if (inputs.length === 0) throw new SignetError('ERR_SIGNATURE_MISSING', 'the Signature-Input field is empty')
  const out: ParsedSignature[] = []
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as SignatureInputMember
    const label = input.label
    const member = signatures.get(label)
    if (member === undefined) {
      throw new SignetError('ERR_MALFORMED_FIELD', `Signature-Input has ${JSON.stringify(label)} but Signature does not`)
    }
    out.push({ label, input, signature: byteSequence(member[0]) as Uint8Array })
  }
  // Every input label has a signature; with equal counts, no signature lacks an input.
  if (signatures.size !== inputs.length) {
    for (const label of signatures.keys()) {
      if (!inputs.some((input) => input.label === label)) {
        throw new SignetError('ERR_MALFORMED_FIELD', `Signature has ${JSON.stringify(label)} but Signature-Input does not`)
      }
    }
  }
  return out
}

/** {@link parseSignatures} for a Signature field of one member: the same checks, in the same order. */
function pairOne(inputs: readonly SignatureInputMember[], label: string, signature: Uint8Array): ParsedSignature[] {
  if (inputs.length === 0) throw new SignetError('ERR_SIGNATURE_MISSING', 'the Signature-Input field is empty')
  const out: ParsedSignature[] = []
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as SignatureInputMember
    if (input.label !== label) {
      throw new SignetError('ERR_MALFORMED_FIELD', `Signature-Input has ${JSON.stringify(input.label)} but Signature does not`)
    }
    out.push({ label, input, signature })
  }
  return out
}

/** How to choose among the signatures of a message. */
export interface SignatureSelector {
  readonly label?: string | undefined
  readonly tag?: string | undefined
}

/**
 * Select signatures by label and/or tag; with neither, all of them.
 *
 * @throws {SignetError} `ERR_LABEL_NOT_FOUND` when no signature has the label,
 *   `ERR_TAG_MISMATCH` when the labelled signature lacks the tag or no signature has it.
 */
export function selectSignatures(parsed: readonly ParsedSignature[], selector: SignatureSelector = {}): ParsedSignature[] {
  const { label, tag } = selector
  if (label !== undefined) {
    const found = parsed.find((p) => p.label === label)
    if (found === undefined) throw new SignetError('ERR_LABEL_NOT_FOUND', `no signature is labelled ${JSON.stringify(label.slice(0, 64))}`)
    if (tag !== undefined && found.input.params.tag !== tag) {
      throw new SignetError('ERR_TAG_MISMATCH', `signature ${JSON.stringify(label)} does not carry tag ${JSON.stringify(tag.slice(0, 64))}`)
    }
    return [found]
  }
  if (tag !== undefined) {
    const found = parsed.filter((p) => p.input.params.tag === tag)
    if (found.length === 0) throw new SignetError('ERR_TAG_MISMATCH', `no signature carries tag ${JSON.stringify(tag.slice(0, 64))}`)
    return found
  }
  return [...parsed]
}

/** Components and parameters a signature must have. */
export interface Requirements {
  /** Components in identifier syntax or as bare names (`@method`, `"content-digest"`). */
  readonly requiredComponents?: readonly (string | ComponentIdentifier)[] | undefined
  readonly requiredParameters?: readonly string[] | undefined
}

/**
 * Check that a signature covers the required components and has the required parameters.
 *
 * @throws {SignetError} `ERR_REQUIRED_COMPONENT`, `ERR_REQUIRED_PARAMETER`.
 */
export function checkRequired(member: SignatureInputMember, requirements: Requirements): void {
  const components = requirements.requiredComponents
  if (components !== undefined && components.length > 0) {
    const covered = coveredKeys(member)
    const required = requiredKeys(components)
    // The same requirement keys already found in the same prepared list: nothing to search.
    if (covered === lastCovered && required === lastRequired) return checkRequiredParameters(member, requirements.requiredParameters)
    for (let i = 0; i < required.length; i++) {
      if (!covered.includes(required[i] as string)) {
        throw new SignetError('ERR_REQUIRED_COMPONENT', `signature ${JSON.stringify(member.label)} does not cover ${required[i] as string}`)
      }
    }
    // Both arrays are never written after they are made (cached keys of a prepared list and of
    // a requirement list), so the pair stays valid.
    lastCovered = covered
    lastRequired = required
  }
  checkRequiredParameters(member, requirements.requiredParameters)
}

// The last (covered keys, required keys) pair that passed the component check.
let lastCovered: readonly string[] | undefined
let lastRequired: readonly string[] | undefined

function checkRequiredParameters(member: SignatureInputMember, parameters: readonly string[] | undefined): void {
  if (parameters !== undefined) {
    for (const p of parameters) {
      if (member.params[p] === undefined) {
        throw new SignetError('ERR_REQUIRED_PARAMETER', `signature ${JSON.stringify(member.label)} has no ${JSON.stringify(p)} parameter`)
      }
    }
  }
}

// A verifier passes the same requirement list on every request: parse it once.
const requiredCache = new WeakMap<readonly (string | ComponentIdentifier)[], { source: readonly (string | ComponentIdentifier)[]; keys: string[] }>()

function sameStrings(a: readonly (string | ComponentIdentifier)[], b: readonly (string | ComponentIdentifier)[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || typeof a[i] !== 'string') return false
  return true
}

/** The component keys a member covers: from the prepared list when it can be made, else one by one. */
function coveredKeys(member: SignatureInputMember): readonly string[] {
  try {
    return preparedOf(member).keys
  } catch {
    // A list prepareComponents refuses (a repeat) is reported later, by verifySignature, as before.
    return member.components.map(componentKey)
  }
}

// The last requirement list seen and its cache entry: a verifier passes the same array each time.
let lastRequiredList: readonly (string | ComponentIdentifier)[] | undefined
let lastRequiredEntry: { source: readonly (string | ComponentIdentifier)[]; keys: string[] } | undefined

function requiredKeys(components: readonly (string | ComponentIdentifier)[]): string[] {
  if (components === lastRequiredList && lastRequiredEntry !== undefined && sameStrings(lastRequiredEntry.source, components)) return lastRequiredEntry.keys
  const cached = requiredCache.get(components)
  if (cached !== undefined && sameStrings(cached.source, components)) {
    lastRequiredList = components
    lastRequiredEntry = cached
    return cached.keys
  }
  const keys = components.map((c) => componentKey(toComponentIdentifier(c)))
  requiredCache.set(components, { source: [...components], keys })
  return keys
}

/** Time policy. */
export interface TimeOptions {
  /** The current time in unix seconds. */
  readonly now: number
  /** Oldest acceptable `created`, in seconds before now; `created` is then required. */
  readonly maxAgeSeconds?: number | undefined
  /** Tolerance for clocks that disagree (default 0). */
  readonly clockSkewSeconds?: number | undefined
  /**
   * Accept a `created` later than now (default false: refused beyond the skew). RFC 9421
   * section 3.2.1 leaves this to the verifier; the `signet verify` contract checks `created`
   * only against a maximum age.
   */
  readonly allowCreatedInFuture?: boolean | undefined
}

/**
 * Check `created` and `expires` (RFC 9421 section 3.2.1): `expires` is always enforced;
 * `created` may not be in the future beyond the skew (unless `allowCreatedInFuture`), nor older
 * than `maxAgeSeconds`.
 *
 * @throws {SignetError} `ERR_SIGNATURE_EXPIRED`, `ERR_CREATED_IN_FUTURE`,
 *   `ERR_SIGNATURE_TOO_OLD`, `ERR_REQUIRED_PARAMETER` (max age without `created`).
 */
export function checkTimes(params: SignatureParams, options: TimeOptions): void {
  checkTimesOf(params, options.now, options.maxAgeSeconds, options.clockSkewSeconds, options.allowCreatedInFuture === true)
}

/** {@link checkTimes} with the options as arguments: verifyMessage builds no options object per signature. */
function checkTimesOf(params: SignatureParams, now: number, maxAge: number | undefined, skewOption: number | undefined, futureCreated = false): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('"now" must be a number of unix seconds')
  const skew = skewOption ?? 0
  if (typeof skew !== 'number' || !(skew >= 0)) throw new RangeError('"clockSkewSeconds" must be a non-negative number')
  const created = params.created
  const expires = params.expires
  if (expires !== undefined && now > expires + skew) {
    throw new SignetError('ERR_SIGNATURE_EXPIRED', `the signature expired at ${expires}`)
  }
  if (created !== undefined && !futureCreated && created > now + skew) {
    throw new SignetError('ERR_CREATED_IN_FUTURE', `the signature was created at ${created}, in the future`)
  }
  if (maxAge !== undefined) {
    if (typeof maxAge !== 'number' || !(maxAge >= 0)) throw new RangeError('"maxAgeSeconds" must be a non-negative number')
    if (created === undefined) throw new SignetError('ERR_REQUIRED_PARAMETER', 'a maximum age is set but the signature has no "created" parameter')
    if (now - created > maxAge + skew) {
      throw new SignetError('ERR_SIGNATURE_TOO_OLD', `the signature was created ${Math.round(now - created)} s ago, over the limit of ${maxAge} s`)
    }
  }
}

/** Options of {@link verifySignature}. */
export interface VerifySignatureOptions {
  /** Algorithms accepted; default every algorithm. */
  readonly algorithms?: readonly AlgorithmName[] | undefined
  readonly backend?: BackendName | undefined
  readonly fieldTypes?: Readonly<Record<string, StructuredFieldType>> | undefined
}

/**
 * Rebuild the base of one signature and verify it with a key.
 *
 * @returns The signature base that verified.
 * @throws {SignetError} `ERR_ALG_MISMATCH` when `alg` names another algorithm than the key's,
 *   `ERR_ALG_NOT_ALLOWED`, `ERR_SIGNATURE_INVALID`, and every error of the base.
 */
export function verifySignature(message: HttpMessage, parsed: ParsedSignature, key: SignetKey, options: VerifySignatureOptions = {}): Promise<string> {
  try {
    const result = verifySignatureDirect(message, parsed, key, options)
    return typeof result === 'string' ? Promise.resolve(result) : result
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * {@link verifySignature} for the hot path: the base when the backend answered synchronously,
 * else a promise of it. Errors are thrown, not rejected.
 */
function verifySignatureDirect(message: HttpMessage, parsed: ParsedSignature, key: SignetKey, options: VerifySignatureOptions): string | Promise<string> {
  const algorithm = key.algorithm.name
  const alg = parsed.input.params.alg
  if (alg !== undefined && alg !== algorithm) {
    throw new SignetError('ERR_ALG_MISMATCH', `signature ${JSON.stringify(parsed.label)} names ${JSON.stringify(String(alg).slice(0, 32))} but the key is ${algorithm} (RFC 9421 section 7.3.6)`)
  }
  if (options.algorithms !== undefined && !options.algorithms.includes(algorithm)) {
    throw new SignetError('ERR_ALG_NOT_ALLOWED', `the algorithm ${algorithm} is not allowed`)
  }
  const serialized = parsed.input.serialized
  // A member read by the one-pass scan was checked character by character as it was read.
  const base = buildSignatureBase(message, preparedOf(parsed.input), serialized, options.fieldTypes === undefined ? undefined : { fieldTypes: options.fieldTypes }, isScannedMemberText(serialized))
  // The base is ASCII (checked while it was built): backends that can hash text take it as is.
  const ok = verifyAsciiDirect(key, base, parsed.signature, options.backend === undefined ? undefined : { backend: options.backend })
  if (ok instanceof Promise) return ok.then((valid) => checked(valid, parsed, base))
  return checked(ok, parsed, base)
}

function checked(valid: boolean, parsed: ParsedSignature, base: string): string {
  if (!valid) throw new SignetError('ERR_SIGNATURE_INVALID', `signature ${JSON.stringify(parsed.label)} does not verify`)
  return base
}

// Prepared component lists (serialized identifiers, keys, the repeat check), by the list's
// text. `serialized` is canonical, so the same text means the same components: a client sends
// the same list on every request and it is prepared once. Bounded in entries and key length;
// entries hold private copies of the identifiers, so a caller mutating a parsed member cannot
// reach the cache.
const preparedLists = new Map<string, PreparedComponents>()
const PREPARED_CACHE_SIZE = 256
const PREPARED_KEY_LENGTH = 2048

/** The inner list of a serialized member, `(...)`, without its parameters. */
function componentListText(serialized: string): string | undefined {
  let quoted = false
  for (let i = 1; i < serialized.length; i++) {
    const c = serialized.charCodeAt(i)
    if (quoted) {
      if (c === 0x5c) i++
      else if (c === 0x22) quoted = false
    } else if (c === 0x22) quoted = true
    else if (c === 0x29) return serialized.slice(0, i + 1)
  }
  return undefined
}

// The building blocks ask for the same member's list several times per request (required
// components, the base, the result): remember the last one.
let lastMember: SignatureInputMember | undefined
let lastPrepared: PreparedComponents | undefined

function preparedOf(member: SignatureInputMember): PreparedComponents {
  if (member === lastMember) return lastPrepared as PreparedComponents
  const prepared = preparedList(member)
  lastMember = member
  lastPrepared = prepared
  return prepared
}

// The last entry served from preparedLists. A member whose text starts with that entry's list
// has that very list: the entry's list is a complete inner list, so the scan of
// componentListText would read the same characters in the same quote state and stop at its
// closing parenthesis. One native prefix check then replaces the scan and the map lookup for
// the common case of a client that sends the same components every time.
let lastListed: PreparedComponents | undefined

function preparedList(member: SignatureInputMember): PreparedComponents {
  const serialized = member.serialized
  if (lastListed !== undefined && serialized.length <= PREPARED_KEY_LENGTH && serialized.startsWith(lastListed.list)) return lastListed
  const list = serialized.length <= PREPARED_KEY_LENGTH ? componentListText(serialized) : undefined
  const hit = list === undefined ? undefined : preparedLists.get(list)
  if (hit !== undefined) return (lastListed = hit)
  const prepared = prepareComponents(member.components.map((c) => ({ name: c.name, params: new Map(c.params) })))
  // Only an entry whose key is the serialization of its own identifiers is kept, so a hit always
  // yields the components the `@signature-params` text names.
  if (list !== undefined && prepared.list === list) {
    if (preparedLists.size >= PREPARED_CACHE_SIZE) preparedLists.clear()
    preparedLists.set(list, prepared)
    lastListed = prepared
  }
  return prepared
}

/** What the key option of {@link verifyMessage} may be: a key, or a function that finds one. */
export type KeyLookup =
  | SignetKey
  | ((p: { keyid?: string | undefined; alg?: string | undefined; label: string }) => SignetKey | undefined | Promise<SignetKey | undefined>)

/** Options of {@link verifyMessage}. */
export interface VerifyOptions extends VerifySignatureOptions, Requirements, SignatureSelector {
  readonly key?: KeyLookup | undefined
  readonly maxAgeSeconds?: number | undefined
  readonly clockSkewSeconds?: number | undefined
  /** See {@link TimeOptions.allowCreatedInFuture}. */
  readonly allowCreatedInFuture?: boolean | undefined
  /** The clock in unix seconds (default `Date.now() / 1000`). */
  readonly now?: (() => number) | undefined
  readonly limits?: SignatureLimits | undefined
}

/** One signature that verified. */
export interface VerifiedSignature {
  readonly label: string
  readonly keyid?: string | undefined
  readonly alg: AlgorithmName
  /** The covered components as serialized identifiers. */
  readonly components: string[]
  readonly params: Record<string, string | number | boolean>
  readonly key: SignetKey
}

/**
 * Verify the signatures of a message: the one selected by `label` or `tag`, or, with neither,
 * every signature on it.
 *
 * @param message - the message.
 * @param options - the key (or a lookup by `keyid`), selection, requirements, time policy.
 * @returns The verified signatures.
 * @throws {SignetError} every error of the building blocks, `ERR_KEY_NOT_FOUND` when the
 *   lookup finds no key, `ERR_KEY_ID_MISMATCH` when a fixed key's `kid` differs from `keyid`,
 *   and the digest errors when `content-digest` is covered (an absent body being the empty one).
 * @example const [verified] = await verifyMessage(message, { key, now: () => 1618884473 })
 */
export async function verifyMessage(message: HttpMessage, options: VerifyOptions): Promise<VerifiedSignature[]> {
  if (options === null || typeof options !== 'object') throw new TypeError('"options" expected an object')
  const lookup = options.key
  if (lookup === undefined) throw new TypeError('"key" is required')
  const all = parseSignatures(message, options.limits)
  // Without a selector every signature is verified: no copy of the list is needed.
  const selected = options.label === undefined && options.tag === undefined ? all : selectSignatures(all, options)
  const now = options.now?.() ?? Date.now() / 1000
  const out: VerifiedSignature[] = []
  let digestChecked = false
  for (let i = 0; i < selected.length; i++) {
    const parsed = selected[i] as ParsedSignature
    const { params, components } = parsed.input
    checkRequired(parsed.input, options)
    checkTimesOf(params, now, options.maxAgeSeconds, options.clockSkewSeconds, options.allowCreatedInFuture === true)
    let key: SignetKey | undefined
    if (typeof lookup === 'function') {
      const found = lookup({ keyid: params.keyid, alg: params.alg, label: parsed.label })
      key = found instanceof Promise ? await found : found
      if (key === undefined) throw new SignetError('ERR_KEY_NOT_FOUND', `no key for keyid ${JSON.stringify(String(params.keyid ?? '').slice(0, 64))}`)
    } else {
      key = lookup
      if (key.kid !== undefined && params.keyid !== undefined && key.kid !== params.keyid) {
        throw new SignetError('ERR_KEY_ID_MISMATCH', `signature ${JSON.stringify(parsed.label)} names keyid ${JSON.stringify(params.keyid.slice(0, 64))}, not the key's`)
      }
    }
    // At most one await per step, and none when the backend is synchronous.
    const verified = verifySignatureDirect(message, parsed, key, options)
    if (typeof verified !== 'string') await verified
    // A covered Content-Digest is checked whatever the body: an absent body is the empty one,
    // so a man in the middle cannot strip a signed body and keep the signature (issue 11.4).
    if (!digestChecked && components.some(coversContentDigest)) {
      const pending = verifyMessageDigestDirect(message)
      if (pending !== undefined) await pending
      digestChecked = true
    }
    out.push({
      label: parsed.label,
      keyid: params.keyid,
      alg: key.algorithm.name,
      components: preparedOf(parsed.input).serialized.slice(),
      // A copy, so the caller cannot reach the parsed member; the parsers never store undefined,
      // so a spread (one shape clone in V8) gives the same object a filtering loop would.
      params: { ...params } as Record<string, string | number | boolean>,
      key,
    })
  }
  return out
}

/** True for `content-digest` of this message (any form but `;req` or `;tr`). */
function coversContentDigest(c: ComponentIdentifier): boolean {
  return c.name === 'content-digest' && !c.params.has('req') && !c.params.has('tr')
}
