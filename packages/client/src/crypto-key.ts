/**
 * What a WebCrypto key looks like: a `CryptoKey` of this realm, or a pair of them. Kept apart
 * from public-jwk.ts (which reaches the RFC 7638 thumbprint of full core) so the signer can
 * tell a key's shape without loading what exporting it needs.
 *
 * @module
 */

/** A WebCrypto key pair (what `generateKey` and `generateBrowserKey` return). */
export interface KeyPairLike {
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
}

/** True for a `CryptoKey` in this realm. */
export function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey
}

/** True for an object holding a private and a public `CryptoKey`. */
export function isKeyPair(value: unknown): value is KeyPairLike {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<KeyPairLike>
  return isCryptoKey(v.privateKey) && isCryptoKey(v.publicKey)
}

