/**
 * CRC-32 (ISO-HDLC / IEEE 802.3, the one in zlib, PNG and gzip): reflected polynomial 0xEDB88320,
 * initial value and final XOR 0xFFFFFFFF. Check value: crc32("123456789") = 0xCBF43926.
 *
 * Used only as a typo and scanner checksum on key ids and secrets, never as a security check:
 * it lets a mistyped or truncated token be refused before any lookup and lets secret scanners
 * tell a real Signet secret from a random string of the same shape.
 *
 * @module
 */

const table: Uint32Array = /* @__PURE__ */ (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/**
 * The CRC-32 of `data`, as an unsigned 32-bit integer.
 *
 * @param data - the bytes to checksum
 * @returns the checksum in `0 .. 2^32 - 1`
 * @example crc32(new TextEncoder().encode('123456789')) // 0xcbf43926
 */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/**
 * The CRC-32 of an ASCII string (every char code below 128), without encoding it first: the
 * same value as `crc32(utf8(text))` for such text. Key ids are checked on every request, so
 * this path avoids an allocation.
 *
 * @param text - ASCII text
 * @returns the checksum
 * @throws {RangeError} for a character outside ASCII
 */
export function crc32Ascii(text: string): number {
  let c = 0xffffffff
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7f) throw new RangeError('"text" expected ASCII')
    c = (table[(c ^ code) & 0xff] as number) ^ (c >>> 8)
  }
  return (c ^ 0xffffffff) >>> 0
}
