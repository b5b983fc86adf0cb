/**
 * Stage: the components and parameters the policy requires (DESIGN.md "Server"). Runs before
 * the key is looked up: a signature that could never be accepted costs no lookup and no
 * cryptography.
 *
 * @module
 */
import { SignetError, serializeComponentIdentifier } from '@signet/core/verifying'
import type { HttpMessage, ParsedSignature } from '@signet/core'
import type { ResolvedLimits, ResolvedPolicy } from '../policy.ts'

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

/**
 * Check that `candidate` covers what the policy requires and carries the required parameters.
 *
 * @param policy - the resolved policy.
 * @param limits - the resolved limits (nonce length).
 * @param message - the request (its body decides whether `content-digest` is required).
 * @param candidate - the signature being tried.
 * @returns the covered components as serialized identifiers (cached and frozen).
 * @throws {SignetError} `ERR_REQUIRED_COMPONENT`, `ERR_REQUIRED_PARAMETER`, `ERR_INVALID_PARAMETER`.
 */
export function checkRequired(policy: ResolvedPolicy, limits: ResolvedLimits, message: HttpMessage, candidate: ParsedSignature): readonly string[] {
  const { covered, set } = coveredComponents(candidate)
  for (const alternatives of policy.requirements) {
    if (!alternatives.some((ids) => ids.every((id) => set.has(id)))) {
      const wanted = alternatives.map((ids) => ids.join(' + ')).join(' or ')
      throw new SignetError('ERR_REQUIRED_COMPONENT', `the signature must cover ${wanted}`)
    }
  }
  const body = message.body
  if (policy.requireContentDigest && body !== undefined && body.length > 0 && !set.has('"content-digest"')) {
    throw new SignetError('ERR_REQUIRED_COMPONENT', 'the signature must cover "content-digest" when there is a body')
  }
  const params = candidate.input.params
  if (typeof params.keyid !== 'string' || params.keyid === '') throw new SignetError('ERR_REQUIRED_PARAMETER', 'the signature must carry a keyid')
  if (policy.requireCreated && params.created === undefined) throw new SignetError('ERR_REQUIRED_PARAMETER', 'the signature must carry created')
  if (policy.requireNonce && params.nonce === undefined) throw new SignetError('ERR_REQUIRED_PARAMETER', 'the signature must carry a nonce')
  for (const name of policy.requiredParameters) {
    if ((params as Record<string, unknown>)[name] === undefined) throw new SignetError('ERR_REQUIRED_PARAMETER', `the signature must carry ${name}`)
  }
  if (params.nonce !== undefined && (typeof params.nonce !== 'string' || params.nonce === '' || params.nonce.length > limits.maxNonceLength)) {
    throw new SignetError('ERR_INVALID_PARAMETER', `nonce must be a string of 1 to ${limits.maxNonceLength} characters`)
  }
  return covered
}
