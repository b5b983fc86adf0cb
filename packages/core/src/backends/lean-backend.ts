/**
 * HMAC and Ed25519 signing, and SHA-2 digests, for the lean signing entry
 * (`@signet/core/signing`, which `@signet/client/sign` is built on).
 *
 * The full registry (`registry.ts`) imports both built-in backends with every algorithm and
 * their key-conversion code (PKCS#8 DER, to derive public points); a browser bundle that only
 * signs with HMAC or Ed25519 needs none of it. This module makes the same choice as the
 * registry (DESIGN.md "Backends") for those two algorithms in a few lines: node:crypto where
 * present (through `runtime.ts`, never a static import); then WebCrypto; then the
 * pure backend when `@signet/core/pure` was imported, which is how a runtime without
 * `crypto.subtle` (or without WebCrypto Ed25519) signs. A key whose backend the full API has
 * already chosen keeps it, and a non-extractable `CryptoKey` stays on WebCrypto.
 *
 * @module
 */
import type { AlgorithmDescriptor, HashName } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import { SignetError } from '../errors.ts'
import { keyState, type SignetKey } from '../keys/signet-key.ts'
import { nodeKeyObject, secretBytes, webCryptoRefusal } from './key-objects.ts'
import { registeredBackends } from './registered.ts'
import { nodeCrypto, subtleCrypto, type NodeCrypto, type NodeKeyObject } from './runtime.ts'

// Hash names are derived, not tabled: node:crypto spells `sha-256` as `sha256`, WebCrypto as `SHA-256`.
const nodeHash = (hash: HashName): string => hash.replace('-', '')
const webHash = (hash: HashName): string => hash.toUpperCase()

const nodeKeys = /* @__PURE__ */ new WeakMap<KeyMaterial, NodeKeyObject>()
const webKeys = /* @__PURE__ */ new WeakMap<KeyMaterial, Promise<CryptoKey>>()

function signNative(c: NodeCrypto, alg: AlgorithmDescriptor, material: KeyMaterial, data: Uint8Array): Uint8Array {
  let key = nodeKeys.get(material)
  if (key === undefined) {
    key = nodeKeyObject(c, alg, material)
    nodeKeys.set(material, key)
  }
  // A copy: node:crypto may hand back a Buffer over a shared pool (32 or 64 bytes, no cost).
  return new Uint8Array(alg.symmetric ? c.createHmac(nodeHash(alg.hash), key).update(data).digest() : c.sign(null, data, key))
}

async function signWeb(subtle: SubtleCrypto, alg: AlgorithmDescriptor, material: KeyMaterial, data: Uint8Array): Promise<Uint8Array> {
  const params = alg.symmetric ? { name: 'HMAC', hash: webHash(alg.hash) } : { name: 'Ed25519' }
  let pending = webKeys.get(material)
  if (pending === undefined) {
    pending =
      material.cryptoKey !== undefined
        ? Promise.resolve(material.cryptoKey)
        : alg.symmetric
          ? subtle.importKey('raw', secretBytes(material) as Uint8Array<ArrayBuffer>, params, false, ['sign'])
          : subtle.importKey('jwk', material.jwk, params, false, ['sign'])
    webKeys.set(material, pending)
    // A failed import is not kept: the next call reports the same error afresh.
    pending.catch(() => webKeys.delete(material))
  }
  let key: CryptoKey
  try {
    key = await pending
  } catch (error) {
    throw webCryptoRefusal(alg, error)
  }
  try {
    return new Uint8Array(await subtle.sign(params, key, data as Uint8Array<ArrayBuffer>))
  } catch (error) {
    throw new SignetError('ERR_KEY_INVALID', `WebCrypto refused the ${alg.name} key`, { cause: error })
  }
}

/**
 * Sign bytes with an HMAC or Ed25519 key (any algorithm once `@signet/core/pure` is imported,
 * or when the full API already chose the key's backend).
 *
 * @param key - a secret or private `SignetKey`.
 * @param data - the bytes to sign (for RFC 9421, the UTF-8 signature base).
 * @returns the HMAC tag or the Ed25519 signature.
 * @throws {TypeError} when `key` is not a SignetKey or `data` not a Uint8Array.
 * @throws {SignetError} `ERR_KEY_UNSUPPORTED` for a public key, `ERR_ALG_UNSUPPORTED` for
 *   another algorithm without a backend for it, `ERR_BACKEND_UNAVAILABLE` when nothing here can
 *   sign, `ERR_KEY_INVALID` when the crypto library refuses the key.
 * @example const tag = await signWithKey(await importJwk(secretJwk), utf8(base))
 */
export async function signWithKey(key: SignetKey, data: Uint8Array): Promise<Uint8Array> {
  const state = keyState(key)
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" must be a Uint8Array')
  if (key.type === 'public') throw new SignetError('ERR_KEY_UNSUPPORTED', 'a public key cannot sign')
  const alg = key.algorithm
  const material = state.material
  if (state.backend !== undefined) return state.backend.sign(alg, material, data)
  const held = material.cryptoKey !== undefined
  const pure = held ? undefined : registeredBackends.get('pure')
  if (alg.family !== 'hmac' && alg.family !== 'eddsa') {
    if (pure !== undefined) return pure.sign(alg, material, data)
    throw new SignetError('ERR_ALG_UNSUPPORTED', `${alg.name} needs @signet/core or @signet/core/pure`)
  }
  const c = held ? undefined : nodeCrypto()
  if (c !== undefined) return signNative(c, alg, material, data)
  const subtle = subtleCrypto()
  if (subtle !== undefined) {
    try {
      return await signWeb(subtle, alg, material, data)
    } catch (error) {
      // Only signWeb throws here, and only SignetErrors of this copy.
      if (pure === undefined || (error as SignetError).code !== 'ERR_BACKEND_UNAVAILABLE') throw error
    }
  }
  if (pure !== undefined) return pure.sign(alg, material, data)
  throw new SignetError('ERR_BACKEND_UNAVAILABLE', `nothing here signs ${alg.name}; import @signet/core/pure`)
}

/**
 * A SHA-2 digest with the fastest backend present: node:crypto, WebCrypto, or a registered
 * pure backend.
 *
 * @param hash - `sha-256`, `sha-384` or `sha-512`.
 * @param data - the bytes to hash.
 * @returns the digest bytes.
 * @throws {SignetError} `ERR_BACKEND_UNAVAILABLE` when no backend can hash here.
 * @example toBase64(await digestBytes('sha-256', body))
 */
export async function digestBytes(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  const c = nodeCrypto()
  if (c !== undefined) return new Uint8Array(c.createHash(nodeHash(hash)).update(data).digest())
  const subtle = subtleCrypto()
  if (subtle !== undefined) return new Uint8Array(await subtle.digest(webHash(hash), data as Uint8Array<ArrayBuffer>))
  const pure = registeredBackends.get('pure')
  if (pure !== undefined) return pure.digest(hash, data)
  throw new SignetError('ERR_BACKEND_UNAVAILABLE', 'nothing here hashes; import @signet/core/pure')
}
