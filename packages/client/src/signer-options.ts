/**
 * The checks of the signing profile that both `createSigner`s run when a signer is made: the
 * one of `@signet/client` and the lean one of `@signet/client/sign`. One set of rules, so the
 * same options are refused the same way (TypeError naming the option) whichever entry a caller
 * picked. This module imports nothing: the lean entry pays only for these lines.
 *
 * `expires` and `maxBodyBytes` are checked by each signer itself: the lean one reports any
 * number outside the range (a fraction included) as a RangeError, the full one tells a
 * non-integer (TypeError) from an integer out of range (RangeError).
 *
 * @module
 */

// RFC 8941 section 3.2 dictionary key syntax, which a signature label must follow (RFC 9421
// section 4.1).
const LABEL_SYNTAX = /^[a-z*][a-z0-9_\-.*]{0,63}$/
// The keyid is an sf-string (RFC 8941 section 3.3.3): printable ASCII.
const KEY_ID_SYNTAX = /^[\x20-\x7e]{1,1024}$/

/**
 * The `label` option (default `sig1`).
 *
 * @param value - the option value
 * @returns the label
 * @throws {TypeError} for a value that is not a structured-field key
 */
export function checkLabel(value: unknown): string {
  if (value === undefined) return 'sig1'
  if (typeof value !== 'string' || !LABEL_SYNTAX.test(value)) throw new TypeError('"label" must be a structured-field key (lower-case, 1 to 64 characters)')
  return value
}

/**
 * The `keyId` option.
 *
 * @param value - the option value
 * @returns the key id, or undefined when not given
 * @throws {TypeError} for a value that is not 1 to 1024 printable ASCII characters
 */
export function checkKeyId(value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !KEY_ID_SYNTAX.test(value))) throw new TypeError('"keyId" must be a non-empty printable ASCII string')
  return value
}

/**
 * The `nonce` option, its default (`true`: a fresh random nonce per signature) already applied.
 *
 * @param value - the option value
 * @returns `true`, `false` or the caller's nonce function
 * @throws {TypeError} for anything else
 */
export function checkNonceOption(value: unknown): boolean | (() => string) {
  if (typeof value !== 'boolean' && typeof value !== 'function') {
    throw new TypeError('"nonce" must be a boolean or a function returning a string')
  }
  return value as boolean | (() => string)
}

/**
 * The `digest` option (RFC 9530 section 5 algorithms, or `none`), its default (`sha-256`)
 * already applied.
 *
 * @param value - the option value
 * @returns the digest algorithm or `none`
 * @throws {TypeError} for another value
 */
export function checkDigest(value: unknown): 'sha-256' | 'sha-512' | 'none' {
  if (value !== 'sha-256' && value !== 'sha-512' && value !== 'none') {
    throw new TypeError('"digest" must be "sha-256", "sha-512" or "none"')
  }
  return value
}
