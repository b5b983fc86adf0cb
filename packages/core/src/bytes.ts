/**
 * Byte helpers shared by every module: encodings, constant-time comparison, randomness.
 *
 * Bytes are `Uint8Array` everywhere. Base64 is written here rather than taken from `btoa`/`atob`
 * or `Buffer` so the same code runs in every runtime and rejects non-canonical input.
 *
 * @module
 */
import { randomBytes } from './random.ts'
import { utf8 } from './utf8.ts'

// UTF-8 encoding and randomness have modules of their own, which the lean signing entry imports
// without this one: a bundler splits code by file, and the decoders here would otherwise count
// in the initial load of an application that loads the rest of core on demand.
export { randomBytes, utf8 }

const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true })

/** UTF-8 decode; throws a TypeError on invalid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/** Concatenate byte arrays into a new one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/**
 * Compare two byte arrays in time that depends only on their lengths, never on where they
 * differ. Use for MACs, digests and secrets; `===` or an early exit would leak the position of
 * the first difference.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const decodeTable = /* @__PURE__ */ (() => {
  const t = new Int16Array(128).fill(-1)
  for (let i = 0; i < 64; i++) {
    t[B64.charCodeAt(i)] = i
    t[B64URL.charCodeAt(i)] = i
  }
  return t
})()

/**
 * Sextet values by character code for one alphabet, 255 for a character outside it. Separate
 * tables for base64 and base64url so the fast decoder needs one lookup per character.
 */
function sextets(alphabet: string): Uint8Array {
  const t = new Uint8Array(256).fill(255)
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i
  return t
}
const stdSextets = /* @__PURE__ */ sextets(B64)
const urlSextets = /* @__PURE__ */ sextets(B64URL)

// Encoding writes character codes into bytes and decodes them in one native call: measured on
// Node 20, that beats building the string piece by piece (even two characters at a time from a
// 4096-entry table) by a third for a 32-byte MAC and by half for a 64-byte signature, because
// no intermediate strings are made. A scratch buffer serves the common sizes.
const stdCodes = /* @__PURE__ */ codes(B64)
const urlCodes = /* @__PURE__ */ codes(B64URL)
// The bytes are ASCII, which UTF-8 decodes to the same characters (and every runtime's
// TextDecoder has UTF-8, with a fast path for ASCII).
const asciiDecoder = /* @__PURE__ */ new TextDecoder()
const SCRATCH_SIZE = 1024
let scratch: Uint8Array | undefined

function codes(alphabet: string): Uint8Array {
  const t = new Uint8Array(64)
  for (let i = 0; i < 64; i++) t[i] = alphabet.charCodeAt(i)
  return t
}

function encode(bytes: Uint8Array, table: Uint8Array, pad: boolean): string {
  const length = bytes.length
  const rest = length % 3
  const size = ((length - rest) / 3) * 4 + (rest === 0 ? 0 : pad ? 4 : rest + 1)
  const out = size <= SCRATCH_SIZE ? (scratch ??= new Uint8Array(SCRATCH_SIZE)) : new Uint8Array(size)
  const full = length - rest
  let o = 0
  for (let i = 0; i < full; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out[o++] = table[n >>> 18] as number
    out[o++] = table[(n >>> 12) & 63] as number
    out[o++] = table[(n >>> 6) & 63] as number
    out[o++] = table[n & 63] as number
  }
  if (rest === 1) {
    const n = (bytes[full] as number) << 16
    out[o++] = table[n >>> 18] as number
    out[o++] = table[(n >>> 12) & 63] as number
    if (pad) {
      out[o++] = 61
      out[o++] = 61
    }
  } else if (rest === 2) {
    const n = ((bytes[full] as number) << 16) | ((bytes[full + 1] as number) << 8)
    out[o++] = table[n >>> 18] as number
    out[o++] = table[(n >>> 12) & 63] as number
    out[o++] = table[(n >>> 6) & 63] as number
    if (pad) out[o++] = 61
  }
  return asciiDecoder.decode(out.subarray(0, o))
}

/**
 * Decode `text[start, end)` when it is canonical: the alphabet's characters only, padded to a
 * multiple of 4 with at most two `=` (base64) or unpadded (base64url), unused bits zero.
 * Returns undefined otherwise, leaving the verdict (and the error message) to the caller.
 */
function decodeCanonical(text: string, start: number, end: number, table: Uint8Array, padded: boolean): Uint8Array<ArrayBuffer> | undefined {
  let length = end - start
  if (padded) {
    if (length % 4 !== 0) return undefined
    if (length > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
      end--
      if (text.charCodeAt(end - 1) === 61) end--
    }
    length = end - start
  }
  const rest = length % 4
  if (rest === 1) return undefined
  const out = new Uint8Array((length >>> 2) * 3 + (rest === 0 ? 0 : rest - 1))
  const full = end - rest
  let o = 0
  // `bad` collects sextet values (255 marks a character outside the alphabet), `wide` the
  // character codes (a code over 255 reads past the table).
  let bad = 0
  let wide = 0
  let i = start
  for (; i < full; i += 4) {
    const ca = text.charCodeAt(i)
    const cb = text.charCodeAt(i + 1)
    const cc = text.charCodeAt(i + 2)
    const cd = text.charCodeAt(i + 3)
    wide |= ca | cb | cc | cd
    const a = table[ca] as number
    const b = table[cb] as number
    const c = table[cc] as number
    const d = table[cd] as number
    bad |= a | b | c | d
    out[o++] = (a << 2) | (b >>> 4)
    out[o++] = ((b & 15) << 4) | (c >>> 2)
    out[o++] = ((c & 3) << 6) | d
  }
  if (rest !== 0) {
    const ca = text.charCodeAt(i)
    const cb = text.charCodeAt(i + 1)
    const cc = rest === 3 ? text.charCodeAt(i + 2) : 65
    wide |= ca | cb | cc
    const a = table[ca] as number
    const b = table[cb] as number
    const c = table[cc] as number
    bad |= a | b | c
    // Unused low bits must be zero, or two encodings would decode to the same bytes.
    if ((rest === 2 ? b & 15 : c & 3) !== 0) return undefined
    out[o++] = (a << 2) | (b >>> 4)
    if (rest === 3) out[o++] = ((b & 15) << 4) | (c >>> 2)
  }
  return bad < 64 && wide < 256 ? out : undefined
}

/**
 * Decode canonical padded base64 in `text[start, end)` without slicing it out, for parsers
 * (structured-field byte sequences, RFC 9651 section 4.2.7).
 *
 * @returns The bytes, or undefined when the range is not canonical base64.
 */
export function decodeBase64Range(text: string, start: number, end: number): Uint8Array<ArrayBuffer> | undefined {
  return decodeCanonical(text, start, end, stdSextets, true)
}

// The reference decoder: reached only when the fast one declines, to accept what it always
// accepted and to name the problem in the error.
function decode(text: string, url: boolean, label: string): Uint8Array {
  const fast = decodeCanonical(text, 0, text.length, url ? urlSextets : stdSextets, !url)
  if (fast !== undefined) return fast
  let end = text.length
  if (!url) while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--
  if (!url && text.length % 4 !== 0) throw new TypeError(`"${label}" is not canonical base64`)
  if (end % 4 === 1) throw new TypeError(`"${label}" has an impossible length`)
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (decodeTable[c] as number) : -1
    const isUrlChar = c === 45 || c === 95
    const isStdChar = c === 43 || c === 47
    if (v < 0 || (url && isStdChar) || (!url && isUrlChar)) {
      throw new TypeError(`"${label}" contains a character outside the ${url ? 'base64url' : 'base64'} alphabet`)
    }
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
    }
  }
  // Leftover bits must be zero, or two encodings would decode to the same bytes.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new TypeError(`"${label}" is not canonical base64`)
  return out
}

/** Standard base64 with padding (RFC 4648 section 4). */
export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, stdCodes, true)
}

/** Decode standard padded base64; throws a TypeError naming `label` on bad input. */
export function fromBase64(text: string, label = 'input'): Uint8Array {
  return decode(text, false, label)
}

/** base64url without padding (RFC 4648 section 5, as JOSE uses it). */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, urlCodes, false)
}

/** Decode unpadded base64url; throws a TypeError naming `label` on bad input. */
export function fromBase64Url(text: string, label = 'input'): Uint8Array {
  return decode(text, true, label)
}

/** Lower-case hexadecimal. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16)
  return out
}

/** Decode hexadecimal (either case); throws a TypeError naming `label` on bad input. */
export function fromHex(text: string, label = 'input'): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new TypeError(`"${label}" is not hex`)
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16)
  return out
}
