/**
 * Key material turned into what the runtime's crypto takes: a node:crypto `KeyObject` or a
 * WebCrypto `CryptoKey`, with a refusal coded the same way on every path.
 *
 * Shared by the lean signing path (lean-backend.ts) and the full backends (native.ts,
 * webcrypto.ts). It belongs to the lean graph, so it imports nothing of the full backends and
 * no key-format code.
 *
 * @module
 */
import type { AlgorithmDescriptor } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import { SignetError } from '../errors.ts'
import type { NodeCrypto, NodeKeyObject } from './runtime.ts'

/**
 * The HMAC secret of key material, as bytes. The `k` of every `KeyMaterial` is canonical
 * base64url already (importJwk and validateJwk check it), so the runtime's `atob` decodes it and
 * the strict decoder of bytes.ts is not needed on this path.
 *
 * @param material - the key material of an HMAC key.
 * @returns the secret.
 */
export function secretBytes(material: KeyMaterial): Uint8Array {
  return Uint8Array.from(atob((material.jwk.k ?? '').replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
}

/**
 * A node:crypto `KeyObject` for key material: a secret key, or a private key when the JWK has
 * `d`, a public key otherwise.
 *
 * @param c - node:crypto.
 * @param alg - the key's algorithm, for the message.
 * @param material - the key material.
 * @returns the key object (callers cache it per material).
 * @throws {SignetError} `ERR_KEY_INVALID` when node:crypto refuses the key.
 */
export function nodeKeyObject(c: NodeCrypto, alg: AlgorithmDescriptor, material: KeyMaterial): NodeKeyObject {
  const jwk = material.jwk
  try {
    if (alg.symmetric) return c.createSecretKey(secretBytes(material))
    return jwk.d !== undefined ? c.createPrivateKey({ key: jwk, format: 'jwk' }) : c.createPublicKey({ key: jwk, format: 'jwk' })
  } catch (error) {
    // The message of node:crypto's error never carries key bytes, but it is not ours to pass on.
    throw new SignetError('ERR_KEY_INVALID', `node:crypto refused the ${alg.name} key`, { cause: error })
  }
}

/**
 * The coded error for a key WebCrypto would not import.
 *
 * @param alg - the key's algorithm, for the message.
 * @param error - what WebCrypto threw.
 * @returns `ERR_BACKEND_UNAVAILABLE` for a `NotSupportedError` (this WebCrypto lacks the
 *   algorithm, Ed25519 say, so another backend may have it), `ERR_KEY_INVALID` otherwise.
 */
export function webCryptoRefusal(alg: AlgorithmDescriptor, error: unknown): SignetError {
  const code = (error as { name?: unknown } | null)?.name === 'NotSupportedError' ? 'ERR_BACKEND_UNAVAILABLE' : 'ERR_KEY_INVALID'
  return new SignetError(code, `WebCrypto refused the ${alg.name} key`, { cause: error })
}
