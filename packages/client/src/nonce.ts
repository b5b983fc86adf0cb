/**
 * The `nonce` signature parameter (RFC 9421 section 2.3): a fresh random value per signature,
 * so a verifier with a nonce store can refuse a replay even inside the `created` window.
 *
 * 16 random bytes (128 bits, RFC 9421 section 7.2.2 asks for enough entropy that a collision is
 * negligible), base64url without padding: 22 characters, all of them valid in an sf-string.
 *
 * @module
 */
export { createNonce } from '@signet/core/signing'

// sf-string characters (RFC 8941 section 3.3.3): printable ASCII; '"' and '\' are escaped by
// the serializer, but a nonce has no reason to carry them.
const NONCE_SYNTAX = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/

/**
 * Check a nonce produced by a caller-supplied function.
 *
 * @throws {TypeError} naming `nonce` when the value is not a printable ASCII string.
 */
export function checkNonce(value: unknown): string {
  if (typeof value !== 'string' || !NONCE_SYNTAX.test(value)) {
    throw new TypeError('"nonce" function must return 1 to 512 printable ASCII characters without quotes or backslashes')
  }
  return value
}
