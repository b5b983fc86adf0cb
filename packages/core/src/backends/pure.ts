/**
 * The `pure` crypto backend: every algorithm in plain JavaScript, for runtimes with neither
 * `node:crypto` nor `crypto.subtle` (and as a cross-check of the other two).
 *
 * HMAC and SHA-2 come from `@noble/hashes`; Ed25519, P-256 and P-384 from `@noble/curves`;
 * RSA (RSASSA-PSS and RSASSA-PKCS1-v1_5, and key generation) is written here on `BigInt`
 * (`rsa/`, RFC 8017, FIPS 186-5), with the limits of constant time in JavaScript stated in
 * `rsa/rsassa.ts`.
 *
 * Keys arrive as JWK members (base64url) and are decoded once per `KeyMaterial` object into a
 * WeakMap, so a long-lived key costs its parsing once (for Ed25519 signing, the expanded
 * secret and the public key; for HMAC, the keyed hash state). A non-extractable `CryptoKey` has
 * no JWK to read: `supports()` says no, and selection keeps such keys on `webcrypto`.
 *
 * Verification returns false, never throws, for a signature of any length or content; only a
 * malformed key (a protocol input too, but one the key importer normally rejects first) throws
 * `ERR_KEY_INVALID`.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { p256, p384 } from '@noble/curves/nist.js'
import { bytesToNumberLE } from '@noble/curves/utils.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import type { AlgorithmDescriptor, AlgorithmFamily, HashName } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import { concatBytes, equalBytes, fromBase64Url, toBase64Url } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import type { GenerateJwkOptions, KeyBackend } from './key-backend.ts'
import { generateRsaJwk } from './rsa/generate.ts'
import type { RsaHash } from './rsa/hash.ts'
import { rsaPrivateKeyFromJwk, rsaPublicKeyFromJwk } from './rsa/key.ts'
import { rsaPkcs1v15Sign, rsaPkcs1v15Verify, rsaPssSign, rsaPssVerify } from './rsa/rsassa.ts'
import { withArticle } from '../article.ts'

/** SHA-2 by RFC 9530 name, in the shape the RSA encodings take. */
const hashes: Readonly<Record<HashName, RsaHash>> = {
  'sha-256': { name: 'sha-256', outputLength: 32, digest: (data) => sha256(data) },
  'sha-384': { name: 'sha-384', outputLength: 48, digest: (data) => sha384(data) },
  'sha-512': { name: 'sha-512', outputLength: 64, digest: (data) => sha512(data) },
}

/** Noble's hash constructors by name, for HMAC. */
const nobleHashes = { 'sha-256': sha256, 'sha-384': sha384, 'sha-512': sha512 } as const

function jwkBytes(jwk: JsonWebKey, name: 'k' | 'd' | 'x' | 'y', length?: number): Uint8Array {
  const text = jwk[name]
  if (typeof text !== 'string') throw new SignetError('ERR_KEY_INVALID', `JWK is missing "${name}"`)
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(text, name)
  } catch (cause) {
    throw new SignetError('ERR_KEY_INVALID', `JWK member "${name}" is not base64url`, { cause })
  }
  if (length !== undefined && bytes.length !== length) {
    throw new SignetError('ERR_KEY_INVALID', `JWK member "${name}" must be ${length} bytes, got ${bytes.length}`)
  }
  return bytes
}

/** How one family of algorithms signs and verifies with prepared (decoded) keys. */
interface Scheme {
  prepareSigning(alg: AlgorithmDescriptor, jwk: JsonWebKey): unknown
  prepareVerifying(alg: AlgorithmDescriptor, jwk: JsonWebKey): unknown
  sign(alg: AlgorithmDescriptor, prepared: unknown, data: Uint8Array): Uint8Array
  verify(alg: AlgorithmDescriptor, prepared: unknown, data: Uint8Array, signature: Uint8Array): boolean
}

/** An HMAC keyed once; each message clones the keyed state, saving the two key blocks. */
interface HmacState {
  clone(): { update(data: Uint8Array): { digest(): Uint8Array } }
}

function keyedHmac(alg: AlgorithmDescriptor, jwk: JsonWebKey): HmacState {
  return hmac.create(nobleHashes[alg.hash], jwkBytes(jwk, 'k'))
}

const hmacScheme: Scheme = {
  prepareSigning: keyedHmac,
  prepareVerifying: keyedHmac,
  sign(_alg, prepared, data) {
    return (prepared as HmacState).clone().update(data).digest()
  },
  verify(_alg, prepared, data, signature) {
    const mac = (prepared as HmacState).clone().update(data).digest()
    // equalBytes: constant time, and false for a signature of another length.
    return equalBytes(mac, signature)
  },
}

/** An Ed25519 signing key expanded once (RFC 8032 section 5.1.5). */
interface Ed25519Signing {
  readonly prefix: Uint8Array
  readonly scalar: bigint
  readonly publicKey: Uint8Array
}

const Fn = ed25519.Point.Fn
const BASE = ed25519.Point.BASE

const eddsaScheme: Scheme = {
  prepareSigning(_alg, jwk) {
    const extended = ed25519.utils.getExtendedPublicKey(jwkBytes(jwk, 'd', 32))
    const signing: Ed25519Signing = {
      prefix: extended.prefix,
      scalar: extended.scalar,
      publicKey: extended.pointBytes,
    }
    return signing
  },
  prepareVerifying(_alg, jwk) {
    return jwkBytes(jwk, 'x', 32)
  },
  // RFC 8032 section 5.1.6 with the expanded key from the cache: noble's sign() would expand
  // the seed again (a SHA-512 and a base-point multiplication) on every call.
  sign(_alg, prepared, data) {
    const key = prepared as Ed25519Signing
    const r = Fn.create(bytesToNumberLE(sha512(concatBytes(key.prefix, data))))
    const R = BASE.multiply(r).toBytes()
    const k = Fn.create(bytesToNumberLE(sha512(concatBytes(R, key.publicKey, data))))
    const s = Fn.create(r + k * key.scalar)
    return concatBytes(R, Fn.toBytes(s))
  },
  verify(alg, prepared, data, signature) {
    if (signature.length !== alg.signatureLength) return false
    try {
      // zip215: false is RFC 8032 / FIPS 186-5 strict decoding, as node:crypto and WebCrypto.
      return ed25519.verify(signature, data, prepared as Uint8Array, { zip215: false })
    } catch {
      return false
    }
  },
}

const curves = { 'P-256': p256, 'P-384': p384 } as const

function curveOf(alg: AlgorithmDescriptor): typeof p256 {
  const curve = alg.crv === 'P-256' || alg.crv === 'P-384' ? curves[alg.crv] : undefined
  if (curve === undefined) throw new TypeError(`"alg" ${alg.name} has no ECDSA curve`)
  return curve
}

function coordinateLength(alg: AlgorithmDescriptor): number {
  // Raw r||s is two coordinates long (RFC 9421 section 3.3.4 and 3.3.5).
  return (alg.signatureLength ?? 0) / 2
}

const ecdsaScheme: Scheme = {
  prepareSigning(alg, jwk) {
    return jwkBytes(jwk, 'd', coordinateLength(alg))
  },
  prepareVerifying(alg, jwk) {
    const size = coordinateLength(alg)
    const point = concatBytes(Uint8Array.of(0x04), jwkBytes(jwk, 'x', size), jwkBytes(jwk, 'y', size))
    if (!curveOf(alg).utils.isValidPublicKey(point, false)) {
      throw new SignetError('ERR_KEY_INVALID', `JWK point is not on ${alg.crv ?? 'the curve'}`)
    }
    return point
  },
  sign(alg, prepared, data) {
    // The message is hashed with the descriptor's hash (SHA-256 for P-256, SHA-384 for P-384),
    // then signed deterministically (RFC 6979) in compact r||s form.
    return curveOf(alg).sign(hashes[alg.hash].digest(data), prepared as Uint8Array, { prehash: false, lowS: true })
  },
  verify(alg, prepared, data, signature) {
    if (signature.length !== alg.signatureLength) return false
    try {
      // lowS: false. RFC 9421 does not require low-S, and node:crypto and WebCrypto make
      // signatures with either s; every valid signature must verify.
      return curveOf(alg).verify(signature, hashes[alg.hash].digest(data), prepared as Uint8Array, {
        prehash: false,
        lowS: false,
      })
    } catch {
      return false
    }
  },
}

const rsaPssScheme: Scheme = {
  prepareSigning: (_alg, jwk) => rsaPrivateKeyFromJwk(jwk),
  prepareVerifying: (_alg, jwk) => rsaPublicKeyFromJwk(jwk),
  sign(alg, prepared, data) {
    const hash = hashes[alg.hash]
    return rsaPssSign(prepared as ReturnType<typeof rsaPrivateKeyFromJwk>, hash, data, alg.saltLength ?? hash.outputLength)
  },
  verify(alg, prepared, data, signature) {
    const hash = hashes[alg.hash]
    return rsaPssVerify(
      prepared as ReturnType<typeof rsaPublicKeyFromJwk>,
      hash,
      data,
      signature,
      alg.saltLength ?? hash.outputLength,
    )
  },
}

const rsaPkcs1v15Scheme: Scheme = {
  prepareSigning: (_alg, jwk) => rsaPrivateKeyFromJwk(jwk),
  prepareVerifying: (_alg, jwk) => rsaPublicKeyFromJwk(jwk),
  sign: (alg, prepared, data) =>
    rsaPkcs1v15Sign(prepared as ReturnType<typeof rsaPrivateKeyFromJwk>, hashes[alg.hash], data),
  verify: (alg, prepared, data, signature) =>
    rsaPkcs1v15Verify(prepared as ReturnType<typeof rsaPublicKeyFromJwk>, hashes[alg.hash], data, signature),
}

/** The scheme for each algorithm family: the one place families meet code. */
const schemes: Readonly<Record<AlgorithmFamily, Scheme>> = {
  hmac: hmacScheme,
  eddsa: eddsaScheme,
  ecdsa: ecdsaScheme,
  'rsa-pss': rsaPssScheme,
  'rsa-v1_5': rsaPkcs1v15Scheme,
}

/** Prepared keys per KeyMaterial object; the object is created once per imported key. */
interface Prepared {
  readonly alg: AlgorithmDescriptor
  signing?: unknown
  verifying?: unknown
}

const cache = new WeakMap<KeyMaterial, Prepared>()

function prepared(alg: AlgorithmDescriptor, key: KeyMaterial): Prepared {
  let entry = cache.get(key)
  // A key is bound to one algorithm; an entry for another one is replaced, never reused.
  if (entry === undefined || entry.alg !== alg) {
    if (key.jwk.kty !== alg.kty) {
      throw new SignetError('ERR_ALG_MISMATCH', `${withArticle(String(key.jwk.kty))} key cannot be used with ${alg.name}`)
    }
    entry = { alg }
    cache.set(key, entry)
  }
  return entry
}

function signingKey(alg: AlgorithmDescriptor, key: KeyMaterial): unknown {
  const entry = prepared(alg, key)
  if (entry.signing === undefined) {
    if (!alg.symmetric && key.jwk.d === undefined) {
      throw new SignetError('ERR_KEY_INVALID', `${alg.name} signing needs a private key`)
    }
    entry.signing = schemes[alg.family].prepareSigning(alg, key.jwk)
  }
  return entry.signing
}

function verifyingKey(alg: AlgorithmDescriptor, key: KeyMaterial): unknown {
  const entry = prepared(alg, key)
  if (entry.verifying === undefined) entry.verifying = schemes[alg.family].prepareVerifying(alg, key.jwk)
  return entry.verifying
}

/** The public members of an Ed25519 or EC private JWK, computed from `d`. */
function publicMembers(alg: AlgorithmDescriptor, d: Uint8Array): JsonWebKey {
  if (alg.family === 'eddsa') {
    return { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(ed25519.getPublicKey(d)) }
  }
  const size = coordinateLength(alg)
  // Uncompressed SEC1 point: 0x04 || x || y.
  const point = curveOf(alg).getPublicKey(d, false)
  return {
    kty: 'EC',
    crv: alg.crv as string,
    x: toBase64Url(point.subarray(1, 1 + size)),
    y: toBase64Url(point.subarray(1 + size)),
  }
}

/** Families whose keys the pure backend can generate and whose public key it can derive. */
const curveFamilies: ReadonlySet<AlgorithmFamily> = new Set(['eddsa', 'ecdsa'])

/**
 * The pure backend object. Import `@signet/core/pure` to register it for automatic selection;
 * it can also be passed where a backend is expected.
 *
 * @example
 * ```ts
 * import { pureBackend } from '@signet/core/pure'
 * const mac = pureBackend.sign(getAlgorithm('hmac-sha256'), { jwk }, data)
 * ```
 */
export const pureBackend: KeyBackend = {
  name: 'pure',
  supports(alg: AlgorithmDescriptor, key?: KeyMaterial): boolean {
    if (!(alg.family in schemes)) return false
    if (key === undefined) return true
    // A non-extractable CryptoKey never shows its members; only webcrypto can use it.
    if (key.cryptoKey !== undefined && !key.cryptoKey.extractable) return false
    return key.jwk.kty === alg.kty
  },
  sign(alg: AlgorithmDescriptor, key: KeyMaterial, data: Uint8Array): Uint8Array {
    return schemes[alg.family].sign(alg, signingKey(alg, key), data)
  },
  verify(alg: AlgorithmDescriptor, key: KeyMaterial, data: Uint8Array, signature: Uint8Array): boolean {
    if (!(signature instanceof Uint8Array)) return false
    return schemes[alg.family].verify(alg, verifyingKey(alg, key), data, signature)
  },
  digest(hash: HashName, data: Uint8Array): Uint8Array {
    const h = hashes[hash]
    if (h === undefined) throw new TypeError(`"hash" must be sha-256, sha-384 or sha-512, got ${String(hash)}`)
    return h.digest(data)
  },
  generateJwk(alg: AlgorithmDescriptor, options: GenerateJwkOptions): JsonWebKey {
    if (alg.kty === 'RSA') return generateRsaJwk(options.modulusLength)
    // HMAC secrets are random bytes, made by the key functions themselves.
    if (!curveFamilies.has(alg.family)) {
      throw new SignetError('ERR_KEY_UNSUPPORTED', `the pure backend does not generate ${alg.name} keys`)
    }
    const d = alg.family === 'eddsa' ? ed25519.utils.randomSecretKey() : curveOf(alg).utils.randomSecretKey()
    return { ...publicMembers(alg, d), d: toBase64Url(d) }
  },
  derivePublicJwk(alg: AlgorithmDescriptor, privateJwk: JsonWebKey): JsonWebKey {
    if (!curveFamilies.has(alg.family)) {
      throw new SignetError('ERR_KEY_UNSUPPORTED', `the pure backend derives no public key for ${alg.name}`)
    }
    const d = jwkBytes(privateJwk, 'd', alg.family === 'eddsa' ? 32 : coordinateLength(alg))
    try {
      return { ...privateJwk, ...publicMembers(alg, d) }
    } catch (cause) {
      // A scalar of zero or at least the group order has no public point.
      throw new SignetError('ERR_KEY_INVALID', `the ${alg.name} private key is not valid`, { cause })
    }
  },
}
