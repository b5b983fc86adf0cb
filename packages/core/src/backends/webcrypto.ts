/**
 * The `webcrypto` backend: `crypto.subtle`, present in browsers, Workers, Deno, Bun and Node.
 *
 * Every call is asynchronous, which costs more than the primitive for small inputs (an awaited
 * HMAC is several times slower than node:crypto's), so this backend is chosen by default only
 * where node:crypto is absent, and always for a non-extractable `CryptoKey`, which cannot leave
 * it. Imported CryptoKeys are cached per KeyMaterial. Keys arrive as JWK (PKCS#1, SEC1 and the
 * RSASSA-PSS OID never reach `importKey`, which refuses them in most runtimes).
 *
 * @module
 */
import { algorithms, type AlgorithmDescriptor, type AlgorithmFamily, type HashName } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import { equalBytes } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import { publicJwk } from '../keys/jwk.ts'
import { pkcs8FromJwk } from '../keys/pem.ts'
import type { GenerateJwkOptions, KeyBackend } from './key-backend.ts'
import { secretBytes, webCryptoRefusal } from './key-objects.ts'
import { subtleCrypto } from './runtime.ts'
import { withArticle } from '../article.ts'

const webHash: Readonly<Record<HashName, string>> = { 'sha-256': 'SHA-256', 'sha-384': 'SHA-384', 'sha-512': 'SHA-512' }

interface FamilyParams {
  /** `importKey`/`generateKey` parameters. */
  key(alg: AlgorithmDescriptor): Record<string, unknown> & { name: string }
  /** `sign`/`verify` parameters. */
  op(alg: AlgorithmDescriptor): Record<string, unknown> & { name: string }
}

const families: Readonly<Record<AlgorithmFamily, FamilyParams>> = {
  hmac: { key: (alg) => ({ name: 'HMAC', hash: webHash[alg.hash] }), op: () => ({ name: 'HMAC' }) },
  eddsa: { key: () => ({ name: 'Ed25519' }), op: () => ({ name: 'Ed25519' }) },
  'rsa-pss': {
    key: (alg) => ({ name: 'RSA-PSS', hash: webHash[alg.hash] }),
    op: (alg) => ({ name: 'RSA-PSS', saltLength: alg.saltLength as number }),
  },
  'rsa-v1_5': { key: (alg) => ({ name: 'RSASSA-PKCS1-v1_5', hash: webHash[alg.hash] }), op: () => ({ name: 'RSASSA-PKCS1-v1_5' }) },
  ecdsa: {
    key: (alg) => ({ name: 'ECDSA', namedCurve: alg.crv as string }),
    op: (alg) => ({ name: 'ECDSA', hash: webHash[alg.hash] }),
  },
}

// Operation parameters are constant per algorithm: build them once, not per call.
const opParams = new Map<AlgorithmDescriptor, Record<string, unknown> & { name: string }>(algorithms.map((a) => [a, families[a.family].op(a)]))

function opFor(alg: AlgorithmDescriptor): Record<string, unknown> & { name: string } {
  return opParams.get(alg) ?? families[alg.family].op(alg)
}

interface Cached {
  sign?: Promise<CryptoKey>
  verify?: Promise<CryptoKey>
}

const cache = new WeakMap<KeyMaterial, Cached>()

function requireSubtle(): SubtleCrypto {
  const subtle = subtleCrypto()
  if (subtle === undefined) throw new SignetError('ERR_BACKEND_UNAVAILABLE', 'the webcrypto backend needs crypto.subtle')
  return subtle
}

const buffer = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>

async function importFromJwk(alg: AlgorithmDescriptor, key: KeyMaterial, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  const subtle = requireSubtle()
  const params = families[alg.family].key(alg)
  try {
    if (alg.symmetric) {
      // HMAC verify is sign-and-compare below, so one key with 'sign' serves both.
      return await subtle.importKey('raw', buffer(secretBytes(key)), params, false, ['sign'])
    }
    if (usage === 'sign') return await subtle.importKey('jwk', key.jwk, params, false, ['sign'])
    // WebCrypto verifies only with a public key.
    return await subtle.importKey('jwk', publicJwk(key.jwk), params, false, ['verify'])
  } catch (error) {
    throw webCryptoRefusal(alg, error)
  }
}

function hasPublicMembers(jwk: JsonWebKey): boolean {
  return jwk.x !== undefined || jwk.n !== undefined
}

function cryptoKeyFor(alg: AlgorithmDescriptor, key: KeyMaterial, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  let entry = cache.get(key)
  if (entry === undefined) {
    entry = {}
    cache.set(key, entry)
  }
  const slot = usage
  const existing = entry[slot]
  if (existing !== undefined) return existing
  let pending: Promise<CryptoKey>
  const held = key.cryptoKey
  if (held !== undefined && usage === 'sign' && held.type !== 'public' && !held.usages.includes('sign')) {
    pending = Promise.reject(new SignetError('ERR_KEY_UNSUPPORTED', 'the CryptoKey does not allow "sign"'))
  } else if (held !== undefined && (alg.symmetric || (usage === 'sign' ? held.type === 'private' : held.type === 'public'))) {
    pending = Promise.resolve(held)
  } else if (held !== undefined && !(usage === 'verify' && hasPublicMembers(key.jwk))) {
    pending = Promise.reject(
      new SignetError('ERR_KEY_UNSUPPORTED', usage === 'sign' ? 'a public key cannot sign' : 'this non-extractable key has no public part to verify with'),
    )
  } else {
    pending = importFromJwk(alg, key, usage)
  }
  entry[slot] = pending
  // A failed import is not cached: the next call reports the same error afresh.
  pending.catch(() => {
    if (entry[slot] === pending) delete entry[slot]
  })
  return pending
}

/** The WebCrypto algorithm of a CryptoKey, mapped to Signet's descriptor, or undefined. */
export function algorithmOfCryptoKey(key: CryptoKey): AlgorithmDescriptor | undefined {
  const a = key.algorithm as { name?: string; hash?: { name?: string }; namedCurve?: string }
  return algorithms.find((alg) => {
    const p = families[alg.family].key(alg)
    if (p.name !== a.name) return false
    if (p.hash !== undefined && p.hash !== a.hash?.name) return false
    return p.namedCurve === undefined || p.namedCurve === a.namedCurve
  })
}

/**
 * Generate a WebCrypto key for `alg`: the secret, or the private key with its public JWK.
 *
 * @throws {SignetError} `ERR_BACKEND_UNAVAILABLE` when WebCrypto is absent or lacks `alg`.
 */
export async function generateCryptoKey(
  alg: AlgorithmDescriptor,
  options: GenerateJwkOptions & { extractable: boolean },
): Promise<{ key: CryptoKey; publicJwk: JsonWebKey | undefined }> {
  const subtle = requireSubtle()
  const params: Record<string, unknown> & { name: string } = { ...families[alg.family].key(alg) }
  if (alg.family === 'hmac') params.length = 256
  if (alg.kty === 'RSA') Object.assign(params, { modulusLength: options.modulusLength, publicExponent: new Uint8Array([1, 0, 1]) })
  let generated: CryptoKey | CryptoKeyPair
  try {
    generated = (await subtle.generateKey(params, options.extractable, ['sign', 'verify'])) as CryptoKey | CryptoKeyPair
  } catch (error) {
    throw new SignetError('ERR_BACKEND_UNAVAILABLE', `WebCrypto could not generate ${withArticle(alg.name)} key`, { cause: error })
  }
  if ('privateKey' in generated) {
    return { key: generated.privateKey, publicJwk: await subtle.exportKey('jwk', generated.publicKey) }
  }
  return { key: generated, publicJwk: undefined }
}

/** The WebCrypto backend. */
export const webcryptoBackend: KeyBackend = {
  name: 'webcrypto',

  supports(_alg: AlgorithmDescriptor, _key?: KeyMaterial): boolean {
    // Whether a given runtime's WebCrypto has Ed25519 is only known by trying; an import that
    // fails with NotSupportedError surfaces as ERR_BACKEND_UNAVAILABLE and selection moves on.
    return subtleCrypto() !== undefined
  },

  async sign(alg: AlgorithmDescriptor, key: KeyMaterial, data: Uint8Array): Promise<Uint8Array> {
    const cryptoKey = await cryptoKeyFor(alg, key, 'sign')
    try {
      return new Uint8Array(await requireSubtle().sign(opFor(alg), cryptoKey, buffer(data)))
    } catch (error) {
      throw new SignetError('ERR_KEY_INVALID', `WebCrypto could not sign with the ${alg.name} key`, { cause: error })
    }
  },

  async verify(alg: AlgorithmDescriptor, key: KeyMaterial, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (alg.signatureLength !== undefined && signature.length !== alg.signatureLength) return false
    const cryptoKey = await cryptoKeyFor(alg, key, 'verify')
    const subtle = requireSubtle()
    const params = opFor(alg)
    if (alg.symmetric && !cryptoKey.usages.includes('verify')) {
      // Sign-and-compare in constant time: the keys imported here carry 'sign' only.
      return equalBytes(new Uint8Array(await subtle.sign(params, cryptoKey, buffer(data))), signature)
    }
    try {
      return await subtle.verify(params, cryptoKey, buffer(signature), buffer(data))
    } catch {
      return false
    }
  },

  async digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await requireSubtle().digest(webHash[hash], buffer(data)))
  },

  async generateJwk(alg: AlgorithmDescriptor, options: GenerateJwkOptions): Promise<JsonWebKey> {
    const { key } = await generateCryptoKey(alg, { ...options, extractable: true })
    return requireSubtle().exportKey('jwk', key)
  },

  async prepare(alg: AlgorithmDescriptor, key: KeyMaterial): Promise<void> {
    await cryptoKeyFor(alg, key, key.jwk.d === undefined && key.jwk.k === undefined && key.cryptoKey === undefined ? 'verify' : 'sign')
  },

  async derivePublicJwk(alg: AlgorithmDescriptor, privateJwk: JsonWebKey): Promise<JsonWebKey> {
    const subtle = requireSubtle()
    const { x: _x, y: _y, ...scalarOnly } = privateJwk
    let key: CryptoKey
    try {
      // PKCS#8 without the public point: WebCrypto computes it from the scalar on import.
      key = await subtle.importKey('pkcs8', buffer(pkcs8FromJwk(scalarOnly)), families[alg.family].key(alg), true, ['sign'])
    } catch (error) {
      throw webCryptoRefusal(alg, error)
    }
    return subtle.exportKey('jwk', key)
  },
}
