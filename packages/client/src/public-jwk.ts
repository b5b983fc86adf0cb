/**
 * The public JWK of a WebCrypto key pair, for registration with the API owner: public members
 * only (RFC 7518 section 6.2.1, RFC 8037 section 2), `alg` as the JOSE name, `use: "sig"`, and
 * `kid` set to the RFC 7638 thumbprint, which is also the signer's default `keyid` for a pair,
 * so what is registered is what is sent.
 *
 * No lazy module imports this one (the signer takes a pair's `keyid` from core directly): a
 * module that both the entry and a lazy chunk reach is split into a chunk of the initial load
 * with all it imports, and a bundle that never exports a key would carry it.
 *
 * @module
 */
import { getAlgorithm } from '@signet/core/signing'
import { fullCore } from './full-core.ts'
import { algorithmOf, isCryptoKey, isKeyPair, subtle } from './crypto-key.ts'
import type { KeyPairLike } from './crypto-key.ts'

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
