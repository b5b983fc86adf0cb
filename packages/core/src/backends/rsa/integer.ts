/**
 * Why hand-written: the pure backend's RSA (see `rsassa.ts`) needs big integers, and BigInt is the
 * one big-integer arithmetic every runtime has.
 *
 * Integers for RSA: the octet-string conversions of RFC 8017 section 4 (I2OSP, OS2IP) and the
 * modular arithmetic RSA needs (exponentiation, inverse), on `BigInt`.
 *
 * Constant time: `BigInt` operations in V8, JavaScriptCore and SpiderMonkey take time that
 * depends on the magnitude of their operands, and the engines give no way to avoid it. The
 * exponentiation below uses a fixed 4-bit window (every window is multiplied in, even a zero
 * one) so the sequence of operations does not follow the exponent's bits, but the time of each
 * multiplication and reduction still depends on the numbers. Callers that hold secrets add
 * blinding on top (see `rsassa.ts`); the limits are stated there.
 *
 * @module
 */

/** OS2IP (RFC 8017 section 4.2): a big-endian octet string to a non-negative integer. */
export function bytesToInteger(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  let hex = ''
  for (const b of bytes) hex += (b < 16 ? '0' : '') + b.toString(16)
  return BigInt('0x' + hex)
}

/**
 * I2OSP (RFC 8017 section 4.1): a non-negative integer to a big-endian octet string of exactly
 * `length` bytes.
 *
 * @throws {RangeError} when `value` is negative or needs more than `length` bytes.
 */
export function integerToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new RangeError('"value" must be non-negative')
  if (value === 0n) return new Uint8Array(length)
  const hex = value.toString(16)
  const digits = hex.length
  if (digits > length * 2) throw new RangeError(`"value" does not fit in ${length} bytes`)
  const out = new Uint8Array(length)
  // Fill from the right: the leading bytes stay zero.
  let o = length - 1
  let i = digits
  for (; i >= 2; i -= 2, o--) out[o] = parseInt(hex.slice(i - 2, i), 16)
  if (i === 1) out[o] = parseInt(hex.slice(0, 1), 16)
  return out
}

/** The number of bits in the binary form of a positive integer (0 for 0). */
export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length
}

/** The number of bytes needed for a positive integer: RFC 8017's `k` for a modulus. */
export function byteLength(value: bigint): number {
  return Math.ceil(bitLength(value) / 8)
}

/** The least non-negative residue of `a` modulo `m`. */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m
  return r < 0n ? r + m : r
}

const WINDOW_BITS = 4
const WINDOW_SIZE = 1 << WINDOW_BITS

/**
 * `base ** exponent mod modulus` by fixed-window exponentiation.
 *
 * The window is fixed (4 bits) and every window multiplies by a table entry, including entry 0
 * (the number 1), so the count and order of multiplications depend only on the exponent's
 * length, not on its bits. See the module doc block for what that does and does not hide.
 *
 * @throws {RangeError} for a modulus below 2 or a negative exponent.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus < 2n) throw new RangeError('"modulus" must be at least 2')
  if (exponent < 0n) throw new RangeError('"exponent" must be non-negative')
  const b = mod(base, modulus)
  // Public exponents (65537) are short: plain square-and-multiply is faster and leaks nothing.
  if (exponent < 1n << 32n) {
    let result = 1n
    let sq = b
    let e = exponent
    while (e > 0n) {
      if ((e & 1n) === 1n) result = (result * sq) % modulus
      e >>= 1n
      if (e > 0n) sq = (sq * sq) % modulus
    }
    return result
  }
  const table: bigint[] = new Array<bigint>(WINDOW_SIZE)
  table[0] = 1n
  for (let i = 1; i < WINDOW_SIZE; i++) table[i] = ((table[i - 1] as bigint) * b) % modulus
  const bits = exponent.toString(2)
  // Left-pad to a whole number of windows so every step is the same shape.
  const padded = '0'.repeat((WINDOW_BITS - (bits.length % WINDOW_BITS)) % WINDOW_BITS) + bits
  let result = 1n
  for (let i = 0; i < padded.length; i += WINDOW_BITS) {
    for (let s = 0; s < WINDOW_BITS; s++) result = (result * result) % modulus
    result = (result * (table[parseInt(padded.slice(i, i + WINDOW_BITS), 2)] as bigint)) % modulus
  }
  return result
}

/**
 * The inverse of `a` modulo `m` by the extended Euclidean algorithm.
 *
 * @throws {RangeError} when `a` has no inverse (gcd(a, m) is not 1).
 */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  if (oldR !== 1n) throw new RangeError('"a" is not invertible modulo "m"')
  return mod(oldS, m)
}
