/**
 * The verification policy: what a signature must cover and carry to be accepted.
 *
 * Defaults are the secure ones of DESIGN.md: `@method` and `@target-uri` (or `@authority`,
 * `@path` and `@query` together) covered, `content-digest` covered whenever the request has a
 * body (RFC 9421 section 7.2.8: a signature that does not cover the content lets the body be
 * swapped), `created` required, at most 300 s old with 30 s of clock skew, a `nonce` required
 * when a nonce store is configured, `keyid` required (the server resolves keys by it). Options
 * are validated once, when the verifier is created.
 *
 * @module
 */
import { getAlgorithm, parseComponentIdentifier, serializeComponentIdentifier } from '@signet/core/verifying'
import type { AlgorithmName } from '@signet/core'

/** Options that decide what a signature must look like. Every member is optional. */
export interface VerifierPolicy {
  /**
   * Components every accepted signature must cover, in RFC 9421 identifier syntax
   * (`"@method"`, `"@query-param";name="id"`) or as bare names (`@method`, `content-type`).
   * Replaces the default (`@method` and `@target-uri`, or `@authority` + `@path` + `@query`).
   */
  readonly requiredComponents?: readonly string[] | undefined
  /** Require `content-digest` to be covered when the request has a body. Default true. */
  readonly requireContentDigest?: boolean | undefined
  /** Signature parameters that must be present, on top of `keyid`, `created` and `nonce` as configured. */
  readonly requiredParameters?: readonly string[] | undefined
  /** Require `created`. Default true. */
  readonly requireCreated?: boolean | undefined
  /** Require `nonce`. Default: true when a nonce store is set. */
  readonly requireNonce?: boolean | undefined
  /** Oldest accepted `created`, in seconds. Default 300; `null` disables the age check. */
  readonly maxAgeSeconds?: number | null | undefined
  /** Tolerated clock difference, in seconds. Default 30. */
  readonly clockSkewSeconds?: number | undefined
  /** Algorithms accepted at all; a key's own algorithm must also be among them. Default: all. */
  readonly algorithms?: readonly AlgorithmName[] | undefined
  /** Only signatures with this label are considered (combined with `tag` when both are set). */
  readonly label?: string | undefined
  /** Only signatures with this `tag` parameter are considered (RFC 9421 section 2.3). */
  readonly tag?: string | undefined
  /** How long a nonce is remembered when a signature carries neither a max age nor `expires`. Default 330 s. */
  readonly nonceTtlSeconds?: number | undefined
}

/** Size limits applied while parsing, before any cryptography. */
export interface VerifierLimits {
  /** Largest `Signature-Input` or `Signature` field value (all lines combined), bytes. Default 8192. */
  readonly maxFieldBytes?: number | undefined
  /** Most signatures on one message. Default 8. */
  readonly maxSignatures?: number | undefined
  /** Most components covered by one signature. Default 32. */
  readonly maxComponents?: number | undefined
  /** Largest request body read by the adapters, bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** Longest accepted `nonce`, characters. Default 256. */
  readonly maxNonceLength?: number | undefined
}

/** The policy after validation, with every default filled in. */
export interface ResolvedPolicy {
  /** Each entry is a set of alternatives; one alternative (all of its identifiers) must be covered. */
  readonly requirements: readonly (readonly (readonly string[])[])[]
  readonly requireContentDigest: boolean
  readonly requiredParameters: readonly string[]
  readonly requireCreated: boolean
  readonly requireNonce: boolean
  readonly maxAgeSeconds: number | null
  readonly clockSkewSeconds: number
  readonly algorithms: ReadonlySet<string> | undefined
  readonly label: string | undefined
  readonly tag: string | undefined
  readonly nonceTtlSeconds: number
  /** The components to ask for in `Accept-Signature`, serialized. */
  readonly advertisedComponents: readonly string[]
}

/** Limits after validation. */
export interface ResolvedLimits {
  readonly maxFieldBytes: number
  readonly maxSignatures: number
  readonly maxComponents: number
  readonly maxBodyBytes: number
  readonly maxNonceLength: number
}

const DEFAULT_REQUIREMENTS: readonly (readonly (readonly string[])[])[] = [
  [['"@method"']],
  [['"@target-uri"'], ['"@authority"', '"@path"', '"@query"']],
]

/**
 * Normalize one component given in identifier syntax or as a bare name to its serialized form.
 *
 * @throws {TypeError} naming the option when the text is not a component identifier.
 */
export function normalizeComponent(text: string, option = 'requiredComponents'): string {
  if (typeof text !== 'string' || text.trim() === '') throw new TypeError(`"${option}" expected component identifiers, got ${JSON.stringify(text)}`)
  const trimmed = text.trim()
  const quoted = trimmed.startsWith('"') ? trimmed : JSON.stringify(trimmed.toLowerCase().startsWith('@') ? trimmed : trimmed.toLowerCase())
  try {
    return serializeComponentIdentifier(parseComponentIdentifier(quoted))
  } catch (cause) {
    throw new TypeError(`"${option}" has an invalid component identifier ${JSON.stringify(text)}`, { cause })
  }
}

function seconds(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`"${name}" expected a non-negative number of seconds, got ${String(value)}`)
  return value
}

function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new RangeError(`"${name}" expected a positive integer, got ${String(value)}`)
  return value
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') throw new TypeError(`"${name}" expected a non-empty string`)
  return value
}

/**
 * Validate a policy and fill in the defaults.
 *
 * @param policy - the caller's policy.
 * @param hasNonceStore - whether the verifier has a nonce store (then a nonce is required by default).
 * @throws {TypeError | RangeError} naming the option that is wrong.
 */
export function resolvePolicy(policy: VerifierPolicy = {}, hasNonceStore = false): ResolvedPolicy {
  if (typeof policy !== 'object' || policy === null) throw new TypeError('"policy" expected an object')
  let requirements = DEFAULT_REQUIREMENTS
  let advertised: string[] = ['"@method"', '"@target-uri"']
  if (policy.requiredComponents !== undefined) {
    if (!Array.isArray(policy.requiredComponents)) throw new TypeError('"policy.requiredComponents" expected an array of strings')
    const ids = policy.requiredComponents.map((c) => normalizeComponent(c, 'policy.requiredComponents'))
    requirements = ids.map((id) => [[id]])
    advertised = ids
  }
  const bool = (value: unknown, name: string, fallback: boolean): boolean => {
    if (value === undefined) return fallback
    if (typeof value !== 'boolean') throw new TypeError(`"${name}" expected a boolean`)
    return value
  }
  const requiredParameters = policy.requiredParameters ?? []
  if (!Array.isArray(requiredParameters) || requiredParameters.some((p) => typeof p !== 'string' || p === '')) {
    throw new TypeError('"policy.requiredParameters" expected an array of parameter names')
  }
  let algorithms: Set<string> | undefined
  if (policy.algorithms !== undefined) {
    if (!Array.isArray(policy.algorithms) || policy.algorithms.length === 0) throw new TypeError('"policy.algorithms" expected a non-empty array of algorithm names')
    algorithms = new Set(policy.algorithms.map((a) => {
      try {
        return getAlgorithm(a).name
      } catch {
        throw new TypeError(`"policy.algorithms" names an unsupported algorithm ${JSON.stringify(a)}`)
      }
    }))
  }
  const maxAgeSeconds = policy.maxAgeSeconds === null ? null : seconds(policy.maxAgeSeconds, 'policy.maxAgeSeconds', 300)
  const clockSkewSeconds = seconds(policy.clockSkewSeconds, 'policy.clockSkewSeconds', 30)
  return {
    requirements,
    requireContentDigest: bool(policy.requireContentDigest, 'policy.requireContentDigest', true),
    requiredParameters,
    requireCreated: bool(policy.requireCreated, 'policy.requireCreated', true),
    requireNonce: bool(policy.requireNonce, 'policy.requireNonce', hasNonceStore),
    maxAgeSeconds,
    clockSkewSeconds,
    algorithms,
    label: optionalString(policy.label, 'policy.label'),
    tag: optionalString(policy.tag, 'policy.tag'),
    nonceTtlSeconds: seconds(policy.nonceTtlSeconds, 'policy.nonceTtlSeconds', (maxAgeSeconds ?? 300) + clockSkewSeconds),
    advertisedComponents: advertised,
  }
}

/**
 * Validate limits and fill in the defaults.
 *
 * @throws {RangeError} naming the limit that is wrong.
 */
export function resolveLimits(limits: VerifierLimits = {}): ResolvedLimits {
  if (typeof limits !== 'object' || limits === null) throw new TypeError('"limits" expected an object')
  return {
    maxFieldBytes: count(limits.maxFieldBytes, 'limits.maxFieldBytes', 8192),
    maxSignatures: count(limits.maxSignatures, 'limits.maxSignatures', 8),
    maxComponents: count(limits.maxComponents, 'limits.maxComponents', 32),
    maxBodyBytes: count(limits.maxBodyBytes, 'limits.maxBodyBytes', 1024 * 1024),
    maxNonceLength: count(limits.maxNonceLength, 'limits.maxNonceLength', 256),
  }
}
