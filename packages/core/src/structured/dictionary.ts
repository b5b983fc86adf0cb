/**
 * A strict structured-field dictionary parser (RFC 9651 section 4.2.2) for the hot path:
 * Signature-Input, Signature and Content-Digest are parsed on every verified request.
 *
 * `structured-headers` stays the reference. {@link scanDictionary} handles the subset these
 * fields use (keys, inner lists, parameters, integers, strings, byte sequences, booleans) with
 * character codes, no regular expression and no per-character allocation, and returns the
 * value `structured-headers` would, except that a byte sequence is a `Uint8Array` rather than
 * an `ArrayBuffer` (consumers accept both; see {@link byteSequence}). On anything else, valid or not (a decimal, a token, a
 * date, a display string, base64 that is not canonical, any syntax error), it returns
 * `undefined` and {@link parseStructuredDictionary} hands the input to `structured-headers`,
 * which accepts or rejects it with its own rules. The two therefore accept and reject the same
 * inputs by construction; the property tests in `test/perf-structured.test.ts` check that the
 * values are equal as well.
 *
 * The scan also records, for each member, where its value lies in the input and whether that
 * text is already the canonical serialization (RFC 9651 section 4.1). Signature-Input uses
 * this: the `@signature-params` value is the member re-serialized, and when the received text
 * is canonical, slicing it gives the same string without building it again.
 *
 * @module
 */
import { parseDictionary, type BareItem, type Dictionary, type InnerList, type Item, type Parameters } from 'structured-headers'
import { decodeBase64Range } from '../bytes.ts'

/** Where a dictionary member's value lies in the input. */
export interface MemberSpan {
  /** Offset of the first character of the value (after `=`); for a bare key, its end. */
  readonly start: number
  /** Offset just past the value and its parameters. */
  readonly end: number
  /**
   * True when `input.slice(start, end)` is the canonical serialization of the value
   * (RFC 9651 section 4.1): single spaces in inner lists, no space after `;`, no repeated
   * parameter, integers without leading zeros, strings, integers and bare `true` flags only.
   */
  readonly canonical: boolean
}

/** What {@link scanDictionary} returns: the dictionary and the span of each member. */
export interface ScannedDictionary {
  readonly dictionary: Dictionary
  /** By key, for the member the dictionary holds (the last one when a key repeats). */
  readonly spans: Map<string, MemberSpan>
}

// Character classes as bit flags over ASCII, so each test is one table load.
const KEY_START = 1 // a-z *
const KEY_CHAR = 2 // a-z 0-9 _ - . *
const DIGIT = 4
const charClass = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128)
  for (let c = 0x61; c <= 0x7a; c++) t[c] = KEY_START | KEY_CHAR
  t[0x2a] = KEY_START | KEY_CHAR
  for (let c = 0x30; c <= 0x39; c++) t[c] = KEY_CHAR | DIGIT
  t[0x5f] = KEY_CHAR
  t[0x2d] = KEY_CHAR
  t[0x2e] = KEY_CHAR
  return t
})()

const SP = 0x20
const HTAB = 0x09

/**
 * Most items carry no parameters: they share one empty map instead of allocating their own.
 * It refuses writes, so no consumer can turn it into shared state.
 */
class EmptyParameters extends Map<string, BareItem> {
  override set(): this {
    throw new TypeError('parsed structured-field parameters are read-only')
  }
}
const NO_PARAMETERS: Parameters = /* @__PURE__ */ Object.freeze(new EmptyParameters())

// Keys and strings that occur in nearly every signature field. Returning the literal instead
// of a fresh slice saves the allocation and, later, the hashing and internalizing a fresh
// string costs when it becomes a Map key or an object property. Bucketed by length.
function buckets(words: readonly string[]): (readonly string[] | undefined)[] {
  const out: string[][] = []
  for (const w of words) (out[w.length] ??= []).push(w)
  return out
}
const commonKeys = /* @__PURE__ */ buckets(['created', 'expires', 'nonce', 'alg', 'keyid', 'tag', 'sig1', 'sig2', 'req', 'sf', 'bs', 'tr', 'key', 'name', 'sha-256', 'sha-512'])
const commonStrings = /* @__PURE__ */ buckets([
  '@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', '@query-param', '@status',
  'content-digest', 'content-type', 'content-length', 'host', 'date', 'authorization',
])

function common(table: (readonly string[] | undefined)[], input: string, start: number, end: number): string {
  const candidates = table[end - start]
  if (candidates !== undefined) {
    const length = end - start
    next: for (let i = 0; i < candidates.length; i++) {
      const word = candidates[i] as string
      for (let j = 0; j < length; j++) if (word.charCodeAt(j) !== input.charCodeAt(start + j)) continue next
      return word
    }
  }
  return input.slice(start, end)
}

/**
 * One pass over the input. Methods return `false` (or `undefined`) to mean "not handled
 * here", never throw, and leave the verdict to `structured-headers`.
 */
class Scanner {
  input: string
  pos = 0
  /** Cleared when the member being scanned is not in canonical form. */
  canonical = true
  /** The last bare item or parameters scanned (avoids allocating a result wrapper). */
  bare: BareItem = true

  constructor(input: string) {
    this.input = input
  }

  code(): number {
    // NaN past the end: compares unequal to every character code.
    return this.input.charCodeAt(this.pos)
  }

  key(): string | undefined {
    const input = this.input
    const start = this.pos
    const c = input.charCodeAt(start)
    if (!(c < 128 && (charClass[c] as number) & KEY_START)) return undefined
    let p = start + 1
    for (; p < input.length; p++) {
      const d = input.charCodeAt(p)
      if (!(d < 128 && (charClass[d] as number) & KEY_CHAR)) break
    }
    this.pos = p
    return common(commonKeys, input, start, p)
  }

  /** RFC 9651 section 4.2.3.1, without decimals, tokens, dates and display strings. */
  bareItem(): boolean {
    const c = this.code()
    if (c === 0x22) return this.string()
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.integer()
    if (c === 0x3a) return this.bytes()
    if (c === 0x3f) {
      const d = this.input.charCodeAt(this.pos + 1)
      if (d !== 0x30 && d !== 0x31) return false
      this.pos += 2
      this.bare = d === 0x31
      // `?1` as a parameter value is written as a bare key; `?0` never occurs in what
      // Signet serializes itself. Either way, leave re-serialization to the slow path.
      this.canonical = false
      return true
    }
    return false
  }

  string(): boolean {
    const input = this.input
    let p = this.pos + 1
    let out = ''
    let start = p
    for (; p < input.length; p++) {
      const c = input.charCodeAt(p)
      if (c === 0x22) {
        this.bare = start === this.pos + 1 ? common(commonStrings, input, start, p) : out + input.slice(start, p)
        this.pos = p + 1
        return true
      }
      if (c === 0x5c) {
        const d = input.charCodeAt(p + 1)
        if (d !== 0x22 && d !== 0x5c) return false
        out += input.slice(start, p)
        start = p + 1
        p++
      } else if (c < 0x20 || c > 0x7e) return false
    }
    return false
  }

  integer(): boolean {
    const input = this.input
    let p = this.pos
    let sign = 1
    if (input.charCodeAt(p) === 0x2d) {
      sign = -1
      p++
    }
    const first = p
    let value = 0
    for (; p < input.length; p++) {
      const c = input.charCodeAt(p)
      if (c < 0x30 || c > 0x39) break
      value = value * 10 + (c - 0x30)
    }
    const digits = p - first
    // No digit, over 15 digits, or a decimal: structured-headers decides.
    if (digits === 0 || digits > 15 || input.charCodeAt(p) === 0x2e) return false
    // Canonical integers have no leading zero and no negative zero.
    if (input.charCodeAt(first) === 0x30 && (digits > 1 || sign < 0)) this.canonical = false
    this.bare = value * sign
    this.pos = p
    return true
  }

  bytes(): boolean {
    const start = this.pos + 1
    const end = this.input.indexOf(':', start)
    if (end < 0) return false
    const decoded = decodeBase64Range(this.input, start, end)
    if (decoded === undefined) return false
    // A view, not its ArrayBuffer: V8 keeps small typed arrays inside the heap and moves them
    // out the first time `.buffer` is read, which costs more than the decoding.
    this.bare = decoded
    this.pos = end + 1
    // structured-headers serializes bytes itself; keep the slow path for them.
    this.canonical = false
    return true
  }

  /** RFC 9651 section 4.2.3.2. */
  parameters(): Parameters | undefined {
    const input = this.input
    if (input.charCodeAt(this.pos) !== 0x3b) return NO_PARAMETERS
    const params: Parameters = new Map()
    while (input.charCodeAt(this.pos) === 0x3b) {
      this.pos++
      if (input.charCodeAt(this.pos) === SP) {
        this.canonical = false
        while (input.charCodeAt(this.pos) === SP) this.pos++
      }
      const key = this.key()
      if (key === undefined) return undefined
      let value: BareItem = true
      if (input.charCodeAt(this.pos) === 0x3d) {
        this.pos++
        if (!this.bareItem()) return undefined
        value = this.bare
      }
      if (params.has(key)) this.canonical = false
      params.set(key, value)
    }
    return params
  }

  item(): Item | undefined {
    if (!this.bareItem()) return undefined
    const bare = this.bare
    const params = this.parameters()
    return params === undefined ? undefined : [bare, params]
  }

  /** RFC 9651 section 4.2.1.2. */
  innerList(): InnerList | undefined {
    const input = this.input
    this.pos++
    const items: Item[] = []
    while (this.pos < input.length) {
      const before = this.pos
      while (input.charCodeAt(this.pos) === SP) this.pos++
      // Canonical: no space after `(` or before `)`, one space between items.
      const spaces = this.pos - before
      const close = input.charCodeAt(this.pos) === 0x29
      if (spaces !== (close || items.length === 0 ? 0 : 1)) this.canonical = false
      if (close) {
        this.pos++
        const params = this.parameters()
        return params === undefined ? undefined : [items, params]
      }
      const item = this.item()
      if (item === undefined) return undefined
      items.push(item)
      const next = input.charCodeAt(this.pos)
      if (next !== SP && next !== 0x29) return undefined
    }
    return undefined
  }

  dictionary(withSpans: boolean): ScannedDictionary | undefined {
    const input = this.input
    const dictionary: Dictionary = new Map()
    const spans = withSpans ? new Map<string, MemberSpan>() : NO_SPANS
    while (input.charCodeAt(this.pos) === SP) this.pos++
    while (this.pos < input.length) {
      const key = this.key()
      if (key === undefined) return undefined
      this.canonical = true
      let member: Item | InnerList | undefined
      let start: number
      if (input.charCodeAt(this.pos) === 0x3d) {
        this.pos++
        start = this.pos
        member = input.charCodeAt(this.pos) === 0x28 ? this.innerList() : this.item()
      } else {
        start = this.pos
        const params = this.parameters()
        member = params === undefined ? undefined : [true, params]
      }
      if (member === undefined) return undefined
      dictionary.set(key, member)
      if (withSpans) spans.set(key, { start, end: this.pos, canonical: this.canonical })
      let c = input.charCodeAt(this.pos)
      while (c === SP || c === HTAB) c = input.charCodeAt(++this.pos)
      if (this.pos >= input.length) break
      if (c !== 0x2c) return undefined
      c = input.charCodeAt(++this.pos)
      while (c === SP || c === HTAB) c = input.charCodeAt(++this.pos)
      // A trailing comma is an error.
      if (this.pos >= input.length) return undefined
    }
    return { dictionary, spans }
  }
}

/**
 * The bytes of a parsed byte sequence: a `Uint8Array` from the fast scan, an `ArrayBuffer` from
 * `structured-headers`; undefined for any other bare item.
 */
export function byteSequence(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  return undefined
}

/**
 * Scan a dictionary on the fast path.
 *
 * @param input - the combined field value.
 * @returns The dictionary, equal to what `structured-headers` returns (byte sequences as
 *   `Uint8Array`), with member spans; or
 *   `undefined` when the input needs `structured-headers` (which may accept or reject it).
 */
export function scanDictionary(input: string): ScannedDictionary | undefined {
  return scanner(input).dictionary(true)
}

// Returned by a scan that was not asked for spans (Signature, digest fields): never written.
const NO_SPANS: Map<string, MemberSpan> = /* @__PURE__ */ new Map()

// One scanner, reset per call: scanning is synchronous and never re-entered.
let shared: Scanner | undefined

function scanner(input: string): Scanner {
  if (shared === undefined) return (shared = new Scanner(input))
  shared.input = input
  shared.pos = 0
  shared.canonical = true
  shared.bare = true
  return shared
}

/**
 * Parse a dictionary: the fast scan, or `structured-headers` for what the scan leaves to it.
 *
 * @param input - the combined field value.
 * @param withSpans - record member spans (Signature-Input needs them; other fields do not).
 * @returns The dictionary and, when the fast scan handled it and they were asked for, the
 *   member spans.
 * @throws the `structured-headers` parse error for an invalid dictionary (callers map it to
 *   `ERR_MALFORMED_FIELD`).
 */
export function parseStructuredDictionary(input: string, withSpans = false): { dictionary: Dictionary; spans: Map<string, MemberSpan> | undefined } {
  const scanned = scanner(input).dictionary(withSpans)
  if (scanned !== undefined) return withSpans ? scanned : { dictionary: scanned.dictionary, spans: undefined }
  return { dictionary: parseDictionary(input), spans: undefined }
}
