/**
 * What the signer does with a key through the whole of core (full-core.ts loads this module
 * with it, through core-extras.ts): import any key input but an HMAC or Ed25519 JWK (PEM, DER,
 * raw bytes, a `CryptoKey`, RSA and ECDSA), and derive a default `keyid` from a public key
 * (RFC 7638 thumbprint). A signer with an HMAC or Ed25519 JWK and its `kid` or `keyId` never
 * loads it. It imports only core: a lazy module that imports a module of the initial load
 * splits that module into a chunk of its own.
 *
 * @module
 */
import { importKey, publicKey, thumbprint } from '@signet/core'
import type { AlgorithmName, SignetKey } from '@signet/core'

/**
 * Import a signer's key with core's `importKey`.
 *
 * @param material - the `key` option, or a key pair's private half (not a `SignetKey`; its
 *   shape already checked by key-checks.ts).
 * @param alg - the `alg` option.
 * @param kid - the `keyId` option, kept as the key's `kid`.
 * @returns the imported key.
 * @throws {SignetError} the import's coded errors (`ERR_KEY_INVALID`, `ERR_KEY_UNSUPPORTED`, ...).
 * @example const key = await importKeyFully(pemText, 'ecdsa-p256-sha256', 'client-1')
 */
export async function importKeyFully(material: JsonWebKey | string | Uint8Array | CryptoKey, alg: AlgorithmName | undefined, kid: string | undefined): Promise<SignetKey> {
  const options: { alg?: AlgorithmName; kid?: string } = {}
  if (alg !== undefined) options.alg = alg
  if (kid !== undefined) options.kid = kid
  // Raw bytes with alg ed25519 never get here: they may be a seed or a public key (RFC 8032
  // section 5.1.5), or an HMAC secret given the wrong alg, and key-checks.ts refuses them at
  // creation. A raw Ed25519 private key comes as a JWK or a SignetKey.
  return importKey(material, options)
}

/**
 * The default `keyid` of an asymmetric key: the RFC 7638 thumbprint of its public key, or of a
 * key pair's public half (the `kid` that `exportPublicJwk` registers).
 *
 * @param key - the imported signing key.
 * @param pairPublicKey - the public half when the key came as a WebCrypto key pair.
 * @returns the thumbprint, base64url.
 * @throws {SignetError} `ERR_KEY_UNSUPPORTED` for a key with no public members to hash.
 * @example const keyid = await defaultKeyId(ed25519Key, undefined)
 */
export async function defaultKeyId(key: SignetKey, pairPublicKey: CryptoKey | undefined): Promise<string> {
  return thumbprint(pairPublicKey === undefined ? publicKey(key) : await importKey(pairPublicKey))
}
