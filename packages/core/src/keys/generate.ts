/**
 * `generateKey`: a fresh key for any of the six algorithms.
 *
 * HMAC secrets are 32 random bytes (the SHA-256 output size; RFC 2104 section 3). Key pairs
 * come from the fastest backend that can generate them (node:crypto, else WebCrypto, else a
 * registered pure backend). `extractable: false` makes a WebCrypto key whose private part can
 * never be read, not even by this library, where WebCrypto exists; such a key signs on the
 * webcrypto backend only.
 *
 * @module
 */
import { getAlgorithm, type AlgorithmDescriptor, type AlgorithmName } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import { backendsWith } from '../backends/registry.ts'
import { subtleCrypto } from '../backends/runtime.ts'
import { generateCryptoKey } from '../backends/webcrypto.ts'
import { randomBytes, toBase64Url } from '../bytes.ts'
import { SignetError, isSignetError } from '../errors.ts'
import { publicJwk, validateJwk } from './jwk.ts'
import { createSignetKey, type SignetKey } from './signet-key.ts'
import { thumbprintOfNormalized } from './thumbprint.ts'
import { withArticle } from '../article.ts'

/** Options for {@link generateKey}. */
export interface GenerateKeyOptions {
  /** The key id; default: the RFC 7638 thumbprint. */
  readonly kid?: string | undefined
  /** Default true. False: a non-extractable WebCrypto key (where WebCrypto exists). */
  readonly extractable?: boolean | undefined
  /** RSA modulus size in bits: 2048 (default) to 16384, a multiple of 8. */
  readonly modulusLength?: number | undefined
}

const SECRET_BYTES = 32

async function generateJwk(alg: AlgorithmDescriptor, modulusLength: number): Promise<JsonWebKey> {
  if (alg.symmetric) return { kty: 'oct', k: toBase64Url(randomBytes(SECRET_BYTES)) }
  let lastError: unknown
  for (const backend of backendsWith('generateJwk', alg)) {
    try {
      return await (backend.generateJwk as NonNullable<typeof backend.generateJwk>)(alg, { modulusLength })
    } catch (error) {
      if (!isSignetError(error) || error.code !== 'ERR_BACKEND_UNAVAILABLE') throw error
      lastError = error
    }
  }
  throw new SignetError('ERR_BACKEND_UNAVAILABLE', `no backend here can generate ${withArticle(alg.name)} key`, { cause: lastError })
}

/**
 * Generate a key bound to `alg`.
 *
 * @param alg - one of the six algorithm names.
 * @param options - {@link GenerateKeyOptions}.
 * @returns a secret (HMAC) or private key; `publicKey(key)` gives its public half.
 * @throws {SignetError} `ERR_ALG_UNSUPPORTED` for an unknown algorithm; `ERR_BACKEND_UNAVAILABLE`
 *   when no backend here can generate it.
 * @throws {RangeError} for a `modulusLength` out of range.
 * @example
 * ```ts
 * const key = await generateKey('ed25519')
 * const jwk = await exportJwk(key, { private: true })
 * ```
 */
export async function generateKey(alg: AlgorithmName, options?: GenerateKeyOptions): Promise<SignetKey> {
  const descriptor = getAlgorithm(alg)
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new TypeError('"options" must be an object')
  const { kid, extractable = true, modulusLength = 2048 } = options ?? {}
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0)) throw new TypeError('"kid" must be a non-empty string')
  if (typeof extractable !== 'boolean') throw new TypeError('"extractable" must be a boolean')
  if (!Number.isInteger(modulusLength) || modulusLength < 2048 || modulusLength > 16384 || modulusLength % 8 !== 0) {
    throw new RangeError(`"modulusLength" expected a multiple of 8 from 2048 to 16384, got ${String(modulusLength)}`)
  }
  const type = descriptor.symmetric ? 'secret' : 'private'

  if (!extractable && subtleCrypto() !== undefined) {
    const generated = await generateCryptoKey(descriptor, { modulusLength, extractable: false })
    const pub = generated.publicJwk === undefined ? undefined : validateJwk(publicMembers(generated.publicJwk), { minimumRsaBits: 2048 }).jwk
    const jwk: JsonWebKey = pub ?? { kty: 'oct' }
    const material: KeyMaterial = Object.freeze({ jwk: Object.freeze(jwk), cryptoKey: generated.key })
    return createSignetKey(descriptor, kid ?? (pub === undefined ? undefined : await thumbprintOfNormalized(pub)), type, false, material)
  }

  const validated = validateJwk(withoutMetadata(await generateJwk(descriptor, modulusLength)), { minimumRsaBits: 2048 })
  const material: KeyMaterial = Object.freeze({ jwk: Object.freeze(validated.jwk) })
  return createSignetKey(descriptor, kid ?? (await thumbprintOfNormalized(validated.jwk)), type, extractable, material)
}

/** A generated public JWK without WebCrypto's `alg`, `ext` and `key_ops`. */
function publicMembers(jwk: JsonWebKey): JsonWebKey {
  return publicJwk(withoutMetadata(jwk))
}

/** Drop the members a generator adds that Signet keeps on the key instead (alg, ext, key_ops). */
function withoutMetadata(jwk: JsonWebKey): JsonWebKey {
  const { alg: _alg, ext: _ext, key_ops: _ops, use: _use, ...members } = jwk
  return members
}
