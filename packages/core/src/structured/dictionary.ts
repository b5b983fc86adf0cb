/**
 * A strict structured-field dictionary parser (RFC 9651 section 4.2.2) for the hot path:
 * Signature-Input, Signature and Content-Digest are parsed on every verified request.
 *
 * Kept by measurement (issue 18.5): `structured-headers` stays the reference, but it builds
 * strings character by character and costs up to 4 ms on a crafted 16 KiB field.
 *
 * {@link scanDictionary} parses every bare item type (integers, decimals, strings, tokens, byte
 * sequences, booleans, dates, display strings) with character codes, no regular expression
 * and no per-character allocation, and returns the value `structured-headers` 2 would, except
 * that a byte sequence is a `Uint8Array` rather than an `ArrayBuffer` (consumers accept both;
 * see {@link byteSequence}). It follows that parser's exact rules, its quirks included (a date
 * only as the last thing in the field, base64 decoded as leniently as `atob`), so the two
 * accept and reject the same inputs; the property tests in `test/perf-structured.test.ts`
 * hold it to that, values included. {@link parseStructuredDictionary} therefore refuses what
 * the scan refuses at once: an error near the end of a 16 KiB field is not paid for twice
 * (issue 11.10: every field parses in well under 1 ms at the 16 KiB limit).
 *
 * The scan also records, for each member, where its value lies in the input and whether that
 * text is already the canonical serialization (RFC 9651 section 4.1). Signature-Input uses
 * this: the `@signature-params` value is the member re-serialized, and when the received text
 * is canonical, slicing it gives the same string without building it again.
 *
 * @module
 */
import { DisplayString, Token, type BareItem, type Dictionary, type InnerList, type Item, type Parameters } from 'structured-headers'
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
const TOKEN_CHAR = 8 // RFC 9651 section 3.3.4: tchar, ":" and "/"
const charClass = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128)
  for (let c = 0x61; c <= 0x7a; c++) t[c] = KEY_START | KEY_CHAR
  t[0x2a] = KEY_START | KEY_CHAR
  for (let c = 0x30; c <= 0x39; c++) t[c] = KEY_CHAR | DIGIT
  t[0x5f] = KEY_CHAR
  t[0x2d] = KEY_CHAR
  t[0x2e] = KEY_CHAR
  for (let c = 0x21; c < 0x7f; c++) if ((t[c] as number) & (KEY_CHAR | DIGIT) || (c >= 0x41 && c <= 0x5a)) t[c] = (t[c] as number) | TOKEN_CHAR
  for (const ch of ":/!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = (t[ch.charCodeAt(0)] as number) | TOKEN_CHAR
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
 * One pass over the input. Methods return `false` (or `undefined`) for an input that is not a
 * valid structured field, never throw; `pos` is then where the scan stopped.
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

  /** RFC 9651 section 4.2.3.1. */
  bareItem(): boolean {
    const c = this.code()
    if (c === 0x22) return this.string()
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.integer()
    if (c === 0x3a) return this.bytes()
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2a) return this.token()
    if (c === 0x25) return this.displayString()
    if (c === 0x40) return this.date()
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
    if (digits === 0 || digits > 15) return false
    if (input.charCodeAt(p) === 0x2e) return this.decimal(value, first, p, sign)
    // Canonical integers have no leading zero and no negative zero.
    if (input.charCodeAt(first) === 0x30 && (digits > 1 || sign < 0)) this.canonical = false
    this.bare = value * sign
    this.pos = p
    return true
  }

  /** RFC 9651 section 4.2.4 from the `.`: at most 12 integer and 1 to 3 fraction digits. */
  decimal(integer: number, first: number, dot: number, sign: number): boolean {
    const input = this.input
    if (dot - first > 12) return false
    let p = dot + 1
    let thousandths = 0
    let scale = 100
    // Four digits are already one too many: no need to count further.
    while (p - dot <= 4 && p < input.length) {
      const c = input.charCodeAt(p)
      if (c < 0x30 || c > 0x39) break
      thousandths += (c - 0x30) * scale
      scale /= 10
      p++
    }
    const fraction = p - dot - 1
    if (fraction === 0 || fraction > 3) return false
    // The numerator is exact (at most 15 digits), so one division rounds once, to the double
    // nearest the decimal: what parsing the text (as structured-headers does) gives.
    this.bare = ((integer * 1000 + thousandths) / 1000) * sign
    this.pos = p
    // structured-headers re-serializes decimals itself (trailing zeros dropped).
    this.canonical = false
    return true
  }

  /** RFC 9651 section 4.2.6. */
  token(): boolean {
    const input = this.input
    let p = this.pos + 1
    for (; p < input.length; p++) {
      const c = input.charCodeAt(p)
      if (!(c < 128 && (charClass[c] as number) & TOKEN_CHAR)) break
    }
    this.bare = token(input.slice(this.pos, p))
    this.pos = p
    this.canonical = false
    return true
  }

  /**
   * RFC 9651 section 4.2.10, as `structured-headers` reads it: `%xx` escapes in lower-case hex,
   * other characters from 0x20 to 0x7e taken as they are, and (its quirk) a character above
   * 0xff taken modulo 256; the bytes must be UTF-8 (decoded here, strictly, as a fatal
   * `TextDecoder` would: a decoder call per item is most of the cost of a field full of them).
   */
  displayString(): boolean {
    const input = this.input
    if (input.charCodeAt(this.pos + 1) !== 0x22) return false
    let text = ''
    // UTF-8 state: the code point so far, continuation bytes still expected, and the range the
    // next one must fall in (WHATWG Encoding, "UTF-8 decoder": no overlong forms, no
    // surrogates, nothing above U+10FFFF).
    let point = 0
    let needed = 0
    let lower = 0x80
    let upper = 0xbf
    for (let p = this.pos + 2; p < input.length; p++) {
      let b = input.charCodeAt(p)
      if (b <= 0x1f || (b >= 0x7f && b <= 0xff)) return false
      if (b === 0x22) {
        if (needed !== 0) return false
        this.bare = new DisplayString(text)
        this.pos = p + 1
        this.canonical = false
        return true
      }
      if (b === 0x25) {
        const hi = hexDigit(input.charCodeAt(p + 1))
        const lo = hexDigit(input.charCodeAt(p + 2))
        if (hi < 0 || lo < 0) return false
        b = hi * 16 + lo
        p += 2
      } else b &= 0xff
      if (needed === 0) {
        if (b < 0x80) text += String.fromCharCode(b)
        else if (b >= 0xc2 && b <= 0xdf) {
          needed = 1
          point = b & 0x1f
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0
          if (b === 0xed) upper = 0x9f
          needed = 2
          point = b & 0xf
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90
          if (b === 0xf4) upper = 0x8f
          needed = 3
          point = b & 0x7
        } else return false
        continue
      }
      if (b < lower || b > upper) return false
      lower = 0x80
      upper = 0xbf
      point = (point << 6) | (b & 0x3f)
      if (--needed === 0) text += String.fromCodePoint(point)
    }
    return false
  }

  /**
   * RFC 9651 section 4.2.9, as `structured-headers` 2 reads it: digits up to the end of the
   * field (anything after a date is refused there).
   */
  date(): boolean {
    const input = this.input
    let p = this.pos + 1
    let sign = 1
    if (input.charCodeAt(p) === 0x2d) {
      sign = -1
      p++
    }
    const first = p
    for (; p < input.length; p++) {
      const c = input.charCodeAt(p)
      if (c < 0x30 || c > 0x39) return false
    }
    if (p === first) return false
    this.bare = new Date(parseInt(input.slice(first, p), 10) * sign * 1000)
    this.pos = p
    this.canonical = false
    return true
  }

  bytes(): boolean {
    const start = this.pos + 1
    const end = this.input.indexOf(':', start)
    if (end < 0) return false
    const decoded = decodeBase64Range(this.input, start, end) ?? lenientBase64(this.input, start, end)
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
 * A `Token` for text already checked against the token grammar: the class's constructor tests
 * a regular expression again, which is most of the cost of a field full of tokens.
 */
const token = /* @__PURE__ */ (() => {
  // A plain constructor sharing Token's prototype: `instanceof Token` and `toString` hold, and
  // V8 allocates it as fast as any class instance (Object.create is several times slower).
  function CheckedToken(this: { value: string }, text: string): void {
    this.value = text
  }
  CheckedToken.prototype = Token.prototype
  return (text: string): Token => new (CheckedToken as unknown as new (text: string) => Token)(text)
})()

/** The value of a lower-case hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

// RFC 4648 section 4 alphabet: the 6-bit value of each character, -1 for any other.
const BASE64_VALUE = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(-1)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i
  return t
})()

/**
 * Base64 that is not canonical (missing padding, non-zero trailing bits), decoded as
 * `structured-headers` does: the RFC 4648 alphabet and `=` only, then `atob`'s forgiving rules
 * (WHATWG "forgiving-base64 decode": one or two `=` only at the end of a length that is a
 * multiple of 4, no length of the form 4n+1, leftover bits dropped).
 */
function lenientBase64(input: string, start: number, end: number): Uint8Array<ArrayBuffer> | undefined {
  let stop = end
  if ((end - start) % 4 === 0 && input.charCodeAt(stop - 1) === 0x3d) {
    stop--
    if (input.charCodeAt(stop - 1) === 0x3d) stop--
  }
  const length = stop - start
  if (length % 4 === 1) return undefined
  const out = new Uint8Array((length * 3) >> 2)
  let bits = 0
  let count = 0
  let o = 0
  for (let p = start; p < stop; p++) {
    const c = input.charCodeAt(p)
    const v = c < 128 ? (BASE64_VALUE[c] as number) : -1
    if (v < 0) return undefined
    bits = (bits << 6) | v
    count += 6
    if (count >= 8) {
      count -= 8
      out[o++] = (bits >> count) & 0xff
    }
  }
  // The rest (a character after a `=`, or `=` beyond the padding) is not base64.
  for (let p = stop; p < end; p++) if (input.charCodeAt(p) !== 0x3d || p < stop) return undefined
  return out
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
 *   `Uint8Array`), with member spans; or `undefined` for an input that is not a valid
 *   dictionary.
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
 * Parse a dictionary (RFC 9651 section 4.2.2) in one linear pass.
 *
 * @param input - the combined field value.
 * @param withSpans - record member spans (Signature-Input needs them; other fields do not).
 * @returns The dictionary and, when asked for, the member spans.
 * @throws {SyntaxError} for an invalid dictionary, naming the offset where parsing stopped
 *   (callers map it to `ERR_MALFORMED_FIELD`).
 */
export function parseStructuredDictionary(input: string, withSpans = false): { dictionary: Dictionary; spans: Map<string, MemberSpan> | undefined } {
  const scan = scanner(input)
  const scanned = scan.dictionary(withSpans)
  if (scanned === undefined) throw new SyntaxError(`not a structured-field dictionary (RFC 9651 section 4.2.2): stopped at offset ${scan.pos}`)
  return withSpans ? scanned : { dictionary: scanned.dictionary, spans: undefined }
}
