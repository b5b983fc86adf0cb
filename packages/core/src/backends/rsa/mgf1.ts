/**
 * MGF1, the mask generation function of RFC 8017 appendix B.2.1, used by EMSA-PSS.
 *
 * @module
 */
import type { RsaHash } from './hash.ts'

/**
 * MGF1(seed, maskLen) with the given hash: the concatenation of Hash(seed || C) for the
 * counters C = 0, 1, ... (four bytes, big-endian), cut to `maskLength` bytes.
 *
 * @param hash The hash function (for RFC 9421's rsa-pss-sha512, SHA-512).
 * @param seed The seed (in EMSA-PSS, the hash H).
 * @param maskLength The number of bytes wanted.
 * @returns A new array of `maskLength` bytes.
 * @example mgf1(sha512, h, emLen - 64 - 1)
 */
export function mgf1(hash: RsaHash, seed: Uint8Array, maskLength: number): Uint8Array {
  const out = new Uint8Array(maskLength)
  const input = new Uint8Array(seed.length + 4)
  input.set(seed, 0)
  // RFC 8017 B.2.1 step 1 bounds maskLen by 2^32 hLen; our masks are a few hundred bytes.
  for (let counter = 0, offset = 0; offset < maskLength; counter++) {
    input[seed.length] = counter >>> 24
    input[seed.length + 1] = (counter >>> 16) & 0xff
    input[seed.length + 2] = (counter >>> 8) & 0xff
    input[seed.length + 3] = counter & 0xff
    const block = hash.digest(input)
    const take = Math.min(block.length, maskLength - offset)
    out.set(take === block.length ? block : block.subarray(0, take), offset)
    offset += take
  }
  return out
}
