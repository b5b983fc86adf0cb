/**
 * RSA key generation on `BigInt`, for runtimes with neither `node:crypto` nor WebCrypto.
 *
 * Primes are drawn as FIPS 186-5 appendix A.1.3 describes (random odd numbers of half the
 * modulus length with the two top bits set, so p q has exactly the requested length), sieved by
 * trial division, and tested with Miller-Rabin (appendix B.3): the round counts of FIPS 186-5
 * table B.1 for an error probability below 2^-100 are 5 (1024-bit primes) and 4 (1536 and
 * larger); 8 rounds are used throughout. The public exponent is 65537. `p` and `q` must differ
 * in their top 100 bits (appendix A.1.3 step 5.6) and d must exceed 2^(nlen/2) (step 4.7).
 *
 * This is slow (a few hundred milliseconds for 2048 bits, seconds for 4096) and subject to the
 * same `BigInt` timing limits as signing (see `rsassa.ts`); the default backend selection uses
 * node:crypto or WebCrypto wherever they exist.
 *
 * @module
 */
import { randomBytes, toBase64Url } from '../../bytes.ts'
import { bitLength, byteLength, bytesToInteger, integerToBytes, mod, modInverse, modPow } from './integer.ts'

const E = 65537n
const MILLER_RABIN_ROUNDS = 8

/** Odd primes below 2000, for the sieve. */
const SMALL_PRIMES: readonly bigint[] = /* @__PURE__ */ (() => {
  const out: bigint[] = []
  for (let n = 3; n < 2000; n += 2) {
    let prime = true
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false
        break
      }
    }
    if (prime) out.push(BigInt(n))
  }
  return out
})()

function randomBelow(limit: bigint): bigint {
  // 64 extra bits make the reduction statistically uniform.
  return mod(bytesToInteger(randomBytes(Math.ceil(bitLength(limit) / 8) + 8)), limit)
}

/** Miller-Rabin with random bases (FIPS 186-5 appendix B.3.1). */
function isProbablePrime(w: bigint, rounds: number): boolean {
  let m = w - 1n
  let a = 0
  while ((m & 1n) === 0n) {
    m >>= 1n
    a++
  }
  for (let i = 0; i < rounds; i++) {
    const b = 2n + randomBelow(w - 3n) // 2 <= b <= w - 2
    let z = modPow(b, m, w)
    if (z === 1n || z === w - 1n) continue
    let composite = true
    for (let j = 1; j < a; j++) {
      z = (z * z) % w
      if (z === w - 1n) {
        composite = false
        break
      }
      if (z === 1n) break
    }
    if (composite) return false
  }
  return true
}

function randomPrime(bits: number): bigint {
  const bytes = Math.ceil(bits / 8)
  const excess = BigInt(bytes * 8 - bits)
  for (;;) {
    // Top two bits set: the product of two such primes has exactly 2 * bits bits.
    let candidate = bytesToInteger(randomBytes(bytes)) >> excess
    candidate |= (3n << BigInt(bits - 2)) | 1n
    if (SMALL_PRIMES.some((p) => candidate % p === 0n)) continue
    // gcd(e, p - 1) = 1 is needed for d to exist; 65537 is prime, so p - 1 must not be a multiple.
    if ((candidate - 1n) % E === 0n) continue
    if (isProbablePrime(candidate, MILLER_RABIN_ROUNDS)) return candidate
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

/**
 * Generate an RSA private key as a JWK with every member (n, e, d, p, q, dp, dq, qi).
 *
 * @param modulusLength The modulus size in bits, even, at least 1024.
 * @returns A private JWK with `kty: 'RSA'` and e = 65537.
 * @throws {RangeError} for an odd or too small `modulusLength`.
 * @example const jwk = generateRsaJwk(2048)
 */
export function generateRsaJwk(modulusLength: number): JsonWebKey {
  if (!Number.isInteger(modulusLength) || modulusLength < 1024 || modulusLength % 2 !== 0) {
    throw new RangeError(`"modulusLength" expected an even number of bits from 1024, got ${String(modulusLength)}`)
  }
  const half = modulusLength / 2
  const minDistance = 1n << BigInt(half - 100)
  const minD = 1n << BigInt(half)
  for (;;) {
    let p = randomPrime(half)
    let q = randomPrime(half)
    const distance = p > q ? p - q : q - p
    if (distance <= minDistance) continue
    if (p < q) [p, q] = [q, p]
    const n = p * q
    if (bitLength(n) !== modulusLength) continue
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)
    const d = modInverse(E, lambda)
    if (d <= minD) continue
    // Base64urlUInt (RFC 7518 section 2): the fewest octets that hold the value.
    const b64 = (value: bigint): string => toBase64Url(integerToBytes(value, byteLength(value)))
    return {
      kty: 'RSA',
      n: b64(n),
      e: b64(E),
      d: b64(d),
      p: b64(p),
      q: b64(q),
      dp: b64(d % (p - 1n)),
      dq: b64(d % (q - 1n)),
      qi: b64(modInverse(q, p)),
    }
  }
}
