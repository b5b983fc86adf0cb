/**
 * Byte helpers shared by every module: encodings, constant-time comparison, randomness.
 *
 * Bytes are `Uint8Array` everywhere. Base64 is written here rather than taken from `btoa`/`atob`
 * or `Buffer` so the same code runs in every runtime and rejects non-canonical input.
 *
 * @module
 */

const encoder = /* @__PURE__ */ new TextEncoder()
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true })

/** UTF-8 encode. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

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

/** Cryptographically random bytes from the runtime's CSPRNG. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  // getRandomValues is limited to 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)))
  return out
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

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + alphabet[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] as number) << 16
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + (pad ? '==' : '')
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + (pad ? '=' : '')
  }
  return out
}

function decode(text: string, url: boolean, label: string): Uint8Array {
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
  return encode(bytes, B64, true)
}

/** Decode standard padded base64; throws a TypeError naming `label` on bad input. */
export function fromBase64(text: string, label = 'input'): Uint8Array {
  return decode(text, false, label)
}

/** base64url without padding (RFC 4648 section 5, as JOSE uses it). */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, B64URL, false)
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
