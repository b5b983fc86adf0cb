/**
 * The input and options of `importKey` (import.ts): shared by the public function and the
 * importer it loads on first use (import-any.ts), so neither imports the other for types.
 *
 * @module
 */
import type { AlgorithmName } from '../algorithms.ts'
import type { KeyType } from './jwk.ts'

/** Options for `importKey`. */
export interface ImportKeyOptions {
  /** The algorithm, when the key does not imply one (RSA), or to check that it does. */
  readonly alg?: AlgorithmName | undefined
  /** The key id; default: the JWK's `kid`, else the RFC 7638 thumbprint. */
  readonly kid?: string | undefined
  /**
   * The type expected. Required for raw Ed25519 bytes (seed or public key); for other inputs a
   * different type is refused, so a private key pasted where a public one belongs is caught.
   */
  readonly type?: KeyType | undefined
  /** Whether exportJwk/exportPem may reveal the private or secret part. Default true. */
  readonly extractable?: boolean | undefined
  /** Smallest RSA modulus accepted, in bits; default 2048, never below 1024. */
  readonly minimumRsaBits?: number | undefined
}

/** A JWK as input: the standard members, `kid`, and any others (carried along, not used). */
export type JwkInput = JsonWebKey & { kid?: string; [member: string]: unknown }

/** Anything `importKey` accepts. */
export type KeyInput = JwkInput | JsonWebKey | string | Uint8Array | CryptoKey | CryptoKeyPair
