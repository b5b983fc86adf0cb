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
import { toBase64, utf8 } from '../bytes.ts'
import type { Base64Signer, KeyBackend } from '../backends/key-backend.ts'
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
 * One backend operation. Module-level functions with the inputs passed as arguments, so the hot
 * path builds no closure; `signature` is ignored by the signing operations.
 */
type Operation<I, R> = (
  backend: KeyBackend,
  alg: AlgorithmDescriptor,
  material: KeyMaterial,
  input: I,
  signature: Uint8Array,
) => R | Promise<R>

const signData: Operation<Uint8Array, Uint8Array> = (backend, alg, material, data) => backend.sign(alg, material, data)

const verifyData: Operation<Uint8Array, boolean> = (backend, alg, material, data, signature) =>
  backend.verify(alg, material, data, signature)

// The signature base is ASCII (RFC 9421 section 2.5): a backend that takes text skips encoding it.
const signText: Operation<string, Uint8Array> = (backend, alg, material, text) =>
  backend.signAscii !== undefined ? backend.signAscii(alg, material, text) : backend.sign(alg, material, utf8(text))

const verifyText: Operation<string, boolean> = (backend, alg, material, text, signature) =>
  backend.verifyAscii !== undefined
    ? backend.verifyAscii(alg, material, text, signature)
    : backend.verify(alg, material, utf8(text), signature)

function encodeSignature(signature: Uint8Array | Promise<Uint8Array>): string | Promise<string> {
  return signature instanceof Promise ? signature.then(toBase64) : toBase64(signature)
}

const signTextBase64: Operation<string, string> = (backend, alg, material, text, signature) => {
  const base64 = backend as KeyBackend & Base64Signer
  return base64.signAsciiBase64 !== undefined
    ? base64.signAsciiBase64(alg, material, text)
    : encodeSignature(signText(backend, alg, material, text, signature))
}

/** What the signing operations pass for the signature they do not have. */
const noSignature = new Uint8Array(0)

/**
 * Run one operation on the key's backend. A synchronous backend's result comes back as a plain
 * value (no promise, no microtask), so callers on the hot path can finish in the same turn. The
 * backend chosen by default is kept on the key; only one that turns out to be missing the
 * algorithm sends the call down the fallback. A backend the caller named gets no fallback, and
 * its failure is a rejection (the argument checks before it throw).
 */
function perform<I, R>(
  key: SignetKey,
  state: KeyState,
  options: SignBytesOptions | undefined,
  operation: Operation<I, R>,
  input: I,
  signature: Uint8Array,
): R | Promise<R> {
  const alg = key.algorithm
  const material = state.material
  const forced = options?.backend
  const backend = forced === undefined ? (state.backend ??= selectBackend(alg, material)) : selectBackend(alg, material, forced)
  let result: R | Promise<R>
  try {
    result = operation(backend, alg, material, input, signature)
  } catch (error) {
    if (forced !== undefined) return Promise.reject(error)
    return tryOtherBackends(key, state, backend, error, (next) => operation(next, alg, material, input, signature))
  }
  if (forced !== undefined || !(result instanceof Promise)) return result
  return result.catch((error: unknown) =>
    tryOtherBackends(key, state, backend, error, (next) => operation(next, alg, material, input, signature)),
  )
}

// The checks run after keyState (a non-key fails first) and after any check of `data`.

function checkSigner(key: SignetKey, options: SignBytesOptions | undefined): void {
  if (options !== undefined) checkAlg(key, options)
  if (key.type === 'public') throw new SignetError('ERR_KEY_UNSUPPORTED', 'a public key cannot sign')
}

function checkVerifier(key: SignetKey, signature: Uint8Array, options: SignBytesOptions | undefined): void {
  if (!(signature instanceof Uint8Array)) throw new TypeError('"signature" must be a Uint8Array')
  if (options !== undefined) checkAlg(key, options)
}

function checkData(data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" must be a Uint8Array')
}

/**
 * Sign the bytes of an ASCII string (a signature base from `buildSignatureBase`, which checks
 * that it is ASCII) without encoding it first when the backend can take text, and return the
 * signature in base64 (RFC 4648 section 4, padded), as a Signature member holds it. A string
 * when the backend is synchronous (node:crypto, pure), a promise otherwise; errors of the checks
 * are thrown, not rejected.
 *
 * @internal
 */
export function signAsciiBase64Direct(key: SignetKey, text: string, options?: SignBytesOptions): string | Promise<string> {
  const state = keyState(key)
  checkSigner(key, options)
  return perform(key, state, options, signTextBase64, text, noSignature)
}

/**
 * Verify a signature over the bytes of an ASCII string; see {@link signAsciiBase64Direct}. A boolean
 * when the backend is synchronous, a promise otherwise.
 *
 * @internal
 */
export function verifyAsciiDirect(key: SignetKey, text: string, signature: Uint8Array, options?: SignBytesOptions): boolean | Promise<boolean> {
  const state = keyState(key)
  checkVerifier(key, signature, options)
  return perform(key, state, options, verifyText, text, signature)
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
    const state = keyState(key)
    checkData(data)
    checkSigner(key, options)
    return Promise.resolve(perform(key, state, options, signData, data, noSignature))
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
    const state = keyState(key)
    checkData(data)
    checkVerifier(key, signature, options)
    return Promise.resolve(perform(key, state, options, verifyData, data, signature))
  } catch (error) {
    return Promise.reject(error)
  }
}
