/**
 * `SignetKey`: an opaque key bound to exactly one algorithm (RFC 9421 section 7.3.6).
 *
 * The key material lives in a module-private WeakMap, not on the object, so nothing that walks
 * the object (`JSON.stringify`, `util.inspect`, a logger, a structured clone, an error
 * serializer) can reach it. `toString`, `toJSON` and Node's inspect show the algorithm, type and
 * key id only. Instances come from `importKey`, `generateKey` and `publicKey`; the constructor
 * refuses anyone else.
 *
 * @module
 */
import type { AlgorithmDescriptor } from '../algorithms.ts'
import type { KeyMaterial } from '../backend.ts'
import type { KeyBackend } from '../backends/key-backend.ts'
import type { KeyType } from './jwk.ts'

/** What the key functions keep per key, out of reach of the key object itself. */
export interface KeyState {
  readonly material: KeyMaterial
  /** The default backend, resolved on first use and kept (the hot path never re-selects). */
  backend: KeyBackend | undefined
}

const states = new WeakMap<SignetKey, KeyState>()
const CONSTRUCT: unique symbol = Symbol('SignetKey.construct')

/**
 * A key bound to one algorithm. Opaque: read its `algorithm`, `kid`, `type` and `extractable`;
 * use `exportJwk`/`exportPem` to get material out (when extractable).
 *
 * @example
 * ```ts
 * const key = await importKey(jwk)
 * key.algorithm.name // 'ed25519'
 * String(key)        // 'SignetKey(ed25519 private kid=...)', never the material
 * ```
 */
export class SignetKey {
  /** The one algorithm this key may be used with. */
  readonly algorithm: AlgorithmDescriptor
  /** The key id: given, from the JWK, or the RFC 7638 thumbprint. */
  readonly kid: string | undefined
  /** `secret` (HMAC), `private` or `public`. */
  readonly type: KeyType
  /** Whether `exportJwk`/`exportPem` may reveal the secret or private part. */
  readonly extractable: boolean

  /** @internal Use `importKey`, `generateKey` or `publicKey`. */
  constructor(
    construct: unknown,
    algorithm: AlgorithmDescriptor,
    kid: string | undefined,
    type: KeyType,
    extractable: boolean,
    material: KeyMaterial,
  ) {
    if (construct !== CONSTRUCT) throw new TypeError('SignetKey is created by importKey, generateKey or publicKey')
    this.algorithm = algorithm
    this.kid = kid
    this.type = type
    this.extractable = extractable
    states.set(this, { material, backend: undefined })
    Object.freeze(this)
  }

  /** A description without key material. */
  toString(): string {
    return `SignetKey(${this.algorithm.name} ${this.type}${this.kid === undefined ? '' : ` kid=${this.kid}`})`
  }

  /** A description without key material, for logs. */
  toJSON(): { alg: string; type: KeyType; kid?: string; extractable: boolean } {
    const out: { alg: string; type: KeyType; kid?: string; extractable: boolean } = { alg: this.algorithm.name, type: this.type, extractable: this.extractable }
    if (this.kid !== undefined) out.kid = this.kid
    return out
  }
}

// Node's util.inspect (and console.log) calls this; defined off the class body so the
// declaration needs no computed member type.
Object.defineProperty(SignetKey.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: SignetKey): string {
    return this.toString()
  },
})

/** @internal Create a key (the key functions only). */
export function createSignetKey(
  algorithm: AlgorithmDescriptor,
  kid: string | undefined,
  type: KeyType,
  extractable: boolean,
  material: KeyMaterial,
): SignetKey {
  return new SignetKey(CONSTRUCT, algorithm, kid, type, extractable, material)
}

/**
 * @internal The state of a key, for the key functions.
 * @throws {TypeError} when `key` is not a SignetKey made by this module.
 */
export function keyState(key: SignetKey, label = 'key'): KeyState {
  const state = states.get(key)
  if (state === undefined) throw new TypeError(`"${label}" must be a SignetKey (from importKey or generateKey)`)
  return state
}

/** True for a SignetKey made by this copy of Signet. */
export function isSignetKey(value: unknown): value is SignetKey {
  return typeof value === 'object' && value !== null && states.has(value as SignetKey)
}
