/**
 * RFC 9530 digest fields: Content-Digest (the digest of the content as sent, after transfer
 * decoding) and Repr-Digest (the digest of the selected representation), plus the
 * Want-Content-Digest and Want-Repr-Digest preference fields.
 *
 * The fields are structured dictionaries parsed strictly (`structured/dictionary.ts`, with
 * `structured-headers` as its reference and fallback). Only
 * `sha-256` and `sha-512` are active (RFC 9530 section 5, "Active" status); other algorithms
 * are ignored on verify, and a field without any supported algorithm cannot be verified.
 * Digests are compared in constant time: a field that is exactly one supported member is
 * compared as base64 text against the body's digest (no early exit), anything else is parsed
 * and compared as bytes with `equalBytes`.
 *
 * @module
 */
import type { Dictionary, InnerList, Item } from 'structured-headers'
import { digestBase64Direct, digestDirect } from './backends/registry.ts'
import { equalBytes } from './bytes.ts'
import { SignetError } from './errors.ts'
import { byteSequence, parseStructuredDictionary } from './structured/dictionary.ts'
import type { HttpMessage } from './message.ts'

/** Digest algorithms Signet creates and verifies (RFC 9530 section 5). */
export type DigestAlgorithm = 'sha-256' | 'sha-512'

/** Longest digest field accepted, in characters. */
const MAX_DIGEST_FIELD_LENGTH = 4096

const supported: ReadonlySet<string> = new Set<DigestAlgorithm>(['sha-256', 'sha-512'])

function checkAlgorithms(algorithms: readonly DigestAlgorithm[]): void {
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError('"algorithms" expected a non-empty array')
  for (const a of algorithms) {
    if (!supported.has(a)) throw new TypeError(`"algorithms" must contain only sha-256 or sha-512, got ${JSON.stringify(String(a))}`)
  }
}

// The digest fields are made and checked on every signed POST: with a synchronous backend
// (node:crypto, pure) the work finishes in the calling turn and the promise is settled once.
function createDigestFieldDirect(body: Uint8Array, algorithms: readonly DigestAlgorithm[]): string | Promise<string> {
  if (!(body instanceof Uint8Array)) throw new TypeError('"body" expected a Uint8Array')
  checkAlgorithms(algorithms)
  let out = ''
  for (let i = 0; i < algorithms.length; i++) {
    const a = algorithms[i] as DigestAlgorithm
    const d = digestBase64Direct(a, body)
    if (d instanceof Promise) return finishCreate(out, body, algorithms, i, d)
    out += (out === '' ? '' : ', ') + a + '=:' + d + ':'
  }
  return out
}

async function finishCreate(out: string, body: Uint8Array, algorithms: readonly DigestAlgorithm[], from: number, pending: Promise<string>): Promise<string> {
  for (let i = from; i < algorithms.length; i++) {
    const a = algorithms[i] as DigestAlgorithm
    const d = i === from ? await pending : await digestBase64Direct(a, body)
    out += (out === '' ? '' : ', ') + a + '=:' + d + ':'
  }
  return out
}

function createDigestField(body: Uint8Array, algorithms: readonly DigestAlgorithm[]): Promise<string> {
  try {
    const result = createDigestFieldDirect(body, algorithms)
    return typeof result === 'string' ? Promise.resolve(result) : result
  } catch (error) {
    return Promise.reject(error)
  }
}

function parseDigestDictionary(fieldName: string, fieldValue: string): Dictionary {
  if (typeof fieldValue !== 'string') throw new TypeError('"fieldValue" expected a string')
  if (fieldValue.length > MAX_DIGEST_FIELD_LENGTH) {
    throw new SignetError('ERR_FIELD_TOO_LARGE', `the ${fieldName} field is over ${MAX_DIGEST_FIELD_LENGTH} characters`)
  }
  try {
    return parseStructuredDictionary(fieldValue).dictionary
  } catch (err) {
    throw new SignetError('ERR_MALFORMED_FIELD', `the ${fieldName} field is not a valid structured dictionary`, { cause: err })
  }
}

/**
 * Check the members of a digest field in order: each must be a byte sequence, and each
 * supported one must match. Returns nothing when done synchronously, or the promise of the
 * remaining work when the backend is asynchronous.
 */
function verifyDigestFieldDirect(fieldName: string, fieldValue: string, body: Uint8Array): void | Promise<void> {
  if (!(body instanceof Uint8Array)) throw new TypeError('"body" expected a Uint8Array')
  const single = singleMemberAlgorithm(fieldValue)
  if (single !== undefined) {
    const actual = digestBase64Direct(single, body)
    if (typeof actual === 'string') {
      if (equalText(actual, fieldValue, single.length + 2)) return
    } else {
      return actual.then((text) => (equalText(text, fieldValue, single.length + 2) ? undefined : verifyDigestFieldFull(fieldName, fieldValue, body)))
    }
  }
  return verifyDigestFieldFull(fieldName, fieldValue, body)
}

// Base64 length of each supported digest (32 and 64 bytes, padded).
const BASE64_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { 'sha-256': 44, 'sha-512': 88 }

/**
 * The algorithm when the field is exactly one supported member `alg=:<digest length>:` (the
 * form every sender writes), else undefined. When that text equals the canonical base64 of the
 * body's digest, the strict parse would yield this one member with those very bytes and the
 * check would pass, so the field is accepted without parsing; any other text — a mismatch
 * included — takes the full parse and byte comparison, which gives the coded error.
 */
function singleMemberAlgorithm(fieldValue: string): DigestAlgorithm | undefined {
  if (typeof fieldValue !== 'string') return undefined
  for (const a of ['sha-256', 'sha-512'] as const) {
    const n = a.length + 2 + BASE64_LENGTH[a] + 1
    if (fieldValue.length === n && fieldValue.startsWith(a) && fieldValue.charCodeAt(a.length) === 0x3d && fieldValue.charCodeAt(a.length + 1) === 0x3a && fieldValue.charCodeAt(n - 1) === 0x3a) return a
  }
  return undefined
}

/**
 * Constant-time comparison of the computed base64 digest with the same-length run of `field`
 * starting at `from`: every character is visited, no early exit (the digest is compared as
 * text because both sides are canonical base64 of the same length).
 */
function equalText(actual: string, field: string, from: number): boolean {
  if (field.length - from - 1 !== actual.length) return false
  let diff = 0
  for (let i = 0; i < actual.length; i++) diff |= actual.charCodeAt(i) ^ field.charCodeAt(from + i)
  return diff === 0
}

function verifyDigestFieldFull(fieldName: string, fieldValue: string, body: Uint8Array): void | Promise<void> {
  const members = [...parseDigestDictionary(fieldName, fieldValue)]
  return checkDigestMembers(fieldName, members, 0, 0, body)
}

function checkDigestMembers(fieldName: string, members: [string, Item | InnerList][], from: number, checked: number, body: Uint8Array): void | Promise<void> {
  for (let i = from; i < members.length; i++) {
    const [algorithm, member] = members[i] as (typeof members)[number]
    const expected = byteSequence(member[0])
    if (expected === undefined) {
      throw new SignetError('ERR_MALFORMED_FIELD', `${fieldName} member ${JSON.stringify(algorithm)} is not a byte sequence (RFC 9530 section 2)`)
    }
    if (!supported.has(algorithm)) continue
    const actual = digestDirect(algorithm as DigestAlgorithm, body)
    if (actual instanceof Promise) {
      return actual.then((d) => {
        compareDigest(fieldName, algorithm, d, expected)
        return checkDigestMembers(fieldName, members, i + 1, checked + 1, body)
      })
    }
    compareDigest(fieldName, algorithm, actual, expected)
    checked++
  }
  if (checked === 0) {
    throw new SignetError('ERR_DIGEST_UNSUPPORTED', `the ${fieldName} field has no sha-256 or sha-512 digest`)
  }
}

function compareDigest(fieldName: string, algorithm: string, actual: Uint8Array, expected: Uint8Array): void {
  if (!equalBytes(actual, expected)) {
    throw new SignetError('ERR_DIGEST_MISMATCH', `the ${fieldName} ${algorithm} digest does not match the body`)
  }
}

function verifyDigestField(fieldName: string, fieldValue: string, body: Uint8Array): Promise<void> {
  try {
    const result = verifyDigestFieldDirect(fieldName, fieldValue, body)
    return result === undefined ? Promise.resolve() : result
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Create a Content-Digest field value.
 *
 * @param body - the content bytes (after transfer decoding).
 * @param algorithms - default `['sha-256']`.
 * @returns e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`
 * @throws {TypeError} for an algorithm other than sha-256 or sha-512.
 * @example await createContentDigest(utf8('{"hello": "world"}'))
 */
export function createContentDigest(body: Uint8Array, algorithms: readonly DigestAlgorithm[] = ['sha-256']): Promise<string> {
  return createDigestField(body, algorithms)
}

/**
 * Verify a Content-Digest field value against the content. Every supported digest present
 * must match; unsupported algorithms are ignored.
 *
 * @throws {SignetError} `ERR_DIGEST_MISMATCH`, `ERR_DIGEST_UNSUPPORTED` (no sha-256 or
 *   sha-512 member), `ERR_MALFORMED_FIELD`, `ERR_FIELD_TOO_LARGE`.
 * @example await verifyContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', utf8('{"hello": "world"}'))
 */
export function verifyContentDigest(fieldValue: string, body: Uint8Array): Promise<void> {
  return verifyDigestField('Content-Digest', fieldValue, body)
}

/**
 * Create a Repr-Digest field value over the selected representation's bytes.
 *
 * @throws {TypeError} for an algorithm other than sha-256 or sha-512.
 */
export function createReprDigest(representation: Uint8Array, algorithms: readonly DigestAlgorithm[] = ['sha-256']): Promise<string> {
  return createDigestField(representation, algorithms)
}

/**
 * Verify a Repr-Digest field value against the representation's bytes.
 *
 * @throws {SignetError} `ERR_DIGEST_MISMATCH`, `ERR_DIGEST_UNSUPPORTED`, `ERR_MALFORMED_FIELD`,
 *   `ERR_FIELD_TOO_LARGE`.
 */
export function verifyReprDigest(fieldValue: string, representation: Uint8Array): Promise<void> {
  return verifyDigestField('Repr-Digest', fieldValue, representation)
}

/** One algorithm preference from Want-Content-Digest or Want-Repr-Digest. */
export interface DigestPreference {
  readonly algorithm: string
  /** 1 (least) to 10 (most preferred); 0 means "not acceptable" and is left out. */
  readonly preference: number
}

/**
 * Parse Want-Content-Digest or Want-Repr-Digest (RFC 9530 section 4): a dictionary of
 * integers 0 to 10. Returns the acceptable algorithms, most preferred first (ties keep field
 * order), including algorithms Signet does not support, so the caller can choose.
 *
 * @throws {SignetError} `ERR_MALFORMED_FIELD` when a member is not an integer from 0 to 10.
 * @example parseWantDigest('sha-256=1, sha-512=3') // [{ algorithm: 'sha-512', preference: 3 }, { algorithm: 'sha-256', preference: 1 }]
 */
export function parseWantDigest(fieldValue: string): DigestPreference[] {
  const dict = parseDigestDictionary('Want-Digest', fieldValue)
  const out: DigestPreference[] = []
  for (const [algorithm, member] of dict) {
    const value = member[0]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10) {
      throw new SignetError('ERR_MALFORMED_FIELD', `Want-Digest member ${JSON.stringify(algorithm)} must be an integer from 0 to 10 (RFC 9530 section 4)`)
    }
    if (value > 0) out.push({ algorithm, preference: value })
  }
  return out.sort((a, b) => b.preference - a.preference)
}

/**
 * Pick the digest algorithm to answer a Want-* field with: the most preferred one Signet
 * supports, or undefined.
 */
export function selectDigestAlgorithm(preferences: readonly DigestPreference[]): DigestAlgorithm | undefined {
  for (const p of preferences) if (supported.has(p.algorithm)) return p.algorithm as DigestAlgorithm
  return undefined
}

/**
 * Recompute the Content-Digest of a message over its body (an absent body counts as empty).
 *
 * @throws {SignetError} `ERR_DIGEST_MISSING` without a Content-Digest field, and every error of
 *   {@link verifyContentDigest}.
 */
export function verifyMessageDigest(message: HttpMessage): Promise<void> {
  try {
    const result = verifyMessageDigestDirect(message)
    return result === undefined ? Promise.resolve() : result
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * {@link verifyMessageDigest} for the hot path: done when it returns undefined, else the
 * promise of the rest (asynchronous backend). Errors are thrown, not rejected.
 *
 * @internal
 */
export function verifyMessageDigestDirect(message: HttpMessage): void | Promise<void> {
  let value: string | undefined
  for (const line of message.fields) {
    if (line.name === 'content-digest') value = value === undefined ? line.value : value + ', ' + line.value
  }
  if (value === undefined) throw new SignetError('ERR_DIGEST_MISSING', 'the message has no Content-Digest field')
  return verifyDigestFieldDirect('Content-Digest', value, message.body ?? new Uint8Array(0))
}
