/**
 * The `native` backend: node:crypto KeyObjects (Node, Bun, Deno), reached through runtime.ts.
 *
 * The fastest backend where it exists, and synchronous: a sign or verify returns its result
 * directly. Each KeyMaterial is turned into a KeyObject (and, where node:crypto wants one, a
 * sign-options object) once, cached in a WeakMap, so the per-call cost is the primitive itself.
 * Signature encodings follow RFC 9421 section 3.3: RSA-PSS with SHA-512 and a 64-byte salt,
 * ECDSA as raw r||s (`ieee-p1363`), Ed25519 as RFC 8032 signatures.
 *
 * @module
 */
import type { AlgorithmDescriptor, AlgorithmFamily, HashName } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import { toBase64 } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import { pkcs8FromJwk } from '../keys/pem.ts'
import type { Base64Signer, GenerateJwkOptions, KeyBackend } from './key-backend.ts'
import { nodeKeyObject, secretBytes } from './key-objects.ts'
import { nodeCrypto, type NodeCrypto, type NodeDigester, type NodeKeyObject, type NodeSignKeyInput } from './runtime.ts'
import { withArticle } from '../article.ts'

const nodeHash: Readonly<Record<HashName, string>> = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }

/** A KeyMaterial prepared for node:crypto: the KeyObject and what `sign`/`verify` take. */
interface Prepared {
  /** The algorithm the options were built for; a KeyMaterial serves exactly one. */
  readonly alg: AlgorithmDescriptor
  readonly keyObject: NodeKeyObject
  readonly input: NodeKeyObject | NodeSignKeyInput
  /** The digest name for `sign`/`verify` (null for Ed25519, which hashes internally). */
  readonly digest: string | null
  /** HMAC keys: the padded key blocks for {@link hmacTextAs} (null: use createHmac). */
  pads?: HmacPads | null
}

interface FamilyOps {
  /** Build the argument node:crypto's sign/verify takes for this family. */
  input(c: NodeCrypto, alg: AlgorithmDescriptor, key: NodeKeyObject): NodeKeyObject | NodeSignKeyInput
  /** `generateKeyPair` type and options, for asymmetric families. */
  generate?(alg: AlgorithmDescriptor, options: GenerateJwkOptions): [string, Record<string, unknown>]
}

const families: Readonly<Record<AlgorithmFamily, FamilyOps>> = {
  hmac: { input: (_c, _alg, key) => key },
  eddsa: { input: (_c, _alg, key) => key, generate: () => ['ed25519', {}] },
  'rsa-pss': {
    input: (c, alg, key) => ({ key, padding: c.constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength as number }),
    generate: (_alg, o) => ['rsa', { modulusLength: o.modulusLength, publicExponent: 0x10001 }],
  },
  'rsa-v1_5': {
    input: (_c, _alg, key) => key,
    generate: (_alg, o) => ['rsa', { modulusLength: o.modulusLength, publicExponent: 0x10001 }],
  },
  ecdsa: {
    // RFC 9421 section 3.3.4/3.3.5: r||s, not the DER node:crypto produces by default.
    input: (_c, _alg, key) => ({ key, dsaEncoding: 'ieee-p1363' }),
    generate: (alg) => ['ec', { namedCurve: alg.crv as string }],
  },
}

const prepared = new WeakMap<KeyMaterial, Prepared>()

function requireCrypto(): NodeCrypto {
  const c = nodeCrypto()
  if (c === undefined) throw new SignetError('ERR_BACKEND_UNAVAILABLE', 'the native backend needs node:crypto (process.getBuiltinModule)')
  return c
}

function prepare(c: NodeCrypto, alg: AlgorithmDescriptor, key: KeyMaterial): Prepared {
  let found = prepared.get(key)
  if (found !== undefined) {
    // Compare by name: a descriptor may be a copy of the table entry.
    if (found.alg !== alg && found.alg.name !== alg.name) throw new SignetError('ERR_ALG_MISMATCH', `the key is bound to ${found.alg.name}, not ${alg.name}`)
    return found
  }
  const keyObject = nodeKeyObject(c, alg, key)
  found = { alg, keyObject, input: families[alg.family].input(c, alg, keyObject), digest: alg.family === 'eddsa' ? null : nodeHash[alg.hash] }
  if (alg.symmetric) found.pads = hmacPads(c, alg, key, keyObject)
  prepared.set(key, found)
  return found
}

function view(bytes: Uint8Array): Uint8Array {
  // node:crypto returns a Buffer with memory of its own (measured on Node 20, Bun, Deno); hand
  // back a plain Uint8Array over it. Were it ever a slice of a shared pool, `.buffer` would
  // expose the neighbours, so copy in that case.
  if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.byteLength) return new Uint8Array(bytes)
  return new Uint8Array(bytes.buffer, 0, bytes.byteLength)
}

function hmac(c: NodeCrypto, p: Prepared, data: Uint8Array): Uint8Array {
  return c.createHmac(p.digest as string, p.keyObject).update(data).digest()
}

/**
 * node:crypto's Hmac takes a string with an encoding and hands back an encoded string too;
 * runtime.ts declares only bytes.
 */
interface TextDigester {
  update(text: string, encoding: 'latin1'): NodeDigester & { digest(encoding: 'latin1' | 'base64'): string }
}

/**
 * HMAC over an ASCII string: node:crypto writes its latin-1 bytes (the same bytes as UTF-8 for
 * ASCII) natively, which costs less than a TextEncoder round trip in JavaScript.
 */
function hmacText(c: NodeCrypto, p: Prepared, text: string): Uint8Array {
  return (c.createHmac(p.digest as string, p.keyObject) as unknown as TextDigester).update(text, 'latin1').digest()
}

/**
 * The HMAC of an ASCII string as text in `encoding`. node:crypto encodes the tag natively:
 * measured on Node 20, a string result costs a third less than the Buffer `digest()` makes
 * (whose backing store is the expensive part) followed by any encoding in JavaScript.
 */
function hmacTextAs(c: NodeCrypto, p: Prepared, text: string, encoding: 'latin1' | 'base64'): string {
  const pads = p.pads
  if (pads != null && text.length <= pads.inner.length - pads.block) {
    // RFC 2104 on node:crypto's one-shot hash: H(K^opad || H(K^ipad || text)). Creating an Hmac
    // object costs most of a small HMAC (Node 20: 1.4 of 1.6 us); two one-shot hashes that
    // return latin-1 text (no Buffer made) cost about half as much. Same bytes, same result.
    const n = pads.inner.write(text, pads.block, 'latin1')
    const inner = pads.hash(p.digest as string, pads.inner.subarray(0, pads.block + n), 'latin1')
    pads.outer.write(inner, pads.block, 'latin1')
    return pads.hash(p.digest as string, pads.outer, encoding)
  }
  return (c.createHmac(p.digest as string, p.keyObject) as unknown as TextDigester).update(text, 'latin1').digest(encoding)
}

/** A Buffer as far as {@link hmacTextAs} uses one. */
interface TextBuffer extends Uint8Array {
  write(text: string, offset: number, encoding: 'latin1'): number
}

/**
 * An HMAC key as two padded blocks (RFC 2104 section 2): `inner` starts with K^ipad and has room
 * for a text of up to {@link HMAC_TEXT_ROOM} bytes after it, `outer` is K^opad and room for the
 * inner digest. Held per prepared key, like the KeyObject; the secret is in the key material anyway.
 */
interface HmacPads {
  readonly hash: OneShotHashText
  readonly block: number
  readonly inner: TextBuffer
  readonly outer: TextBuffer
}

const HMAC_BLOCK: Readonly<Record<HashName, number>> = { 'sha-256': 64, 'sha-384': 128, 'sha-512': 128 }
const HMAC_LENGTH: Readonly<Record<HashName, number>> = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 }
const HMAC_TEXT_ROOM = 2048

/** The pads of an HMAC key, or null when the runtime has no one-shot hash that agrees with createHmac. */
function hmacPads(c: NodeCrypto, alg: AlgorithmDescriptor, key: KeyMaterial, keyObject: NodeKeyObject): HmacPads | null {
  // The one-shot hash already probed for digests (oneShotHash), asked for text here.
  const hash = oneShotHash(c) as unknown as OneShotHashText | null
  const buffers = (globalThis as { Buffer?: { alloc(size: number): TextBuffer } }).Buffer
  if (hash === null || typeof buffers?.alloc !== 'function') return null
  try {
    const name = nodeHash[alg.hash]
    const block = HMAC_BLOCK[alg.hash]
    let secret = secretBytes(key)
    if (secret.length > block) secret = (c.createHash(name).update(secret) as unknown as { digest(): Uint8Array }).digest()
    const inner = buffers.alloc(block + HMAC_TEXT_ROOM)
    const outer = buffers.alloc(block + HMAC_LENGTH[alg.hash])
    for (let i = 0; i < block; i++) {
      const k = i < secret.length ? (secret[i] as number) : 0
      inner[i] = k ^ 0x36
      outer[i] = k ^ 0x5c
    }
    const pads: HmacPads = { hash, block, inner, outer }
    // Probe once against node:crypto's own HMAC; any disagreement keeps createHmac.
    const p = { alg, keyObject, input: keyObject, digest: name, pads } as Prepared
    const probe = 'signet'
    const want = (c.createHmac(name, keyObject) as unknown as TextDigester).update(probe, 'latin1').digest('latin1')
    return outer.length === block + want.length && hmacTextAs(c, p, probe, 'latin1') === want ? pads : null
  } catch {
    return null
  }
}

/**
 * Compare a tag held as a latin-1 string (one character per byte, codes 0-255) with bytes, in
 * time that depends only on the lengths: the same loop as `equalBytes`, no early exit.
 */
function equalLatin1(mac: string, signature: Uint8Array): boolean {
  if (mac.length !== signature.length) return false
  let diff = 0
  for (let i = 0; i < signature.length; i++) diff |= mac.charCodeAt(i) ^ (signature[i] as number)
  return diff === 0
}

const encoder = /* @__PURE__ */ new TextEncoder()

/** node:crypto's one-shot `hash` (Node 20.12 and later), not declared in runtime.ts. */
type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Uint8Array
let oneShot: OneShotHash | null | undefined

/** The one-shot hash asked for text (the same function as {@link OneShotHash}). */
type OneShotHashText = (algorithm: string, data: Uint8Array, outputEncoding: 'latin1' | 'base64') => string

/** A node:crypto Hash object asked for text, which runtime.ts does not declare. */
interface TextHash {
  update(data: Uint8Array): TextHash
  digest(encoding: 'base64'): string
}

/**
 * The one-shot hash when the runtime has one that returns bytes: it skips the Hash object a
 * `createHash` call builds, a third of a small digest's cost. Probed once against `createHash`.
 */
function oneShotHash(c: NodeCrypto): OneShotHash | null {
  if (oneShot === undefined) {
    oneShot = null
    const candidate = (c as unknown as { hash?: unknown }).hash
    if (typeof candidate === 'function') {
      try {
        const probe = new Uint8Array([0x61, 0x62, 0x63])
        const got = (candidate as OneShotHash)('sha256', probe, 'buffer')
        const want = c.createHash('sha256').update(probe).digest()
        if (got instanceof Uint8Array && got.length === want.length && got.every((b, i) => b === want[i])) oneShot = candidate as OneShotHash
      } catch {
        oneShot = null
      }
    }
  }
  return oneShot
}

/**
 * A backend that hands out digests as standard base64 text (RFC 4648 section 4).
 *
 * @internal used by the digest fields (RFC 9530) through the registry.
 */
export interface Base64Digester {
  /** The digest of `data` as padded standard base64. */
  digestBase64(hash: HashName, data: Uint8Array): string
}

/**
 * The node:crypto backend.
 *
 * @example
 * ```ts
 * if (nativeBackend.supports(getAlgorithm('ed25519'))) { ... }
 * ```
 */
export const nativeBackend: KeyBackend & Base64Signer & Base64Digester = {
  name: 'native',

  supports(_alg: AlgorithmDescriptor, key?: KeyMaterial): boolean {
    // A CryptoKey in the material means a non-extractable WebCrypto key: it stays there.
    return nodeCrypto() !== undefined && key?.cryptoKey === undefined
  },

  sign(alg: AlgorithmDescriptor, key: KeyMaterial, data: Uint8Array): Uint8Array {
    const c = requireCrypto()
    const p = prepare(c, alg, key)
    if (alg.symmetric) return view(hmac(c, p, data))
    if (p.keyObject.type !== 'private') throw new SignetError('ERR_KEY_UNSUPPORTED', 'a public key cannot sign')
    try {
      return view(c.sign(p.digest, data, p.input))
    } catch (error) {
      throw new SignetError('ERR_KEY_INVALID', `node:crypto could not sign with the ${alg.name} key`, { cause: error })
    }
  },

  verify(alg: AlgorithmDescriptor, key: KeyMaterial, data: Uint8Array, signature: Uint8Array): boolean {
    const c = requireCrypto()
    const p = prepare(c, alg, key)
    if (alg.signatureLength !== undefined && signature.length !== alg.signatureLength) return false
    if (alg.symmetric) return c.timingSafeEqual(hmac(c, p, data), signature)
    try {
      return c.verify(p.digest, data, p.input, signature)
    } catch {
      // A signature node:crypto cannot even parse (wrong length for the modulus) is not valid.
      return false
    }
  },

  signAscii(alg: AlgorithmDescriptor, key: KeyMaterial, text: string): Uint8Array {
    if (!alg.symmetric) return nativeBackend.sign(alg, key, encoder.encode(text)) as Uint8Array
    // Not wrapped in a plain view: the one caller (signMessage) only base64-encodes the tag.
    const c = requireCrypto()
    return hmacText(c, prepare(c, alg, key), text)
  },

  verifyAscii(alg: AlgorithmDescriptor, key: KeyMaterial, text: string, signature: Uint8Array): boolean {
    if (!alg.symmetric) return nativeBackend.verify(alg, key, encoder.encode(text), signature) as boolean
    const c = requireCrypto()
    const p = prepare(c, alg, key)
    if (alg.signatureLength !== undefined && signature.length !== alg.signatureLength) return false
    // The tag as latin-1 text rather than a Buffer (see hmacTextAs), compared in constant time.
    return equalLatin1(hmacTextAs(c, p, text, 'latin1'), signature)
  },

  signAsciiBase64(alg: AlgorithmDescriptor, key: KeyMaterial, text: string): string {
    if (!alg.symmetric) return toBase64(nativeBackend.sign(alg, key, encoder.encode(text)) as Uint8Array)
    const c = requireCrypto()
    return hmacTextAs(c, prepare(c, alg, key), text, 'base64')
  },

  digest(hash: HashName, data: Uint8Array): Uint8Array {
    const c = requireCrypto()
    const once = oneShotHash(c)
    return view(once !== null ? once(nodeHash[hash], data, 'buffer') : c.createHash(nodeHash[hash]).update(data).digest())
  },

  /**
   * The digest as standard base64 text, produced by node:crypto itself: a Content-Digest field
   * wants exactly that, and node's encoder skips the bytes-to-text pass in JavaScript.
   */
  digestBase64(hash: HashName, data: Uint8Array): string {
    const c = requireCrypto()
    const once = oneShotHash(c)
    if (once !== null) return (once as unknown as OneShotHashText)(nodeHash[hash], data, 'base64')
    return (c.createHash(nodeHash[hash]) as unknown as TextHash).update(data).digest('base64')
  },

  generateJwk(alg: AlgorithmDescriptor, options: GenerateJwkOptions): Promise<JsonWebKey> {
    const c = requireCrypto()
    const spec = families[alg.family].generate?.(alg, options)
    if (spec === undefined) throw new SignetError('ERR_KEY_UNSUPPORTED', `the native backend does not generate ${alg.name} keys`)
    return new Promise((resolve, reject) => {
      c.generateKeyPair(spec[0], spec[1], (error, _publicKey, privateKey) => {
        if (error !== null) reject(new SignetError('ERR_BACKEND_UNAVAILABLE', `node:crypto could not generate ${withArticle(alg.name)} key`, { cause: error }))
        else resolve(privateKey.export({ format: 'jwk' }))
      })
    })
  },

  prepare(alg: AlgorithmDescriptor, key: KeyMaterial): void {
    prepare(requireCrypto(), alg, key)
  },

  derivePublicJwk(alg: AlgorithmDescriptor, privateJwk: JsonWebKey): JsonWebKey {
    const c = requireCrypto()
    try {
      // PKCS#8 without the public point makes node:crypto compute it from the scalar.
      const { x: _x, y: _y, ...scalarOnly } = privateJwk
      return c.createPrivateKey({ key: pkcs8FromJwk(scalarOnly), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' })
    } catch (error) {
      throw new SignetError('ERR_KEY_INVALID', `the ${alg.name} private key is not valid`, { cause: error })
    }
  },
}
