/**
 * The crypto backend interface. Three implementations sit behind it: `native` (node:crypto via
 * `process.getBuiltinModule`), `webcrypto` (`crypto.subtle`) and `pure` (noble + BigInt RSA).
 * Algorithms are data (see `algorithms.ts`); a backend receives the resolved descriptor and never
 * switches on a name string of its own.
 *
 * @module
 */
import type { AlgorithmDescriptor, HashName } from './algorithms.ts'

/** The names of the three backends. */
export type BackendName = 'native' | 'webcrypto' | 'pure'

/**
 * Key material as a backend receives it: the JWK (with private members for a private or secret
 * key), and for a non-extractable WebCrypto key the `CryptoKey` itself (then `jwk` holds only
 * the public members, or none for a secret). Backends may cache prepared keys in a WeakMap keyed
 * by this object, which is created once per imported key and never mutated.
 */
export interface KeyMaterial {
  readonly jwk: JsonWebKey
  readonly cryptoKey?: CryptoKey | undefined
}

/** One way of doing the cryptography. Results may be sync or async; callers always await. */
export interface CryptoBackend {
  readonly name: BackendName
  /** Whether this backend can run `alg` in this runtime, for this key. */
  supports(alg: AlgorithmDescriptor, key?: KeyMaterial): boolean
  sign(alg: AlgorithmDescriptor, key: KeyMaterial, data: Uint8Array): Uint8Array | Promise<Uint8Array>
  verify(
    alg: AlgorithmDescriptor,
    key: KeyMaterial,
    data: Uint8Array,
    signature: Uint8Array,
  ): boolean | Promise<boolean>
  digest(hash: HashName, data: Uint8Array): Uint8Array | Promise<Uint8Array>
}
