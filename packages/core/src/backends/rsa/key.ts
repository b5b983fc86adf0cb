/**
 * RSA keys as integers, read from JWK members (RFC 7518 section 6.3) once and kept.
 *
 * A public key is (n, e). A private key is (n, e, d) and, when the JWK has them, the CRT
 * parameters p, q, dp, dq, qi (RFC 7518 section 6.3.2: all of them or none). The members are
 * checked for consistency here (p q = n, dp = d mod (p - 1), ...) because a wrong CRT parameter
 * would otherwise produce a signature that leaks a factor of n (the Bellcore attack); the
 * signer also checks every signature it makes.
 *
 * @module
 */
import { fromBase64Url } from '../../bytes.ts'
import { SignetError } from '../../errors.ts'
import { bitLength, byteLength, bytesToInteger, mod, modInverse } from './integer.ts'

/** An RSA public key: modulus n, public exponent e, and the derived sizes. */
export interface RsaPublicKey {
  readonly n: bigint
  readonly e: bigint
  /** The modulus length in bytes, k in RFC 8017. */
  readonly k: number
  /** The modulus length in bits, modBits in RFC 8017. */
  readonly modBits: number
}

/** The Chinese Remainder Theorem parameters of a private key. */
export interface RsaCrt {
  readonly p: bigint
  readonly q: bigint
  readonly dp: bigint
  readonly dq: bigint
  readonly qi: bigint
}

/**
 * Blinding state: vi = r^e mod n and vf = r^-1 mod n for a random r. Each signature squares
 * both (as OpenSSL does), so r changes every time without a fresh inversion.
 */
export interface RsaBlinding {
  vi: bigint
  vf: bigint
}

/** An RSA private key. `blinding` is mutable per-key state owned by the signer. */
export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint
  readonly crt: RsaCrt | undefined
  blinding: RsaBlinding | undefined
}

function member(jwk: JsonWebKey, name: 'n' | 'e' | 'd' | 'p' | 'q' | 'dp' | 'dq' | 'qi'): bigint {
  const text = jwk[name]
  if (typeof text !== 'string' || text.length === 0) {
    throw new SignetError('ERR_KEY_INVALID', `RSA JWK is missing "${name}"`)
  }
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(text, name)
  } catch (cause) {
    throw new SignetError('ERR_KEY_INVALID', `RSA JWK member "${name}" is not base64url`, { cause })
  }
  return bytesToInteger(bytes)
}

function invalid(message: string): SignetError {
  return new SignetError('ERR_KEY_INVALID', message)
}

/**
 * Read the public part of an RSA JWK.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` when n or e is missing, not base64url, or unusable
 *   (n even or under 512 bits, e even or below 3, e not below n).
 * @example rsaPublicKeyFromJwk({ kty: 'RSA', n: '...', e: 'AQAB' }).k // 256
 */
export function rsaPublicKeyFromJwk(jwk: JsonWebKey): RsaPublicKey {
  if (jwk.kty !== 'RSA') throw invalid('not an RSA JWK')
  const n = member(jwk, 'n')
  const e = member(jwk, 'e')
  const modBits = bitLength(n)
  // Sizes below 2048 bits are a key-policy question for the key importer; 512 is the floor
  // below which the encodings cannot even fit a SHA-512 PSS block.
  if (modBits < 512 || (n & 1n) === 0n) throw invalid('RSA modulus "n" is not a usable modulus')
  if (e < 3n || (e & 1n) === 0n || e >= n) throw invalid('RSA exponent "e" is not a usable public exponent')
  return { n, e, k: byteLength(n), modBits }
}

/**
 * Read an RSA private JWK, checking the CRT parameters against n and d.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` when d is missing, when only some CRT members are
 *   present, or when they are inconsistent.
 * @example rsaPrivateKeyFromJwk(jwk).crt?.p
 */
export function rsaPrivateKeyFromJwk(jwk: JsonWebKey): RsaPrivateKey {
  const pub = rsaPublicKeyFromJwk(jwk)
  if (jwk.oth !== undefined) throw new SignetError('ERR_KEY_UNSUPPORTED', 'multi-prime RSA keys ("oth") are not supported')
  const d = member(jwk, 'd')
  if (d <= 1n || d >= pub.n) throw invalid('RSA private exponent "d" is out of range')
  const crtNames = ['p', 'q', 'dp', 'dq', 'qi'] as const
  const present = crtNames.filter((name) => jwk[name] !== undefined)
  let crt: RsaCrt | undefined
  if (present.length === crtNames.length) {
    const p = member(jwk, 'p')
    const q = member(jwk, 'q')
    const dp = member(jwk, 'dp')
    const dq = member(jwk, 'dq')
    const qi = member(jwk, 'qi')
    if (p <= 1n || q <= 1n || p * q !== pub.n) throw invalid('RSA factors "p" and "q" do not multiply to "n"')
    if (dp !== mod(d, p - 1n) || dq !== mod(d, q - 1n)) throw invalid('RSA CRT exponents do not match "d"')
    let expectedQi: bigint
    try {
      expectedQi = modInverse(q, p)
    } catch {
      throw invalid('RSA factor "q" is not invertible modulo "p"')
    }
    if (qi !== expectedQi) throw invalid('RSA CRT coefficient "qi" does not match')
    crt = { p, q, dp, dq, qi }
  } else if (present.length !== 0) {
    // RFC 7518 section 6.3.2: the CRT members come as a set.
    throw invalid(`RSA JWK has only some CRT members (${present.join(', ')})`)
  }
  return { ...pub, d, crt, blinding: undefined }
}
