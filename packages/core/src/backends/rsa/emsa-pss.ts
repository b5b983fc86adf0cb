/**
 * EMSA-PSS, the probabilistic signature encoding of RFC 8017 section 9.1.
 *
 * RFC 9421 section 3.3.1 fixes the parameters for `rsa-pss-sha512`: SHA-512 as the message
 * hash and in MGF1, and a 64-byte salt. The verifier checks the salt length exactly: a signature
 * made with any other salt length is not an `rsa-pss-sha512` signature.
 *
 * @module
 */
import { equalBytes } from '../../bytes.ts'
import type { RsaHash } from './hash.ts'
import { mgf1 } from './mgf1.ts'

/** Eight zero bytes: the padding1 prefix of M' (RFC 8017 section 9.1.1 step 5). */
const PADDING1 = /* @__PURE__ */ new Uint8Array(8)

function messagePrime(hash: RsaHash, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + mHash.length + salt.length)
  m.set(PADDING1, 0)
  m.set(mHash, 8)
  m.set(salt, 8 + mHash.length)
  return hash.digest(m)
}

/**
 * EMSA-PSS-ENCODE (RFC 8017 section 9.1.1).
 *
 * @param hash The hash for the message, M' and MGF1.
 * @param message The message M (the signature base bytes).
 * @param emBits The maximal bit length of the encoding: modBits - 1.
 * @param salt The random salt, sLen bytes.
 * @returns EM, ceil(emBits / 8) bytes.
 * @throws {RangeError} when the modulus is too small for the hash and salt ("encoding error").
 * @example emsaPssEncode(sha512, base, modBits - 1, randomBytes(64))
 */
export function emsaPssEncode(hash: RsaHash, message: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const hLen = hash.outputLength
  const sLen = salt.length
  const emLen = Math.ceil(emBits / 8)
  if (emLen < hLen + sLen + 2) throw new RangeError(`RSA modulus too small for EMSA-PSS with a ${sLen}-byte salt`)
  const mHash = hash.digest(message)
  const h = messagePrime(hash, mHash, salt)
  const dbLength = emLen - hLen - 1
  // DB = PS || 0x01 || salt, PS being zeros (step 7-8).
  const db = new Uint8Array(dbLength)
  db[dbLength - sLen - 1] = 0x01
  db.set(salt, dbLength - sLen)
  const mask = mgf1(hash, h, dbLength)
  for (let i = 0; i < dbLength; i++) db[i] = (db[i] as number) ^ (mask[i] as number)
  // Step 11: clear the leftmost 8 emLen - emBits bits so EM, as an integer, is below 2^emBits.
  db[0] = (db[0] as number) & (0xff >>> (8 * emLen - emBits))
  const em = new Uint8Array(emLen)
  em.set(db, 0)
  em.set(h, dbLength)
  em[emLen - 1] = 0xbc
  return em
}

/**
 * EMSA-PSS-VERIFY (RFC 8017 section 9.1.2) with a fixed salt length.
 *
 * @param hash The hash for the message, M' and MGF1.
 * @param message The message M.
 * @param em The encoded message recovered from the signature (RSAVP1 then I2OSP to emLen).
 * @param emBits modBits - 1.
 * @param saltLength The required salt length sLen.
 * @returns true for "consistent", false for "inconsistent"; never throws on bad input.
 * @example emsaPssVerify(sha512, base, em, modBits - 1, 64)
 */
export function emsaPssVerify(
  hash: RsaHash,
  message: Uint8Array,
  em: Uint8Array,
  emBits: number,
  saltLength: number,
): boolean {
  const hLen = hash.outputLength
  const emLen = Math.ceil(emBits / 8)
  if (em.length !== emLen) return false
  if (emLen < hLen + saltLength + 2) return false
  if (em[emLen - 1] !== 0xbc) return false
  const dbLength = emLen - hLen - 1
  const maskedDb = em.subarray(0, dbLength)
  const h = em.subarray(dbLength, dbLength + hLen)
  // Step 6: the bits that encoding cleared must be clear.
  const topMask = 0xff >>> (8 * emLen - emBits)
  if (((maskedDb[0] as number) & ~topMask & 0xff) !== 0) return false
  const mask = mgf1(hash, h, dbLength)
  const db = new Uint8Array(dbLength)
  for (let i = 0; i < dbLength; i++) db[i] = (maskedDb[i] as number) ^ (mask[i] as number)
  db[0] = (db[0] as number) & topMask
  // Step 10: PS must be all zero and followed by 0x01 exactly where the salt length says.
  const psLength = dbLength - saltLength - 1
  let bad = 0
  for (let i = 0; i < psLength; i++) bad |= db[i] as number
  bad |= (db[psLength] as number) ^ 0x01
  if (bad !== 0) return false
  const salt = db.subarray(dbLength - saltLength)
  const expected = messagePrime(hash, hash.digest(message), salt)
  return equalBytes(expected, h)
}
