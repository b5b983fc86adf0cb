/**
 * The public JWK of a WebCrypto key pair, for registration with the API owner: public members
 * only (RFC 7518 section 6.2.1, RFC 8037 section 2), `alg` as the JOSE name, `use: "sig"`, and
 * `kid` set to the RFC 7638 thumbprint, which is also the signer's default `keyid` for a pair,
 * so what is registered is what is sent.
 *
 * @module
 */
import { getAlgorithm } from '@signet/core/signing'
import { fullCore } from './full-core.ts'
import { isCryptoKey, isKeyPair } from './crypto-key.ts'
import type { KeyPairLike } from './crypto-key.ts'

export { isCryptoKey, isKeyPair } from './crypto-key.ts'
export type { KeyPairLike } from './crypto-key.ts'

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

/**
 * The public JWK of a pair.
 *
 * @param key - a pair, or its public `CryptoKey`.
 * @returns the public JWK with `alg`, `use` and `kid`.
 * @throws {TypeError} for a private-only or unsupported key.
 * @example const jwk = await exportPublicJwk(pair) // send jwk to the API owner
 */
export async function exportPublicJwk(key: KeyPairLike | CryptoKey): Promise<JsonWebKey & { kid: string }> {
  const publicKey = isCryptoKey(key) ? key : isKeyPair(key) ? key.publicKey : undefined
  if (publicKey === undefined || publicKey.type !== 'public') {
    throw new TypeError('"key" must be a key pair or a public CryptoKey')
  }
  const alg = getAlgorithm(algorithmOf(publicKey))
  const full = await subtle().exportKey('jwk', publicKey)
  // Only the public members: nothing else from the export is copied.
  const jwk: JsonWebKey = { kty: full.kty as string }
  if (full.crv !== undefined) jwk.crv = full.crv
  if (full.x !== undefined) jwk.x = full.x
  if (full.y !== undefined) jwk.y = full.y
  const kid = await (await fullCore()).thumbprint(jwk)
  return { ...jwk, alg: alg.jose, use: 'sig', kid }
}
