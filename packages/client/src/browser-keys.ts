/**
 * Keys in the browser: a non-extractable key pair, kept in IndexedDB, loaded on the next
 * visit, and only its public JWK ever leaving the page (for registration with the API owner).
 *
 * IndexedDB stores a `CryptoKey` by structured clone (WebCrypto section 17, "CryptoKey
 * serialization"), which keeps the non-extractable flag: script can use the private key to sign
 * but can never read it, so an XSS payload cannot exfiltrate it (it can still sign while it
 * runs, which is why keys should be short-lived and revocable on the server). `localStorage`
 * holds only strings and would need the key exported, so it is never used.
 *
 * Nothing here depends on Node: the module is safe to load in a browser bundle, and uses the
 * global `indexedDB` unless a factory is passed (tests pass `fake-indexeddb`).
 *
 * @module
 */

import { algorithmOf, isCryptoKey, isKeyPair, subtle } from './crypto-key.ts'
import type { BrowserKeyAlgorithm } from './crypto-key.ts'

export type { BrowserKeyAlgorithm } from './crypto-key.ts'

/** Where keys are stored. */
export interface KeyStorageOptions {
  /** The IndexedDB factory (default: the global `indexedDB`). */
  readonly indexedDB?: IDBFactory | undefined
  /** The database name (default `signet-keys`). */
  readonly database?: string | undefined
}

/** A stored key pair: the private key is non-extractable. */
export interface StoredKeyPair {
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  readonly alg: BrowserKeyAlgorithm
}

// WebCrypto parameters per algorithm: data, looked up once.
const GENERATE: Readonly<Record<BrowserKeyAlgorithm, EcKeyGenParams | Algorithm>> = {
  ed25519: { name: 'Ed25519' },
  'ecdsa-p256-sha256': { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams,
}

const STORE = 'keys'


/**
 * Generate a key pair whose private key cannot be exported.
 *
 * @param alg - `ed25519` (default) or `ecdsa-p256-sha256`.
 * @returns the pair; the public key is extractable, the private key is not.
 * @throws {TypeError} naming `alg` for another algorithm, or when WebCrypto is missing.
 * @example
 * ```ts
 * const pair = await generateBrowserKey('ed25519')
 * await saveKey('api', pair)
 * ```
 */
export async function generateBrowserKey(alg: BrowserKeyAlgorithm = 'ed25519'): Promise<StoredKeyPair> {
  const params = Object.hasOwn(GENERATE, alg) ? GENERATE[alg] : undefined
  if (params === undefined) throw new TypeError('"alg" must be "ed25519" or "ecdsa-p256-sha256"')
  // extractable=false applies to the private key; WebCrypto always makes the public key extractable.
  const pair = (await subtle().generateKey(params, false, ['sign', 'verify'])) as CryptoKeyPair
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, alg }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
    throw new TypeError('"name" must be a non-empty string of at most 256 characters')
  }
  return name
}

function open(options: KeyStorageOptions): Promise<IDBDatabase> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (factory === undefined) throw new TypeError('IndexedDB is not available; pass "indexedDB"')
  const database = options.database ?? 'signet-keys'
  return new Promise((resolve, reject) => {
    const request = factory.open(database, 1)
    request.onupgradeneeded = (): void => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE)
    }
    request.onsuccess = (): void => resolve(request.result)
    request.onerror = (): void => reject(request.error ?? new Error('IndexedDB open failed'))
    request.onblocked = (): void => reject(new Error('IndexedDB open blocked by another connection'))
  })
}

async function transact<T>(
  options: KeyStorageOptions,
  mode: IDBTransactionMode,
  run: (store: IDBObjectStore) => IDBRequest,
): Promise<T> {
  const db = await open(options)
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const request = run(tx.objectStore(STORE))
      let result: T
      request.onsuccess = (): void => {
        result = request.result as T
      }
      // Resolve on commit, so a write is durable before the caller goes on.
      tx.oncomplete = (): void => resolve(result)
      tx.onerror = (): void => reject(tx.error ?? request.error ?? new Error('IndexedDB transaction failed'))
      tx.onabort = (): void => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
    })
  } finally {
    db.close()
  }
}

/**
 * Store a key pair in IndexedDB under `name` (replacing any pair stored under it).
 *
 * @param name - the storage name.
 * @param pair - the pair from {@link generateBrowserKey}.
 * @param options - storage options.
 * @throws {TypeError} for a bad name or pair.
 * @example await saveKey('api', pair)
 */
export async function saveKey(name: string, pair: StoredKeyPair | CryptoKeyPair, options: KeyStorageOptions = {}): Promise<void> {
  checkName(name)
  if (!isKeyPair(pair)) {
    throw new TypeError('"pair" must hold a privateKey and a publicKey CryptoKey')
  }
  const record: StoredKeyPair = { privateKey: pair.privateKey, publicKey: pair.publicKey, alg: algorithmOf(pair.privateKey) }
  await transact<void>(options, 'readwrite', (store) => store.put(record, name))
}

/**
 * Load a key pair stored with {@link saveKey}.
 *
 * @param name - the storage name.
 * @param options - storage options.
 * @returns the pair, or undefined when nothing is stored under `name`.
 * @example const pair = (await loadKey('api')) ?? (await generateBrowserKey())
 */
export async function loadKey(name: string, options: KeyStorageOptions = {}): Promise<StoredKeyPair | undefined> {
  checkName(name)
  const value = await transact<unknown>(options, 'readonly', (store) => store.get(name))
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Partial<StoredKeyPair>
  if (!isCryptoKey(record.privateKey) || !isCryptoKey(record.publicKey)) return undefined
  return { privateKey: record.privateKey, publicKey: record.publicKey, alg: algorithmOf(record.privateKey) }
}

/**
 * Delete a stored key pair.
 *
 * @param name - the storage name.
 * @param options - storage options.
 */
export async function deleteKey(name: string, options: KeyStorageOptions = {}): Promise<void> {
  checkName(name)
  await transact<void>(options, 'readwrite', (store) => store.delete(name))
}
