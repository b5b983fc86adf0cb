/**
 * Base64 of short byte strings (a signature, a digest, a nonce, a thumbprint) through the
 * runtime's `btoa`, for the lean signing entry.
 *
 * `toBase64` in bytes.ts encodes with 12-bit lookup tables, fast on large inputs but a
 * kilobyte of bundle; the lean entry only ever encodes 16 to 64 bytes, where `btoa` (present
 * in browsers, Workers, Node, Deno and Bun) costs nothing. Output is identical.
 *
 * @module
 */

/**
 * Standard padded base64 (RFC 4648 section 4), or unpadded base64url (section 5) with `url`.
 *
 * @param bytes - at most a few kilobytes (each byte becomes a call argument).
 * @param url - base64url without padding, as JOSE and nonces use it.
 * @returns the encoding.
 * @example shortBase64(new Uint8Array([251, 255]), true) // '-_8'
 */
export function shortBase64(bytes: Uint8Array, url?: boolean): string {
  const text = btoa(String.fromCharCode(...bytes))
  return url === true ? text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_') : text
}
