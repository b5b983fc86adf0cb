/**
 * Envelope encryption of HMAC secrets at rest (AES-256-GCM, NIST SP 800-38D).
 *
 * Three layers:
 *
 * - The **master key** (32 bytes, base64url in `SIGNET_MASTER_KEY` or a key file) never touches
 *   the registry's storage. It only wraps the data key.
 * - The **data key** (32 random bytes) is stored wrapped: AES-256-GCM under the master key with
 *   a fixed associated-data label. A wrong master key fails the GCM tag check: `ERR_MASTER_KEY`.
 *   Rotating the master key means re-wrapping 32 bytes, not re-encrypting every secret.
 * - Two sub-keys are derived from the data key with HKDF-SHA256 (RFC 5869), one per purpose:
 *   an AES-256-GCM key for secrets, each sealed with the key id as associated data so a
 *   ciphertext moved onto another record fails to open; and an HMAC-SHA256 key that
 *   authenticates each stored key record, so state, scopes, IP lists and expiry cannot be
 *   changed in storage by someone who does not hold the master key.
 *
 * WebCrypto (`crypto.subtle`) does the work: every runtime the registry targets has AES-GCM,
 * HKDF and HMAC there, and the sub-keys are non-extractable.
 *
 * @module
 */
import { SignetError, fromBase64Url, randomBytes, toBase64Url, utf8, fromUtf8 } from '@signet/core'

/** An AES-256-GCM ciphertext: 96-bit IV and ciphertext with its 128-bit tag, base64url. */
export interface Sealed {
  readonly iv: string
  readonly ct: string
}

/**
 * The data key's associated data names the registry format: a version 2 registry (records
 * versioned, a manifest and an audit chain, see integrity.ts) wraps its data key under
 * `.../v2/...`, so metadata set back to version 1 to skip those checks no longer opens.
 */
const DATA_KEY_AAD: Readonly<Record<RegistryFormat, string>> = { 1: 'signet-registry/v1/data-key', 2: 'signet-registry/v2/data-key' }

/** The registry format versions: 1 (records only), 2 (versioned records, manifest, audit chain). */
export type RegistryFormat = 1 | 2
const SECRET_AAD = 'signet-registry/v1/secret/'
const ENCRYPTION_INFO = 'signet-registry/v1/secret-encryption'
const INTEGRITY_INFO = 'signet-registry/v1/record-integrity'

function ab(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes) as Uint8Array<ArrayBuffer>
}

/**
 * Decode and check a master key given as text.
 *
 * @param text - 32 bytes in base64url (43 chars, no padding; surrounding whitespace ignored)
 * @returns the 32 key bytes
 * @throws {SignetError} `ERR_MASTER_KEY` when the text is not 32 bytes of base64url
 * @example parseMasterKey(process.env.SIGNET_MASTER_KEY ?? '')
 */
export function parseMasterKey(text: string): Uint8Array {
  let bytes: Uint8Array | undefined
  try {
    bytes = fromBase64Url(text.trim(), 'master key')
  } catch {
    bytes = undefined
  }
  if (bytes === undefined || bytes.length !== 32) {
    throw new SignetError('ERR_MASTER_KEY', 'the master key must be 32 bytes in base64url (43 characters)')
  }
  return bytes
}

/**
 * A new random master key, in base64url, for `SIGNET_MASTER_KEY` or a key file.
 *
 * @example const masterKey = generateMasterKey()
 */
export function generateMasterKey(): string {
  return toBase64Url(randomBytes(32))
}

async function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', ab(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
}

async function seal(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<Sealed> {
  const iv = randomBytes(12)
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ab(iv), additionalData: ab(utf8(aad)) }, key, ab(plaintext))
  return { iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) }
}

/** Open a sealed value; undefined when the tag does not verify or the value is malformed. */
async function open(key: CryptoKey, sealed: Sealed, aad: string): Promise<Uint8Array | undefined> {
  try {
    const iv = fromBase64Url(sealed.iv, 'iv')
    if (iv.length !== 12) return undefined
    const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ab(iv), additionalData: ab(utf8(aad)) }, key, ab(fromBase64Url(sealed.ct, 'ct')))
    return new Uint8Array(pt)
  } catch {
    return undefined
  }
}

/** True when `value` has the shape of a {@link Sealed}. */
export function isSealed(value: unknown): value is Sealed {
  return (
    typeof value === 'object' && value !== null &&
    typeof (value as Sealed).iv === 'string' && typeof (value as Sealed).ct === 'string'
  )
}

/** The keys a registry works with once its data key is unwrapped. */
export interface DataKeys {
  /** Encrypts HMAC secrets (AES-256-GCM, key id as associated data). */
  readonly encryption: CryptoKey
  /** Authenticates stored key records (HMAC-SHA256). */
  readonly integrity: CryptoKey
}

async function deriveKeys(dataKey: Uint8Array): Promise<DataKeys> {
  const ikm = await crypto.subtle.importKey('raw', ab(dataKey), 'HKDF', false, ['deriveKey'])
  const params = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: ab(utf8(info)) })
  const encryption = await crypto.subtle.deriveKey(params(ENCRYPTION_INFO), ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  const integrity = await crypto.subtle.deriveKey(params(INTEGRITY_INFO), ikm, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify'])
  return { encryption, integrity }
}

/**
 * Make a new data key and wrap it under the master key.
 *
 * @param masterKey - the 32 master key bytes
 * @returns the wrapped data key to store, and the derived keys to use
 */
export async function createDataKeys(masterKey: Uint8Array, format: RegistryFormat = 2): Promise<{ wrapped: Sealed; keys: DataKeys }> {
  const dataKey = randomBytes(32)
  const wrapped = await seal(await aesKey(masterKey), dataKey, DATA_KEY_AAD[format])
  const keys = await deriveKeys(dataKey)
  dataKey.fill(0)
  return { wrapped, keys }
}

/**
 * Unwrap a stored data key.
 *
 * @param format - the format the metadata claims
 * @throws {SignetError} `ERR_MASTER_KEY` when the master key is not the one it was wrapped
 *   under; `ERR_REGISTRY_CORRUPT` when metadata claiming version 1 holds a version 2 data key
 *   (a downgrade, to skip the rollback and audit checks)
 */
export async function openDataKeys(masterKey: Uint8Array, wrapped: Sealed, format: RegistryFormat = 2): Promise<DataKeys> {
  const aes = await aesKey(masterKey)
  const dataKey = await open(aes, wrapped, DATA_KEY_AAD[format])
  if (dataKey === undefined && format === 1 && (await open(aes, wrapped, DATA_KEY_AAD[2])) !== undefined) {
    throw new SignetError('ERR_REGISTRY_CORRUPT', 'the registry metadata was set back to format 1 under a format 2 data key (a downgrade)')
  }
  if (dataKey === undefined || dataKey.length !== 32) {
    throw new SignetError('ERR_MASTER_KEY', 'the master key does not open this registry (wrong key, or the registry belongs to another master key)')
  }
  const keys = await deriveKeys(dataKey)
  dataKey.fill(0)
  return keys
}

/**
 * Re-wrap a stored data key under a new master key (master key rotation): the secrets and
 * record MACs stay as they are, only the 32-byte wrapped data key changes.
 *
 * Also moves a data key from format `from` to `to` (the migration to format 2).
 *
 * @throws {SignetError} `ERR_MASTER_KEY` when `oldMasterKey` does not open `wrapped`
 */
export async function rewrapDataKey(
  oldMasterKey: Uint8Array,
  newMasterKey: Uint8Array,
  wrapped: Sealed,
  from: RegistryFormat = 2,
  to: RegistryFormat = from,
): Promise<Sealed> {
  const dataKey = await open(await aesKey(oldMasterKey), wrapped, DATA_KEY_AAD[from])
  if (dataKey === undefined || dataKey.length !== 32) {
    throw new SignetError('ERR_MASTER_KEY', 'the current master key does not open this registry')
  }
  const rewrapped = await seal(await aesKey(newMasterKey), dataKey, DATA_KEY_AAD[to])
  dataKey.fill(0)
  return rewrapped
}

/** Encrypt an HMAC secret for storage, bound to its key id. */
export async function sealSecret(keys: DataKeys, keyid: string, secret: string): Promise<Sealed> {
  return seal(keys.encryption, utf8(secret), SECRET_AAD + keyid)
}

/**
 * Decrypt a stored HMAC secret.
 *
 * @throws {SignetError} `ERR_REGISTRY_CORRUPT` when the ciphertext was altered or belongs to another key id
 */
export async function openSecret(keys: DataKeys, keyid: string, sealed: Sealed): Promise<string> {
  const pt = await open(keys.encryption, sealed, SECRET_AAD + keyid)
  if (pt === undefined) throw new SignetError('ERR_REGISTRY_CORRUPT', `the stored secret of key ${keyid} does not decrypt`)
  return fromUtf8(pt)
}

/** HMAC-SHA256 of `text` under the integrity key, base64url. */
export async function authenticate(keys: DataKeys, text: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', keys.integrity, ab(utf8(text)))))
}

/** Check a tag made by {@link authenticate}; WebCrypto's verify compares in constant time. */
export async function checkAuthentication(keys: DataKeys, text: string, tag: string): Promise<boolean> {
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(tag, 'mac')
  } catch {
    return false
  }
  return crypto.subtle.verify('HMAC', keys.integrity, ab(bytes), ab(utf8(text)))
}
