/**
 * What a WebCrypto key looks like: a `CryptoKey` of this realm, or a pair of them, and which
 * Signet algorithm a browser key is for. Kept apart from public-jwk.ts (which reaches the
 * RFC 7638 thumbprint of full core) so the signer and the key store can tell a key's shape
 * without loading what exporting it needs.
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

/** Algorithms a browser key pair can be generated for. */
export type BrowserKeyAlgorithm = 'ed25519' | 'ecdsa-p256-sha256'

/** @internal `crypto.subtle`, or a TypeError saying it is missing. */
export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (s === undefined) throw new TypeError('WebCrypto (crypto.subtle) is not available; browser keys need a secure context')
  return s
}

/**
 * @internal The Signet algorithm of a browser key.
 * @throws {TypeError} for a key that is neither Ed25519 nor ECDSA P-256.
 */
export function algorithmOf(key: CryptoKey): BrowserKeyAlgorithm {
  if (key.algorithm.name === 'Ed25519') return 'ed25519'
  if (key.algorithm.name === 'ECDSA' && (key.algorithm as EcKeyAlgorithm).namedCurve === 'P-256') return 'ecdsa-p256-sha256'
  throw new TypeError('"key" must be an Ed25519 or ECDSA P-256 key')
}
