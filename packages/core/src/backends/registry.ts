/**
 * Backend registry and selection (internal; `entries/index.ts` re-exports the public part).
 *
 * `native` and `webcrypto` are built in and present when the runtime offers them; `pure`
 * (noble + BigInt RSA) joins through {@link registerBackend} from the `@signet/core/pure` entry,
 * so a bundle that never imports it carries none of its code. Selection picks, per algorithm,
 * the fastest backend present, as measured in docs/backends.md: node:crypto first, then
 * WebCrypto, then pure. (Where node:crypto exists it wins every row; where it does not —
 * browsers, Workers — WebCrypto beat the pure-TS MAC 1.5-3x in Chromium and workerd, so even
 * HMAC goes to WebCrypto before pure.) A non-extractable `CryptoKey` always stays on
 * `webcrypto`.
 *
 * @module
 */
import type { AlgorithmDescriptor, AlgorithmFamily, HashName } from '../algorithms.ts'
import type { BackendName, CryptoBackend, KeyMaterial } from '../backend.ts'
import { toBase64 } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import type { KeyBackend } from './key-backend.ts'
import { nativeBackend } from './native.ts'
import { registeredBackends } from './registered.ts'
import { isSignetKey, keyState, type SignetKey } from '../keys/signet-key.ts'
import { nodeCrypto, subtleCrypto } from './runtime.ts'
import { webcryptoBackend } from './webcrypto.ts'

const BACKEND_NAMES: readonly BackendName[] = ['native', 'webcrypto', 'pure']

// Shared with the lean signing path (registered.ts), which must not import this module.
const registered = registeredBackends

const preference: Readonly<Record<AlgorithmFamily, readonly BackendName[]>> = {
  hmac: ['native', 'webcrypto', 'pure'],
  eddsa: ['native', 'webcrypto', 'pure'],
  'rsa-pss': ['native', 'webcrypto', 'pure'],
  'rsa-v1_5': ['native', 'webcrypto', 'pure'],
  ecdsa: ['native', 'webcrypto', 'pure'],
}

function present(name: BackendName): KeyBackend | undefined {
  const own = registered.get(name)
  if (own !== undefined) return own
  if (name === 'native') return nodeCrypto() === undefined ? undefined : nativeBackend
  if (name === 'webcrypto') return subtleCrypto() === undefined ? undefined : webcryptoBackend
  return undefined
}

function checkName(name: unknown, label: string): asserts name is BackendName {
  if (!BACKEND_NAMES.includes(name as BackendName)) {
    throw new TypeError(`"${label}" must be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(String(name).slice(0, 32))}`)
  }
}

/**
 * Add a backend (or replace one of the same name). The `pure` entry point calls this.
 *
 * @param backend - a {@link CryptoBackend}, optionally with the {@link KeyBackend} key operations.
 * @throws {TypeError} when `backend` does not have the CryptoBackend shape.
 * @example
 * ```ts
 * import { registerBackend } from '@signet/core'
 * registerBackend(pureBackend)
 * ```
 */
export function registerBackend(backend: CryptoBackend | KeyBackend): void {
  const b = backend as Partial<KeyBackend> | null
  if (b === null || typeof b !== 'object') throw new TypeError('"backend" must be an object')
  checkName(b.name, 'backend.name')
  for (const method of ['supports', 'sign', 'verify', 'digest'] as const) {
    if (typeof b[method] !== 'function') throw new TypeError(`"backend.${method}" must be a function`)
  }
  registered.set(b.name, backend as KeyBackend)
}

/**
 * Remove a registered backend (tests). Built-in backends stay available when the runtime has them.
 *
 * @internal
 */
export function unregisterBackend(name: BackendName): void {
  registered.delete(name)
}

/**
 * The backend of that name, if it can run here.
 *
 * @throws {TypeError} for an unknown name.
 * @throws {SignetError} `ERR_BACKEND_UNAVAILABLE` when the runtime lacks it (or, for `pure`, when
 *   `@signet/core/pure` was not imported).
 * @example getBackend('webcrypto').name // 'webcrypto'
 */
export function getBackend(name: BackendName): KeyBackend {
  checkName(name, 'backend')
  const found = present(name)
  if (found === undefined) {
    const hint = name === 'pure' ? ' (import "@signet/core/pure" to register it)' : ''
    throw new SignetError('ERR_BACKEND_UNAVAILABLE', `the ${name} backend is not available in this runtime${hint}`)
  }
  return found
}

/** The names of the backends that can run here, in no particular order. */
export function availableBackends(): BackendName[] {
  return BACKEND_NAMES.filter((name) => present(name) !== undefined)
}

/**
 * Every backend present that supports `alg` for `key`, fastest first.
 *
 * @internal used by key functions to fall back when a runtime lacks an algorithm.
 */
export function candidateBackends(alg: AlgorithmDescriptor, key?: KeyMaterial): KeyBackend[] {
  const out: KeyBackend[] = []
  for (const name of preference[alg.family]) {
    const b = present(name)
    if (b !== undefined && b.supports(alg, key)) out.push(b)
  }
  return out
}

/**
 * The backend to use for `alg` with `key`: the one named, or the fastest present.
 *
 * @param alg - the algorithm descriptor the key is bound to.
 * @param key - the key, or its material (a non-extractable CryptoKey restricts the choice to
 *   webcrypto).
 * @param name - force a backend.
 * @throws {SignetError} `ERR_BACKEND_UNAVAILABLE` when no backend (or not the named one) can run it.
 * @example selectBackend(key.algorithm, key).name // 'native' on Node
 */
export function selectBackend(alg: AlgorithmDescriptor, key?: SignetKey | KeyMaterial, name?: BackendName): KeyBackend {
  if (key !== undefined && isSignetKey(key)) key = keyState(key).material
  if (name !== undefined) {
    const b = getBackend(name)
    if (!b.supports(alg, key)) {
      throw new SignetError('ERR_BACKEND_UNAVAILABLE', `the ${name} backend cannot use this ${alg.name} key here`)
    }
    return b
  }
  const [first] = candidateBackends(alg, key)
  if (first === undefined) throw new SignetError('ERR_BACKEND_UNAVAILABLE', `no backend in this runtime supports ${alg.name}`)
  return first
}

/**
 * The backends present that offer a key operation, in preference order for `alg`.
 *
 * @internal
 */
export function backendsWith(operation: 'generateJwk' | 'derivePublicJwk', alg: AlgorithmDescriptor): KeyBackend[] {
  const out: KeyBackend[] = []
  for (const name of preference[alg.family]) {
    const b = present(name)
    if (b?.[operation] !== undefined) out.push(b)
  }
  return out
}

/** Options for {@link digest}. */
export interface DigestOptions {
  /** Force a backend; default: node:crypto, else WebCrypto, else pure. */
  readonly backend?: BackendName
}

const digestOrder: readonly BackendName[] = ['native', 'webcrypto', 'pure']

/**
 * Hash `data` with the fastest backend present.
 *
 * @param hash - `sha-256`, `sha-384` or `sha-512`.
 * @returns the digest bytes.
 * @throws {TypeError} when `data` is not a Uint8Array.
 * @throws {SignetError} `ERR_BACKEND_UNAVAILABLE` when no backend can hash here.
 * @example toBase64(await digest('sha-256', utf8('hello')))
 */
export async function digest(hash: HashName, data: Uint8Array, options?: DigestOptions): Promise<Uint8Array> {
  return digestDirect(hash, data, options)
}

/**
 * {@link digest} for the hot path: the digest itself when the backend is synchronous
 * (node:crypto, pure), a promise otherwise. Errors are thrown, not rejected.
 *
 * @internal
 */
export function digestDirect(hash: HashName, data: Uint8Array, options?: DigestOptions): Uint8Array | Promise<Uint8Array> {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" must be a Uint8Array')
  if (options?.backend !== undefined) return getBackend(options.backend).digest(hash, data)
  for (const name of digestOrder) {
    const b = present(name)
    if (b !== undefined) return b.digest(hash, data)
  }
  throw new SignetError('ERR_BACKEND_UNAVAILABLE', 'no backend in this runtime can compute a digest')
}

/**
 * {@link digestDirect} as standard base64 text, the form the digest fields carry. When the
 * backend chosen is the built-in node:crypto one, node:crypto encodes the digest itself (a
 * registered replacement named `native` is used through its `digest` like any other).
 *
 * @internal
 */
export function digestBase64Direct(hash: HashName, data: Uint8Array): string | Promise<string> {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" must be a Uint8Array')
  for (const name of digestOrder) {
    const b = present(name)
    if (b === undefined) continue
    if (b === nativeBackend) return nativeBackend.digestBase64(hash, data)
    const d = b.digest(hash, data)
    return d instanceof Promise ? d.then(toBase64) : toBase64(d)
  }
  throw new SignetError('ERR_BACKEND_UNAVAILABLE', 'no backend in this runtime can compute a digest')
}
