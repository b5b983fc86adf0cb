/**
 * Low-level signing and verification of bytes with a `SignetKey`.
 *
 * The key's algorithm is the only one it signs with: a caller that names another gets
 * `ERR_ALG_MISMATCH` (RFC 9421 section 7.3.6, the algorithm-confusion attack). `verifyBytes`
 * returns a boolean; deciding what a failed verification means is the caller's job.
 *
 * This is the hot path. The backend is chosen once per key and kept; the prepared backend key
 * (KeyObject, CryptoKey) is cached by the backend; a synchronous backend's result is handed back
 * without an extra await.
 *
 * @module
 */
import { getAlgorithm, type AlgorithmDescriptor, type AlgorithmName } from '../algorithms.ts'
import type { BackendName, KeyMaterial } from '../backend.ts'
import { utf8 } from '../bytes.ts'
import type { KeyBackend } from '../backends/key-backend.ts'
import { candidateBackends, selectBackend } from '../backends/registry.ts'
import { SignetError, isSignetError } from '../errors.ts'
import { keyState, type KeyState, type SignetKey } from './signet-key.ts'

/** Options for {@link signBytes} and {@link verifyBytes}. */
export interface SignBytesOptions {
  /** Force a backend (default: the fastest present for the key's algorithm). */
  readonly backend?: BackendName | undefined
  /** The algorithm the caller means; refused unless it is the key's own. */
  readonly alg?: AlgorithmName | undefined
}

function checkAlg(key: SignetKey, options: SignBytesOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object')
  if (options.alg !== undefined && options.alg !== key.algorithm.name) {
    // getAlgorithm first, so an unknown name is ERR_ALG_UNSUPPORTED rather than a mismatch.
    getAlgorithm(options.alg)
    throw new SignetError('ERR_ALG_MISMATCH', `the key is bound to ${key.algorithm.name}, not ${options.alg}`)
  }
}

function chooseBackend(key: SignetKey, state: KeyState, options: SignBytesOptions | undefined): KeyBackend {
  if (options?.backend !== undefined) return selectBackend(key.algorithm, state.material, options.backend)
  return (state.backend ??= selectBackend(key.algorithm, state.material))
}

/**
 * A backend chosen by default turned out not to run this algorithm here (a WebCrypto without
 * Ed25519, say): try the next one in preference order and remember it for this key.
 */
async function tryOtherBackends<T>(
  key: SignetKey,
  state: KeyState,
  failed: KeyBackend,
  error: unknown,
  run: (backend: KeyBackend) => T | Promise<T>,
): Promise<T> {
  if (!isSignetError(error) || error.code !== 'ERR_BACKEND_UNAVAILABLE') throw error
  const candidates = candidateBackends(key.algorithm, state.material)
  let lastError = error
  for (const next of candidates.slice(candidates.indexOf(failed) + 1)) {
    try {
      const result = await run(next)
      state.backend = next
      return result
    } catch (e) {
      if (!isSignetError(e) || e.code !== 'ERR_BACKEND_UNAVAILABLE') throw e
      lastError = e
    }
  }
  throw lastError
}

/**
 * Run one operation on the key's backend. A synchronous backend's result comes back as a plain
 * value (no promise, no microtask), so callers on the hot path can finish in the same turn;
 * only a backend that turns out to be missing an algorithm sends the call down the fallback.
 */
function dispatch<T>(
  key: SignetKey,
  state: KeyState,
  options: SignBytesOptions | undefined,
  run: (backend: KeyBackend) => T | Promise<T>,
): T | Promise<T> {
  const explicit = options?.backend !== undefined
  const backend = explicit ? chooseBackend(key, state, options) : (state.backend ??= selectBackend(key.algorithm, state.material))
  let result: T | Promise<T>
  try {
    result = run(backend)
  } catch (error) {
    return explicit ? Promise.reject(error) : tryOtherBackends(key, state, backend, error, run)
  }
  if (!(result instanceof Promise)) return result
  return explicit ? result : result.catch((error: unknown) => tryOtherBackends(key, state, backend, error, run))
}

function checkSign(key: SignetKey, data: Uint8Array, options: SignBytesOptions | undefined): KeyState {
  const state = keyState(key)
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" must be a Uint8Array')
  if (options !== undefined) checkAlg(key, options)
  if (key.type === 'public') throw new SignetError('ERR_KEY_UNSUPPORTED', 'a public key cannot sign')
  return state
}

function checkVerify(key: SignetKey, data: Uint8Array, signature: Uint8Array, options: SignBytesOptions | undefined): KeyState {
  const state = keyState(key)
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" must be a Uint8Array')
  if (!(signature instanceof Uint8Array)) throw new TypeError('"signature" must be a Uint8Array')
  if (options !== undefined) checkAlg(key, options)
  return state
}

/**
 * {@link signBytes} for the hot path: the signature itself when the backend is synchronous
 * (node:crypto, pure), a promise otherwise. Errors of the checks are thrown, not rejected.
 *
 * @internal
 */
export function signBytesDirect(key: SignetKey, data: Uint8Array, options?: SignBytesOptions): Uint8Array | Promise<Uint8Array> {
  const state = checkSign(key, data, options)
  const alg = key.algorithm
  const material = state.material
  const backend = options?.backend === undefined ? state.backend : undefined
  // The common case without a closure: the key's backend is known and synchronous.
  if (backend !== undefined) {
    let result: Uint8Array | Promise<Uint8Array>
    try {
      result = backend.sign(alg, material, data)
    } catch (error) {
      return tryOtherBackends(key, state, backend, error, (b) => b.sign(alg, material, data))
    }
    if (!(result instanceof Promise)) return result
    return result.catch((error: unknown) => tryOtherBackends(key, state, backend, error, (b) => b.sign(alg, material, data)))
  }
  return dispatch(key, state, options, (b) => b.sign(alg, material, data))
}

/**
 * {@link verifyBytes} for the hot path: a boolean when the backend is synchronous, a promise
 * otherwise. Errors of the checks are thrown, not rejected.
 *
 * @internal
 */
export function verifyBytesDirect(key: SignetKey, data: Uint8Array, signature: Uint8Array, options?: SignBytesOptions): boolean | Promise<boolean> {
  const state = checkVerify(key, data, signature, options)
  const alg = key.algorithm
  const material = state.material
  const backend = options?.backend === undefined ? state.backend : undefined
  if (backend !== undefined) {
    let result: boolean | Promise<boolean>
    try {
      result = backend.verify(alg, material, data, signature)
    } catch (error) {
      return tryOtherBackends(key, state, backend, error, (b) => b.verify(alg, material, data, signature))
    }
    if (!(result instanceof Promise)) return result
    return result.catch((error: unknown) => tryOtherBackends(key, state, backend, error, (b) => b.verify(alg, material, data, signature)))
  }
  return dispatch(key, state, options, (b) => b.verify(alg, material, data, signature))
}

function signText(backend: KeyBackend, alg: AlgorithmDescriptor, material: KeyMaterial, text: string): Uint8Array | Promise<Uint8Array> {
  return backend.signAscii !== undefined ? backend.signAscii(alg, material, text) : backend.sign(alg, material, utf8(text))
}

function verifyText(backend: KeyBackend, alg: AlgorithmDescriptor, material: KeyMaterial, text: string, signature: Uint8Array): boolean | Promise<boolean> {
  return backend.verifyAscii !== undefined ? backend.verifyAscii(alg, material, text, signature) : backend.verify(alg, material, utf8(text), signature)
}

/**
 * Sign the bytes of an ASCII string (a signature base from `buildSignatureBase`, which checks
 * that it is ASCII) without encoding it first when the backend can take text. As
 * {@link signBytesDirect} otherwise.
 *
 * @internal
 */
export function signAsciiDirect(key: SignetKey, text: string, options?: SignBytesOptions): Uint8Array | Promise<Uint8Array> {
  const state = keyState(key)
  if (options !== undefined) checkAlg(key, options)
  if (key.type === 'public') throw new SignetError('ERR_KEY_UNSUPPORTED', 'a public key cannot sign')
  const alg = key.algorithm
  const material = state.material
  const backend = options?.backend === undefined ? state.backend : undefined
  if (backend !== undefined) {
    let result: Uint8Array | Promise<Uint8Array>
    try {
      result = signText(backend, alg, material, text)
    } catch (error) {
      return tryOtherBackends(key, state, backend, error, (b) => signText(b, alg, material, text))
    }
    if (!(result instanceof Promise)) return result
    return result.catch((error: unknown) => tryOtherBackends(key, state, backend, error, (b) => signText(b, alg, material, text)))
  }
  return dispatch(key, state, options, (b) => signText(b, alg, material, text))
}

/**
 * Verify a signature over the bytes of an ASCII string; see {@link signAsciiDirect}.
 *
 * @internal
 */
export function verifyAsciiDirect(key: SignetKey, text: string, signature: Uint8Array, options?: SignBytesOptions): boolean | Promise<boolean> {
  const state = keyState(key)
  if (!(signature instanceof Uint8Array)) throw new TypeError('"signature" must be a Uint8Array')
  if (options !== undefined) checkAlg(key, options)
  const alg = key.algorithm
  const material = state.material
  const backend = options?.backend === undefined ? state.backend : undefined
  if (backend !== undefined) {
    let result: boolean | Promise<boolean>
    try {
      result = verifyText(backend, alg, material, text, signature)
    } catch (error) {
      return tryOtherBackends(key, state, backend, error, (b) => verifyText(b, alg, material, text, signature))
    }
    if (!(result instanceof Promise)) return result
    return result.catch((error: unknown) => tryOtherBackends(key, state, backend, error, (b) => verifyText(b, alg, material, text, signature)))
  }
  return dispatch(key, state, options, (b) => verifyText(b, alg, material, text, signature))
}

/**
 * Sign bytes with a secret or private key.
 *
 * @param key - the key; its algorithm decides the scheme.
 * @param data - the bytes to sign (for RFC 9421, the UTF-8 signature base).
 * @param options - {@link SignBytesOptions}.
 * @returns the signature (HMAC tag, Ed25519 signature, RSA signature, ECDSA raw r||s).
 * @throws {SignetError} `ERR_ALG_MISMATCH` when `options.alg` is not the key's algorithm;
 *   `ERR_KEY_UNSUPPORTED` for a public key; `ERR_BACKEND_UNAVAILABLE` when the named backend
 *   cannot run here.
 * @throws {TypeError} when `key` is not a SignetKey or `data` not a Uint8Array.
 * @example const tag = await signBytes(hmacKey, utf8(base))
 */
export function signBytes(key: SignetKey, data: Uint8Array, options?: SignBytesOptions): Promise<Uint8Array> {
  try {
    const result = signBytesDirect(key, data, options)
    return result instanceof Promise ? result : Promise.resolve(result)
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Verify a signature over bytes. HMAC tags are compared in constant time.
 *
 * @param key - a public, private or secret key.
 * @param data - the signed bytes.
 * @param signature - the signature to check.
 * @param options - {@link SignBytesOptions}.
 * @returns true when the signature is valid for `data` under `key`; false otherwise (including
 *   a signature of the wrong length).
 * @throws {SignetError} `ERR_ALG_MISMATCH` when `options.alg` is not the key's algorithm;
 *   `ERR_BACKEND_UNAVAILABLE` when the named backend cannot run here.
 * @throws {TypeError} when `key` is not a SignetKey or `data`/`signature` not a Uint8Array.
 * @example if (!(await verifyBytes(key, data, sig))) throw new Error('bad signature')
 */
export function verifyBytes(key: SignetKey, data: Uint8Array, signature: Uint8Array, options?: SignBytesOptions): Promise<boolean> {
  try {
    const result = verifyBytesDirect(key, data, signature, options)
    return result instanceof Promise ? result : Promise.resolve(result)
  } catch (error) {
    return Promise.reject(error)
  }
}
