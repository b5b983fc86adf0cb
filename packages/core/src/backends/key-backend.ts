/**
 * The optional key operations a backend may offer beside sign, verify and digest.
 *
 * `CryptoBackend` (backend.ts) covers what every signature needs. Generating a key pair and
 * computing the public point of an EC or Ed25519 private key (a PKCS#8 or SEC1 file may carry
 * only the private scalar, RFC 5915 section 3 and RFC 8410 section 7) need the curve arithmetic
 * too; a backend that has it offers these, and the key functions use the first backend present
 * that does.
 *
 * @module
 */
import type { AlgorithmDescriptor } from '../algorithms.ts'
import type { CryptoBackend, KeyMaterial } from '../backend.ts'

/** Options passed to {@link KeyBackend.generateJwk}. */
export interface GenerateJwkOptions {
  /** RSA modulus size in bits (ignored for other families). */
  readonly modulusLength: number
}

/** A backend, possibly with the optional key operations. */
export interface KeyBackend extends CryptoBackend {
  /**
   * Generate a private key (or an HMAC secret) for `alg` as a JWK with every member, public
   * members included (RSA: with the CRT members).
   */
  generateJwk?(alg: AlgorithmDescriptor, options: GenerateJwkOptions): JsonWebKey | Promise<JsonWebKey>
  /**
   * The public members of an EC (`x`, `y`) or OKP (`x`) private JWK computed from `d` alone.
   * Returns a JWK holding at least those members.
   */
  derivePublicJwk?(alg: AlgorithmDescriptor, privateJwk: JsonWebKey): JsonWebKey | Promise<JsonWebKey>
  /**
   * Prepare (and so validate) `key` for `alg` now rather than at first use: `importKey` calls it
   * on the default backend so a key that cannot work (a point off the curve) fails at import.
   * Throws `ERR_KEY_INVALID` for such a key.
   */
  prepare?(alg: AlgorithmDescriptor, key: KeyMaterial): void | Promise<void>
  /**
   * `sign` over the bytes of an ASCII string (one byte per character), without the caller
   * encoding it first: the signature base is ASCII (RFC 9421 section 2.5), and a backend that
   * can hash text directly saves the encoding. Called only with text checked to be ASCII.
   */
  signAscii?(alg: AlgorithmDescriptor, key: KeyMaterial, text: string): Uint8Array | Promise<Uint8Array>
  // The result of signAscii may be a Uint8Array subclass (node:crypto's Buffer): callers only
  // encode it, never hand it out.
  /** `verify` over the bytes of an ASCII string; see {@link KeyBackend.signAscii}. */
  verifyAscii?(alg: AlgorithmDescriptor, key: KeyMaterial, text: string, signature: Uint8Array): boolean | Promise<boolean>
}

/**
 * A backend that can also return a signature over ASCII text already in base64, the form a
 * Signature member carries (node:crypto encodes an HMAC tag natively, cheaper than a Buffer
 * and an encoding in JavaScript). Not part of `KeyBackend`: found by looking, used by
 * `signAsciiBase64Direct` (keys/sign-verify-bytes.ts) only; a backend without it gets the bytes
 * encoded there.
 *
 * @internal
 */
export interface Base64Signer {
  signAsciiBase64?(alg: AlgorithmDescriptor, key: KeyMaterial, text: string): string
}
