/**
 * Stages: resolve the key (the `keyid` is untrusted input), then its state (active, not
 * before, not expired, not revoked) and the algorithm pinned to it (RFC 9421 section 7.3.6).
 *
 * @module
 */
import { SignetError, getAlgorithm } from '@signet/core/verifying'
import type { AlgorithmName, HttpMessage, ParsedSignature } from '@signet/core'
import { assertKeyUsable } from '../key-record.ts'
import type { KeyRecord, KeyResolver } from '../key-record.ts'
import type { ResolvedPolicy } from '../policy.ts'
import { memoryKeys } from '../resolvers/memory.ts'
import type { VerifierOptions } from './types.ts'

/** Where key ids are looked up, as resolved once by `createVerifier`. */
export interface KeySource {
  readonly resolver: KeyResolver
  /** The resolver declares a second parameter (a Web Bot Auth directory, a chain): it gets the context. */
  readonly wantsContext: boolean
}

/**
 * The `keys` option as a key source.
 *
 * @param keys - a resolver, or an array or map of key records.
 * @returns the source.
 * @throws {TypeError} for anything else.
 */
export function keySource(keys: VerifierOptions['keys']): KeySource {
  let resolver: KeyResolver
  if (typeof keys === 'object' && keys !== null && typeof (keys as KeyResolver).resolve === 'function') resolver = keys as KeyResolver
  else if (Array.isArray(keys) || keys instanceof Map) resolver = memoryKeys(keys as readonly KeyRecord[])
  else throw new TypeError('"keys" expected a key resolver or an array of key records')
  return { resolver, wantsContext: resolver.resolve.length >= 2 }
}

/**
 * Look up the key record `candidate`'s `keyid` names. A synchronous resolver (memory, JWKS)
 * answers without a promise, so the caller need not wait for it.
 *
 * @param keys - the key source.
 * @param message - the request, for a resolver that wants the context.
 * @param candidate - the signature; its `keyid` was checked to be a non-empty string.
 * @param components - its covered components, for a resolver that wants the context.
 * @returns the record, undefined or null when unknown, or a promise of either.
 */
export function resolveKey(
  keys: KeySource,
  message: HttpMessage,
  candidate: ParsedSignature,
  components: readonly string[],
): KeyRecord | undefined | null | Promise<KeyRecord | undefined | null> {
  const params = candidate.input.params
  const keyid = params.keyid as string
  // Only a resolver that declares a second parameter gets the context built for it.
  if (!keys.wantsContext) return keys.resolver.resolve(keyid)
  return keys.resolver.resolve(keyid, { message, label: candidate.label, components, tag: typeof params.tag === 'string' ? params.tag : undefined })
}

/**
 * Check the resolved record: it exists, is the one asked for, is usable now, and its algorithm
 * is the one the signature may use.
 *
 * @param policy - the resolved policy (its algorithm allow list).
 * @param candidate - the signature (its `keyid` and `alg` parameters).
 * @param record - what the resolver returned.
 * @param nowSeconds - the verifier's clock, unix seconds.
 * @returns the record and its algorithm.
 * @throws {SignetError} `ERR_KEY_NOT_FOUND`, `ERR_KEY_ID_MISMATCH`, the key-state codes of
 *   `assertKeyUsable`, `ERR_INVALID_PARAMETER`, `ERR_ALG_MISMATCH`, `ERR_ALG_NOT_ALLOWED`.
 */
export function checkKey(policy: ResolvedPolicy, candidate: ParsedSignature, record: KeyRecord | undefined | null, nowSeconds: number): AlgorithmName {
  const params = candidate.input.params
  if (record === undefined || record === null) throw new SignetError('ERR_KEY_NOT_FOUND', 'unknown key id')
  if (record.id !== params.keyid) throw new SignetError('ERR_KEY_ID_MISMATCH', 'the resolver returned a record for another key id')
  assertKeyUsable(record, nowSeconds)
  const alg = record.key.algorithm.name
  // RFC 9421 section 7.3.6: the key decides the algorithm; an `alg` parameter may only agree.
  if (params.alg !== undefined) {
    if (typeof params.alg !== 'string') throw new SignetError('ERR_INVALID_PARAMETER', 'alg must be a string')
    let named: AlgorithmName
    try {
      named = getAlgorithm(params.alg).name
    } catch {
      throw new SignetError('ERR_ALG_MISMATCH', 'the alg parameter does not match the key')
    }
    if (named !== alg) throw new SignetError('ERR_ALG_MISMATCH', 'the alg parameter does not match the key')
  }
  if (policy.algorithms !== undefined && !policy.algorithms.has(alg)) throw new SignetError('ERR_ALG_NOT_ALLOWED', `the algorithm ${alg} is not accepted here`)
  return alg
}
