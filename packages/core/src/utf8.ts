/**
 * UTF-8 encoding, in a module of its own so that the lean signing entry reaches it without the
 * decoders of bytes.ts (which re-exports it).
 *
 * @module
 */

const encoder = /* @__PURE__ */ new TextEncoder()

/**
 * UTF-8 encode.
 *
 * @param text - any string (lone surrogates become U+FFFD, as TextEncoder does).
 * @returns the bytes.
 * @example utf8('é') // Uint8Array [195, 169]
 */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}
