/**
 * Random bytes from the runtime's CSPRNG, in a module of its own so that the lean signing entry
 * reaches it without the rest of bytes.ts (which re-exports it).
 *
 * @module
 */

/**
 * Cryptographically random bytes from the runtime's CSPRNG.
 *
 * @param length - how many bytes.
 * @returns new bytes.
 * @example randomBytes(16).length // 16
 */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  if (length <= 65536) {
    crypto.getRandomValues(out)
    return out
  }
  // getRandomValues is limited to 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)))
  return out
}
