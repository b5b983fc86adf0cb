/**
 * Why hand-written: the pure backend must run RSA where crypto.subtle is missing, @noble has no RSA,
 * and BigInt is the one big-integer arithmetic every runtime has.
 *
 * RSASSA-PSS and RSASSA-PKCS1-v1_5 (RFC 8017 section 8) over the RSA primitives RSASP1 and
 * RSAVP1 (section 5.2), on `BigInt`.
 *
 * Signing uses the CRT parameters when the key has them (four times faster than d alone),
 * multiplicative blinding of the message representative, and a check of every signature with
 * the public exponent before it leaves (a fault in the CRT computation would otherwise reveal a
 * factor of n).
 *
 * Limits of constant time in JavaScript. `BigInt` arithmetic in every engine runs in time that
 * depends on the values (lengths after normalization, early exits in division and
 * multiplication), and JIT compilation and garbage collection add noise we cannot control. The
 * exponentiation uses a fixed window whose operation sequence does not depend on the exponent's
 * bits, and blinding makes the values the exponentiation sees random and unknown to an attacker,
 * which removes the correlation between chosen inputs and timing that practical remote timing
 * attacks on RSA rely on. What remains: the private exponents and factors are still the operands
 * of variable-time `BigInt` operations, and a local attacker who can observe fine-grained timing,
 * caches or power of this process is out of scope. Where `node:crypto` or WebCrypto exist, the
 * default backend selection uses them for RSA; this code is the fallback for runtimes with
 * neither.
 *
 * Verification checks lengths and ranges strictly and returns false, never throws, for any
 * signature input: a signature must be exactly k bytes and, as an integer, in [2, n - 1].
 *
 * @module
 */
import { equalBytes, randomBytes } from '../../bytes.ts'
import { SignetError } from '../../errors.ts'
import { emsaPkcs1v15Encode } from './emsa-pkcs1-v1_5.ts'
import { emsaPssEncode, emsaPssVerify } from './emsa-pss.ts'
import type { RsaHash } from './hash.ts'
import { bytesToInteger, integerToBytes, mod, modInverse, modPow } from './integer.ts'
import type { RsaBlinding, RsaPrivateKey, RsaPublicKey } from './key.ts'

function newBlinding(key: RsaPrivateKey): RsaBlinding {
  for (;;) {
    // 64 extra bits make the reduction mod n statistically uniform.
    const r = mod(bytesToInteger(randomBytes(key.k + 8)), key.n)
    if (r < 2n) continue
    let vf: bigint
    try {
      vf = modInverse(r, key.n)
    } catch {
      continue // r shares a factor with n: astronomically unlikely, but never use it.
    }
    return { vi: modPow(r, key.e, key.n), vf }
  }
}

/** m^d mod n, by CRT when possible (RFC 8017 section 5.1.2 step 2.b). */
function privateExponent(key: RsaPrivateKey, m: bigint): bigint {
  const crt = key.crt
  if (crt === undefined) return modPow(m, key.d, key.n)
  const m1 = modPow(m % crt.p, crt.dp, crt.p)
  const m2 = modPow(m % crt.q, crt.dq, crt.q)
  const h = mod(crt.qi * (m1 - m2), crt.p)
  return m2 + crt.q * h
}

/**
 * RSASP1 (RFC 8017 section 5.2.1) with blinding and a fault check.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` when the result does not verify with e (a corrupted
 *   key or a computation fault); the faulty value is never returned.
 */
export function rsasp1(key: RsaPrivateKey, m: bigint): bigint {
  if (m < 0n || m >= key.n) throw new RangeError('message representative out of range')
  let blinding = key.blinding
  if (blinding === undefined) blinding = newBlinding(key)
  else blinding = { vi: (blinding.vi * blinding.vi) % key.n, vf: (blinding.vf * blinding.vf) % key.n }
  key.blinding = blinding
  const blinded = (m * blinding.vi) % key.n
  const s = (privateExponent(key, blinded) * blinding.vf) % key.n
  if (modPow(s, key.e, key.n) !== m) {
    key.blinding = undefined
    throw new SignetError('ERR_KEY_INVALID', 'RSA signature failed its own check: the private key is inconsistent')
  }
  return s
}

/**
 * RSAVP1 (RFC 8017 section 5.2.2) on the octet string, with strict length and range checks.
 *
 * @returns The encoded message EM of `emLength` bytes, or undefined when the signature is the
 *   wrong length, out of range, or its representative does not fit `emLength`.
 */
function recoverEncodedMessage(key: RsaPublicKey, signature: Uint8Array, emLength: number): Uint8Array | undefined {
  // RFC 8017 section 8.1.2 step 1 and 8.2.2 step 1: the signature is exactly k octets.
  if (!(signature instanceof Uint8Array) || signature.length !== key.k) return undefined
  const s = bytesToInteger(signature)
  // Section 5.2.2 step 1: s must be below n. 0 and 1 are their own e-th powers and never valid.
  if (s < 2n || s >= key.n) return undefined
  const m = modPow(s, key.e, key.n)
  try {
    return integerToBytes(m, emLength)
  } catch {
    return undefined
  }
}

/**
 * RSASSA-PSS-SIGN (RFC 8017 section 8.1.1).
 *
 * @param key The private key.
 * @param hash The hash (SHA-512 for rsa-pss-sha512).
 * @param message The message (the signature base).
 * @param saltLength sLen (64 for rsa-pss-sha512).
 * @returns The k-byte signature.
 * @example rsaPssSign(key, sha512, base, 64)
 */
export function rsaPssSign(key: RsaPrivateKey, hash: RsaHash, message: Uint8Array, saltLength: number): Uint8Array {
  const em = emsaPssEncode(hash, message, key.modBits - 1, randomBytes(saltLength))
  return integerToBytes(rsasp1(key, bytesToInteger(em)), key.k)
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 section 8.1.2) with a fixed salt length.
 *
 * @returns true for a valid signature; false for anything else, never throws for a bad
 *   signature.
 * @example rsaPssVerify(key, sha512, base, signature, 64)
 */
export function rsaPssVerify(
  key: RsaPublicKey,
  hash: RsaHash,
  message: Uint8Array,
  signature: Uint8Array,
  saltLength: number,
): boolean {
  const emBits = key.modBits - 1
  const em = recoverEncodedMessage(key, signature, Math.ceil(emBits / 8))
  if (em === undefined) return false
  return emsaPssVerify(hash, message, em, emBits, saltLength)
}

/**
 * RSASSA-PKCS1-V1_5-SIGN (RFC 8017 section 8.2.1). Deterministic: the same key and message
 * give the same signature bytes as any other correct implementation.
 *
 * @returns The k-byte signature.
 * @example rsaPkcs1v15Sign(key, sha256, base)
 */
export function rsaPkcs1v15Sign(key: RsaPrivateKey, hash: RsaHash, message: Uint8Array): Uint8Array {
  const em = emsaPkcs1v15Encode(hash, message, key.k)
  return integerToBytes(rsasp1(key, bytesToInteger(em)), key.k)
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 section 8.2.2): recover EM, re-encode the message and
 * compare the two in constant time.
 *
 * @returns true for a valid signature; false for anything else, never throws for a bad
 *   signature.
 * @example rsaPkcs1v15Verify(key, sha256, base, signature)
 */
export function rsaPkcs1v15Verify(key: RsaPublicKey, hash: RsaHash, message: Uint8Array, signature: Uint8Array): boolean {
  const em = recoverEncodedMessage(key, signature, key.k)
  if (em === undefined) return false
  let expected: Uint8Array
  try {
    expected = emsaPkcs1v15Encode(hash, message, key.k)
  } catch {
    return false
  }
  return equalBytes(em, expected)
}
