/**
 * The key importer behind `importKey` (import.ts): JWK, PEM, DER, raw bytes or a WebCrypto
 * `CryptoKey` in, a `SignetKey` bound to one algorithm out. It loads on the first `importKey`
 * call, so an entry that only passes keys through (a server's cold import) does not compile it.
 *
 * The algorithm comes from the key when its type allows only one (oct, Ed25519, P-256, P-384),
 * from the JWK `alg`, or from the RSASSA-PSS OID (RFC 4055); an RSA key with none of these needs
 * `options.alg`. An explicit `alg` that contradicts the key is `ERR_ALG_MISMATCH`, because a key
 * used with an algorithm other than its own is the attack RFC 9421 section 7.3.6 warns about.
 * Every form becomes a normalized JWK (jwk.ts), so every backend imports the same thing.
 *
 * @module
 */
import { algorithms, getAlgorithm, type AlgorithmDescriptor, type AlgorithmName } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import { backendsWith, candidateBackends } from '../backends/registry.ts'
import { subtleCrypto } from '../backends/runtime.ts'
import { algorithmOfCryptoKey, webcryptoBackend } from '../backends/webcrypto.ts'
import { toBase64Url, utf8 } from '../bytes.ts'
import { SignetError, isSignetError } from '../errors.ts'
import { validateJwk, type KeyType, type ValidatedJwk } from './jwk.ts'
import { MIN_SECRET_BYTES } from './jwk-members.ts'
import type { ParsedKey } from './pem.ts'
import { createSignetKey, type SignetKey } from './signet-key.ts'
import { thumbprintOfNormalized } from './thumbprint.ts'
import { withArticle } from '../article.ts'
import type { ImportKeyOptions, KeyInput } from './import-options.ts'

// The PEM/DER reader loads on the first PEM or DER input: a verifier that imports JWKs only (the
// usual case) never compiles it.
let pemReaderModule: Promise<typeof import('./pem-read.ts')> | undefined
const pemReader = (): Promise<typeof import('./pem-read.ts')> => (pemReaderModule ??= import('./pem-read.ts'))

const MAX_INPUT = 64 * 1024
const KEY_TYPES: readonly KeyType[] = ['secret', 'private', 'public']

function invalid(message: string): never {
  throw new SignetError('ERR_KEY_INVALID', message)
}

/** The one algorithm a key type allows, if it allows only one. */
function impliedByKey(jwk: JsonWebKey): AlgorithmDescriptor | undefined {
  const matching = algorithms.filter((a) => a.kty === jwk.kty && (a.crv === undefined || a.crv === jwk.crv))
  return matching.length === 1 ? matching[0] : undefined
}

function isCryptoKey(value: unknown): value is CryptoKey {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<CryptoKey>
  return typeof v.type === 'string' && typeof v.extractable === 'boolean' && typeof v.algorithm === 'object' && Array.isArray(v.usages)
}

interface NormalizedOptions {
  readonly alg: AlgorithmDescriptor | undefined
  readonly kid: string | undefined
  readonly type: KeyType | undefined
  readonly extractable: boolean | undefined
  readonly minimumRsaBits: number
}

function checkOptions(options: ImportKeyOptions | undefined): NormalizedOptions {
  if (options === undefined) return { alg: undefined, kid: undefined, type: undefined, extractable: undefined, minimumRsaBits: 2048 }
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object')
  const { alg, kid, type, extractable, minimumRsaBits = 2048 } = options
  if (alg !== undefined && typeof alg !== 'string') throw new TypeError('"alg" must be an algorithm name')
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0)) throw new TypeError('"kid" must be a non-empty string')
  if (type !== undefined && !KEY_TYPES.includes(type)) throw new TypeError('"type" must be "secret", "private" or "public"')
  if (extractable !== undefined && typeof extractable !== 'boolean') throw new TypeError('"extractable" must be a boolean')
  if (typeof minimumRsaBits !== 'number' || !Number.isInteger(minimumRsaBits) || minimumRsaBits < 1024) {
    throw new RangeError(`"minimumRsaBits" expected an integer of at least 1024, got ${String(minimumRsaBits)}`)
  }
  return { alg: alg === undefined ? undefined : getAlgorithm(alg), kid, type, extractable, minimumRsaBits }
}

/**
 * Pick the algorithm: explicit, declared (JWK `alg`, PSS OID), or implied by the key type.
 *
 * @throws {SignetError} `ERR_ALG_MISMATCH` on a conflict; `ERR_KEY_UNSUPPORTED` when none applies.
 */
function resolveAlgorithm(jwk: JsonWebKey, declared: AlgorithmDescriptor | undefined, explicit: AlgorithmDescriptor | undefined): AlgorithmDescriptor {
  if (declared !== undefined && declared.crv !== undefined && declared.crv !== jwk.crv) {
    invalid(`JWK "alg" ${declared.jose} does not fit curve ${String(jwk.crv)}`)
  }
  if (explicit !== undefined) {
    if (explicit.kty !== jwk.kty || (explicit.crv !== undefined && explicit.crv !== jwk.crv)) {
      const what = `${withArticle(String(jwk.crv ?? jwk.kty))} key`
      throw new SignetError('ERR_ALG_MISMATCH', `"alg" ${explicit.name} cannot be used with ${what}`)
    }
    if (declared !== undefined && declared !== explicit) {
      throw new SignetError('ERR_ALG_MISMATCH', `"alg" ${explicit.name} conflicts with the key's own algorithm ${declared.name}`)
    }
    return explicit
  }
  const found = declared ?? impliedByKey(jwk)
  if (found === undefined) {
    throw new SignetError(
      'ERR_KEY_UNSUPPORTED',
      'an RSA key does not imply its algorithm: `alg` is required (rsa-pss-sha512 or rsa-v1_5-sha256)',
    )
  }
  return found
}

/** Public members of an EC/OKP private key computed from `d` by the first backend able to. */
async function derivePublic(alg: AlgorithmDescriptor, jwk: JsonWebKey): Promise<JsonWebKey> {
  let lastError: unknown
  for (const backend of backendsWith('derivePublicJwk', alg)) {
    try {
      return await (backend.derivePublicJwk as NonNullable<typeof backend.derivePublicJwk>)(alg, jwk)
    } catch (error) {
      if (isSignetError(error) && error.code !== 'ERR_BACKEND_UNAVAILABLE') throw error
      if (!isSignetError(error)) throw new SignetError('ERR_KEY_INVALID', `the ${alg.name} private key is not valid`, { cause: error })
      lastError = error
    }
  }
  throw new SignetError('ERR_BACKEND_UNAVAILABLE', `no backend here can compute the public part of ${withArticle(alg.name)} key`, { cause: lastError })
}

/** Fill in the public point of a parsed EC/OKP private key that came without one. */
async function completeParsed(parsed: ParsedKey): Promise<{ jwk: JsonWebKey; derived: boolean }> {
  const jwk = parsed.jwk
  if ((jwk.kty !== 'EC' && jwk.kty !== 'OKP') || jwk.d === undefined || jwk.x !== undefined) return { jwk, derived: false }
  const alg = impliedByKey(jwk) as AlgorithmDescriptor
  const pub = await derivePublic(alg, jwk)
  const out: JsonWebKey = { ...jwk, x: String(pub.x) }
  if (jwk.kty === 'EC') out.y = String(pub.y)
  return { jwk: out, derived: true }
}

/** RFC 8037/RFC 5915 keys carry the public point beside the scalar; refuse a pair that disagrees. */
async function checkPair(alg: AlgorithmDescriptor, jwk: JsonWebKey): Promise<void> {
  let pub: JsonWebKey
  try {
    pub = await derivePublic(alg, jwk)
  } catch (error) {
    // No backend here can do the curve arithmetic: the backend that signs will check instead.
    if (isSignetError(error) && error.code === 'ERR_BACKEND_UNAVAILABLE') return
    throw error
  }
  if (pub.x !== jwk.x || (jwk.kty === 'EC' && pub.y !== jwk.y)) invalid('the private and public members of this key do not belong together')
}

/**
 * Let the default backend prepare the key now: a key that cannot work (an EC point off its
 * curve, an RSA key the library refuses) fails at import, not at the first request, and the
 * first signature does not pay for the preparation.
 */
async function prepareOnDefault(alg: AlgorithmDescriptor, material: KeyMaterial): Promise<void> {
  for (const backend of candidateBackends(alg, material)) {
    if (backend.prepare === undefined) continue
    try {
      await backend.prepare(alg, material)
      return
    } catch (error) {
      if (!isSignetError(error) || error.code !== 'ERR_BACKEND_UNAVAILABLE') throw error
    }
  }
}

async function finish(
  validated: ValidatedJwk,
  declared: AlgorithmDescriptor | undefined,
  derived: boolean,
  options: NormalizedOptions,
): Promise<SignetKey> {
  const alg = resolveAlgorithm(validated.jwk, validated.alg ?? declared, options.alg)
  if (validated.alg !== undefined && declared !== undefined && validated.alg !== declared) {
    throw new SignetError('ERR_ALG_MISMATCH', `the key says both ${validated.alg.name} and ${declared.name}`)
  }
  if (options.type !== undefined && options.type !== validated.type) {
    invalid(`expected ${withArticle(options.type)} key, got ${withArticle(validated.type)} key`)
  }
  if (validated.type === 'private' && !derived && (alg.kty === 'EC' || alg.kty === 'OKP')) await checkPair(alg, validated.jwk)
  const material: KeyMaterial = Object.freeze({ jwk: Object.freeze(validated.jwk) })
  await prepareOnDefault(alg, material)
  const kid = options.kid ?? validated.kid ?? (await thumbprintOfNormalized(validated.jwk))
  return createSignetKey(alg, kid, validated.type, options.extractable ?? true, material)
}

async function fromParsed(parsed: ParsedKey, options: NormalizedOptions): Promise<SignetKey> {
  const { jwk, derived } = await completeParsed(parsed)
  const validated = validateJwk(jwk, options)
  return finish(validated, parsed.pss ? getAlgorithm('rsa-pss-sha512') : undefined, derived, options)
}

async function fromRaw(bytes: Uint8Array, options: NormalizedOptions): Promise<SignetKey> {
  const alg = options.alg
  if (alg?.family === 'hmac') {
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new SignetError('ERR_KEY_TOO_SHORT', `"secret" expected at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`)
    }
    if (options.type !== undefined && options.type !== 'secret') invalid(`expected ${withArticle(options.type)} key, got a secret key`)
    return finish(validateJwk({ kty: 'oct', k: toBase64Url(bytes) }, options), undefined, false, options)
  }
  if (alg?.family === 'eddsa' && bytes.length === 32) {
    // RFC 8032 section 5.1.5: the private key is the 32-byte seed; the public key is 32 bytes too,
    // so only the caller knows which one this is.
    if (options.type === 'private') return fromParsed({ jwk: { kty: 'OKP', crv: 'Ed25519', d: toBase64Url(bytes) }, type: 'private', pss: false }, options)
    if (options.type === 'public') return fromParsed({ jwk: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(bytes) }, type: 'public', pss: false }, options)
    throw new SignetError('ERR_KEY_UNSUPPORTED', 'raw Ed25519 bytes need `type`: "private" (a seed) or "public"')
  }
  if (bytes[0] === 0x30) return fromParsed((await pemReader()).parseDer(bytes), options)
  if (alg === undefined) {
    throw new SignetError('ERR_KEY_UNSUPPORTED', 'raw key bytes need `alg` (hmac-sha256 for a secret, ed25519 for a seed or public key)')
  }
  return invalid(alg.family === 'eddsa' ? `a raw Ed25519 key must be 32 bytes, got ${bytes.length}` : `raw ${alg.name} keys must be DER (SPKI, PKCS#8, PKCS#1 or SEC1)`)
}

function isCryptoKeyPair(value: unknown): value is CryptoKeyPair {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<CryptoKeyPair>
  return isCryptoKey(v.privateKey) && isCryptoKey(v.publicKey)
}

async function fromCryptoKey(key: CryptoKey, options: NormalizedOptions, pairPublic?: CryptoKey): Promise<SignetKey> {
  const alg = algorithmOfCryptoKey(key)
  if (alg === undefined) throw new SignetError('ERR_KEY_UNSUPPORTED', `a WebCrypto ${String((key.algorithm as { name?: unknown }).name)} key is not one Signet signs with`)
  if (options.alg !== undefined && options.alg !== alg) {
    throw new SignetError('ERR_ALG_MISMATCH', `"alg" ${options.alg.name} conflicts with the CryptoKey's algorithm ${alg.name}`)
  }
  if (!key.usages.some((u) => u === 'sign' || u === 'verify')) throw new SignetError('ERR_KEY_UNSUPPORTED', 'the CryptoKey allows neither sign nor verify')
  const bits = (key.algorithm as { length?: number }).length
  if (alg.symmetric && typeof bits === 'number' && bits < MIN_SECRET_BYTES * 8) {
    throw new SignetError('ERR_KEY_TOO_SHORT', `"secret" expected at least ${MIN_SECRET_BYTES} bytes, got ${bits / 8}`)
  }
  const subtle = subtleCrypto()
  if (key.extractable && subtle !== undefined) {
    const jwk = await subtle.exportKey('jwk', key)
    const { alg: _alg, key_ops: _ops, ext: _ext, ...members } = jwk
    return finish(validateJwk(members, options), alg, false, { ...options, alg })
  }
  const type: KeyType = key.type === 'secret' ? 'secret' : key.type === 'private' ? 'private' : 'public'
  if (options.type !== undefined && options.type !== type) invalid(`expected ${withArticle(options.type)} key, got ${withArticle(type)} key`)
  let jwk: JsonWebKey = alg.crv === undefined ? { kty: alg.kty } : { kty: alg.kty, crv: alg.crv }
  let kid = options.kid
  if (pairPublic !== undefined && subtle !== undefined) {
    // The public half of a pair is always extractable: it gives the key its thumbprint and
    // lets publicKey() and verification work.
    if (algorithmOfCryptoKey(pairPublic) !== alg || pairPublic.type !== 'public') invalid('the CryptoKeyPair halves do not match')
    const { alg: _alg, key_ops: _ops, ext: _ext, ...members } = await subtle.exportKey('jwk', pairPublic)
    jwk = validateJwk(members, options).jwk
    // Two halves of different pairs would sign what nothing verifies; one signature proves them.
    if (key.usages.includes('sign')) {
      const probe = utf8('signet: key pair check')
      const signature = await webcryptoBackend.sign(alg, { jwk, cryptoKey: key }, probe)
      if (!(await webcryptoBackend.verify(alg, { jwk }, probe, signature))) invalid('the CryptoKeyPair halves do not belong together')
    }
    kid ??= await thumbprintOfNormalized(jwk)
  }
  const material: KeyMaterial = Object.freeze({ jwk: Object.freeze(jwk), cryptoKey: key })
  // Without the public half, a non-extractable key has no members to hash: the kid is whatever
  // the caller gives.
  return createSignetKey(alg, kid, type, false, material)
}

/**
 * `importKey`'s work, on the forms its doc lists (import.ts loads this module on the
 * first call).
 *
 * @param input - the key, in any form `KeyInput` allows.
 * @param options - `ImportKeyOptions`.
 * @returns the key bound to its algorithm.
 * @throws what `importKey` documents.
 */
export async function importAnyKey(input: KeyInput, options?: ImportKeyOptions): Promise<SignetKey> {
  const opts = checkOptions(options)
  if (input instanceof Uint8Array) {
    if (input.length > MAX_INPUT) invalid(`key input is larger than ${MAX_INPUT} bytes`)
    return fromRaw(new Uint8Array(input), opts)
  }
  if (typeof input === 'string') {
    if (input.length > MAX_INPUT) invalid(`key input is larger than ${MAX_INPUT} characters`)
    if (input.includes('-----BEGIN')) return fromParsed((await pemReader()).parsePem(input), opts)
    if (input.trimStart().startsWith('{')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(input)
      } catch {
        return invalid('key text is neither PEM nor valid JSON')
      }
      return finish(validateJwk(parsed, opts), undefined, false, opts)
    }
    return invalid('key text is neither PEM nor a JSON Web Key')
  }
  if (isCryptoKey(input)) return fromCryptoKey(input, opts)
  if (isCryptoKeyPair(input)) return fromCryptoKey(input.privateKey, opts, input.publicKey)
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    return finish(validateJwk(input, opts), undefined, false, opts)
  }
  return invalid('a key must be a JWK, PEM text, key bytes or a CryptoKey')
}
