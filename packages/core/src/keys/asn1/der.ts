/**
 * Why hand-written: WebCrypto imports neither PKCS#1 nor SEC1 and the pure backend has no importer,
 * so key files are opened here; four container shapes need a small strict reader, not an ASN.1 library.
 *
 * A small, strict DER (ITU-T X.690 section 10) reader and writer: just enough ASN.1 for key
 * containers (SPKI, PKCS#8, PKCS#1, SEC1).
 *
 * Strict means: definite lengths only, in their shortest form; single-byte tags; INTEGERs in
 * their minimal two's-complement form; no bytes after the outer value. A key file that is not
 * valid DER is refused rather than guessed at, because two parsers that disagree on the same
 * bytes are how signature-verification bypasses start. Every failure is a `SignetError`
 * `ERR_KEY_INVALID`; nothing here throws anything else, whatever the input.
 *
 * @module
 */
import { SignetError } from '../../errors.ts'
import { concatBytes } from '../../bytes.ts'

/** Universal tags used by key containers. */
export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const

/** One decoded tag-length-value. `content` is a view into the input, not a copy. */
export interface Tlv {
  readonly tag: number
  readonly content: Uint8Array
}

// Key containers never nest deeply or grow large; the caps keep a hostile input cheap.
const MAX_LENGTH = 1 << 20

function fail(reason: string): never {
  throw new SignetError('ERR_KEY_INVALID', `malformed DER: ${reason}`)
}

/**
 * Read one TLV at `offset`.
 *
 * @returns the TLV and the offset just past it.
 * @throws {SignetError} `ERR_KEY_INVALID` for truncated input, indefinite or non-minimal lengths,
 *   or multi-byte tags.
 */
function readTlv(bytes: Uint8Array, offset: number): { tlv: Tlv; next: number } {
  if (offset + 2 > bytes.length) fail('truncated')
  const tag = bytes[offset] as number
  // High-tag-number form (X.690 section 8.1.2.4) never occurs in key containers.
  if ((tag & 0x1f) === 0x1f) fail('multi-byte tag')
  let length = bytes[offset + 1] as number
  let pos = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    // 0x80 is the indefinite form, which DER forbids (X.690 section 10.1).
    if (count === 0) fail('indefinite length')
    if (count > 3) fail('length too large')
    if (pos + count > bytes.length) fail('truncated')
    length = 0
    for (let i = 0; i < count; i++) length = (length << 8) | (bytes[pos + i] as number)
    pos += count
    // DER: the shortest length form (X.690 section 10.1).
    if (length < 0x80 || (count > 1 && bytes[pos - count] === 0)) fail('non-minimal length')
  }
  if (length > MAX_LENGTH) fail('length too large')
  if (pos + length > bytes.length) fail('truncated')
  return { tlv: { tag, content: bytes.subarray(pos, pos + length) }, next: pos + length }
}

/**
 * Decode exactly one TLV that spans all of `bytes`.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` when bytes are left over or the value is malformed.
 */
export function decodeDer(bytes: Uint8Array): Tlv {
  const { tlv, next } = readTlv(bytes, 0)
  if (next !== bytes.length) fail('trailing bytes')
  return tlv
}

/**
 * The children of a constructed value (SEQUENCE or a constructed context tag).
 *
 * @throws {SignetError} `ERR_KEY_INVALID` when the tag differs or a child is malformed.
 */
export function readChildren(tlv: Tlv, expectedTag: number = TAG.SEQUENCE): Tlv[] {
  if (tlv.tag !== expectedTag) fail(`expected tag 0x${expectedTag.toString(16)}, got 0x${tlv.tag.toString(16)}`)
  const out: Tlv[] = []
  let offset = 0
  while (offset < tlv.content.length) {
    if (out.length >= 16) fail('too many elements')
    const { tlv: child, next } = readTlv(tlv.content, offset)
    out.push(child)
    offset = next
  }
  return out
}

/** Require a TLV to exist and carry `tag`. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined) fail(`missing ${what}`)
  if (tlv.tag !== tag) fail(`${what}: unexpected tag 0x${tlv.tag.toString(16)}`)
  return tlv
}

/**
 * A non-negative INTEGER as big-endian magnitude bytes (no sign byte).
 *
 * @throws {SignetError} `ERR_KEY_INVALID` for a negative or non-minimally encoded integer.
 */
export function readUnsignedInteger(tlv: Tlv | undefined, what: string): Uint8Array {
  const c = expectTag(tlv, TAG.INTEGER, what).content
  if (c.length === 0) fail(`${what}: empty INTEGER`)
  if ((c[0] as number) & 0x80) fail(`${what}: negative INTEGER`)
  // X.690 section 8.3.2: no leading 0x00 unless the next byte has its top bit set.
  if (c.length > 1 && c[0] === 0 && ((c[1] as number) & 0x80) === 0) fail(`${what}: non-minimal INTEGER`)
  return c[0] === 0 && c.length > 1 ? c.subarray(1) : c
}

/** A small non-negative INTEGER (a version field). */
export function readSmallInteger(tlv: Tlv | undefined, what: string): number {
  const c = readUnsignedInteger(tlv, what)
  if (c.length > 2) fail(`${what}: out of range`)
  let n = 0
  for (const b of c) n = (n << 8) | b
  return n
}

/**
 * An OBJECT IDENTIFIER in dotted form.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` for a non-minimal or truncated arc.
 */
export function readOid(tlv: Tlv | undefined, what: string): string {
  const c = expectTag(tlv, TAG.OID, what).content
  if (c.length === 0 || c.length > 32) fail(`${what}: bad OBJECT IDENTIFIER length`)
  const arcs: number[] = []
  let value = 0
  let started = false
  for (let i = 0; i < c.length; i++) {
    const b = c[i] as number
    // X.690 section 8.19.2: an arc never starts with 0x80.
    if (!started && b === 0x80) fail(`${what}: non-minimal OBJECT IDENTIFIER`)
    started = true
    if (value > 0x00ffffff) fail(`${what}: OBJECT IDENTIFIER arc too large`)
    value = value * 128 + (b & 0x7f)
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2
        arcs.push(first, value - first * 40)
      } else {
        arcs.push(value)
      }
      value = 0
      started = false
    }
  }
  if (started) fail(`${what}: truncated OBJECT IDENTIFIER`)
  return arcs.join('.')
}

/**
 * The content of a BIT STRING whose bit count is a multiple of eight (keys always are).
 *
 * @throws {SignetError} `ERR_KEY_INVALID` when unused bits are declared.
 */
export function readBitString(tlv: Tlv | undefined, what: string): Uint8Array {
  const c = expectTag(tlv, TAG.BIT_STRING, what).content
  if (c.length === 0 || c[0] !== 0) fail(`${what}: BIT STRING with unused bits`)
  return c.subarray(1)
}

/** The content of an OCTET STRING. */
export function readOctetString(tlv: Tlv | undefined, what: string): Uint8Array {
  return expectTag(tlv, TAG.OCTET_STRING, what).content
}

// ---------------------------------------------------------------------------------------------
// Writer

/** Encode one TLV with a DER length. */
export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : n < 0x10000 ? [tag, 0x82, n >> 8, n & 0xff] : [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]
  const out = new Uint8Array(head.length + n)
  out.set(head, 0)
  out.set(content, head.length)
  return out
}

/** A SEQUENCE (or, with `tag`, another constructed value) of already-encoded children. */
export function encodeSequence(children: readonly Uint8Array[], tag: number = TAG.SEQUENCE): Uint8Array {
  return encodeTlv(tag, concatBytes(...children))
}

/** A non-negative INTEGER from big-endian magnitude bytes (leading zeros trimmed, sign byte added). */
export function encodeUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const trimmed = magnitude.length === 0 ? new Uint8Array([0]) : magnitude.subarray(start)
  if ((trimmed[0] as number) & 0x80) {
    const padded = new Uint8Array(trimmed.length + 1)
    padded.set(trimmed, 1)
    return encodeTlv(TAG.INTEGER, padded)
  }
  return encodeTlv(TAG.INTEGER, trimmed)
}

/** A small non-negative INTEGER. */
export function encodeSmallInteger(value: number): Uint8Array {
  return encodeUnsignedInteger(new Uint8Array([(value >> 8) & 0xff, value & 0xff]))
}

/** An OBJECT IDENTIFIER from dotted form. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number)
  const bytes: number[] = []
  const push = (value: number): void => {
    const group: number[] = [value & 0x7f]
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) group.unshift((v & 0x7f) | 0x80)
    bytes.push(...group)
  }
  push((arcs[0] as number) * 40 + (arcs[1] as number))
  for (const arc of arcs.slice(2)) push(arc)
  return encodeTlv(TAG.OID, new Uint8Array(bytes))
}

/** A BIT STRING with no unused bits. */
export function encodeBitString(content: Uint8Array): Uint8Array {
  const inner = new Uint8Array(content.length + 1)
  inner.set(content, 1)
  return encodeTlv(TAG.BIT_STRING, inner)
}

/** An OCTET STRING. */
export function encodeOctetString(content: Uint8Array): Uint8Array {
  return encodeTlv(TAG.OCTET_STRING, content)
}

/** NULL. */
export const DER_NULL: Uint8Array = /* @__PURE__ */ new Uint8Array([TAG.NULL, 0])
