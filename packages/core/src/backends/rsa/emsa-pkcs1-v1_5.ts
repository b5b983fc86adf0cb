/**
 * EMSA-PKCS1-v1_5, the deterministic signature encoding of RFC 8017 section 9.2, and the
 * DigestInfo prefixes it needs (RFC 8017 section 9.2, note 1).
 *
 * Verification re-encodes and compares (the approach RFC 8017 section 8.2.2 describes) rather
 * than parsing the recovered DigestInfo: a parser is where the known forgeries against lenient
 * verifiers came from (garbage after the digest, loose ASN.1 lengths, missing NULL parameters).
 *
 * @module
 */
import type { HashName } from '../../algorithms.ts'
import type { RsaHash } from './hash.ts'

/**
 * DER of DigestInfo up to the digest: SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (hLen) }.
 * The OIDs are id-sha256 2.16.840.1.101.3.4.2.1, id-sha384 ...2.2 and id-sha512 ...2.3.
 */
const digestInfoPrefix: Readonly<Record<HashName, Uint8Array>> = {
  'sha-256': /* @__PURE__ */ Uint8Array.of(
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
  ),
  'sha-384': /* @__PURE__ */ Uint8Array.of(
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
  ),
  'sha-512': /* @__PURE__ */ Uint8Array.of(
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
  ),
}

/**
 * EMSA-PKCS1-V1_5-ENCODE (RFC 8017 section 9.2): 0x00 || 0x01 || PS (0xff...) || 0x00 || T,
 * where T is the DER DigestInfo of Hash(M).
 *
 * @param hash The message hash (SHA-256 for RFC 9421's rsa-v1_5-sha256).
 * @param message The message M.
 * @param emLength The intended length k of the encoding (the modulus length in bytes).
 * @returns EM, `emLength` bytes.
 * @throws {RangeError} when emLength < tLen + 11 ("intended encoded message length too short").
 * @example emsaPkcs1v15Encode(sha256, base, 256)
 */
export function emsaPkcs1v15Encode(hash: RsaHash, message: Uint8Array, emLength: number): Uint8Array {
  const prefix = digestInfoPrefix[hash.name]
  const tLength = prefix.length + hash.outputLength
  if (emLength < tLength + 11) throw new RangeError('RSA modulus too small for EMSA-PKCS1-v1_5')
  const em = new Uint8Array(emLength)
  em[1] = 0x01
  const psEnd = emLength - tLength - 1
  em.fill(0xff, 2, psEnd)
  // em[psEnd] stays 0x00, the separator.
  em.set(prefix, psEnd + 1)
  em.set(hash.digest(message), psEnd + 1 + prefix.length)
  return em
}
