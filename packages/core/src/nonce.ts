/**
 * The `nonce` signature parameter's value (RFC 9421 section 2.3): 128 random bits, base64url.
 * Its own module so the lean signing entry (signing.ts) can offer it without the full signer.
 *
 * @module
 */
import { randomBytes } from './random.ts'

/**
 * A random nonce: 16 bytes (128 bits) from the CSPRNG, base64url.
 *
 * @example createNonce() // 'q0X0b5m6d7S3gk3x9Qx3Aw'
 */
export function createNonce(): string {
  // One CSPRNG call serves 256 nonces (as node:crypto's randomUUID batches its entropy): the
  // call into the runtime costs more than the 16 bytes. Each slice of the pool is used once.
  if (noncePoolOffset >= NONCE_POOL_SIZE) {
    noncePool = randomBytes(NONCE_POOL_SIZE)
    noncePoolOffset = 0
  }
  const nonce = base64Url16(noncePool as Uint8Array, noncePoolOffset)
  // Overwrite what was handed out, so the pool never holds a past nonce's bytes.
  ;(noncePool as Uint8Array).fill(0, noncePoolOffset, noncePoolOffset + 16)
  noncePoolOffset += 16
  return nonce
}

const NONCE_POOL_SIZE = 4096
let noncePool: Uint8Array | undefined
let noncePoolOffset = NONCE_POOL_SIZE

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * base64url (RFC 4648 section 5, unpadded) of the 16 bytes at `at`: five groups of three, then
 * one byte as two characters. Not bytes.ts's encoder, whose code tables would join the lean
 * signing entry's graph (a bundler splits code by file), nor `btoa`, which costs Node 20 about
 * five times as much: appending from the alphabet is as fast as the tables for 16 bytes.
 */
function base64Url16(bytes: Uint8Array, at: number): string {
  let out = ''
  for (let i = at; i < at + 15; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out += (URL_ALPHABET[n >>> 18] as string) + URL_ALPHABET[(n >>> 12) & 63] + URL_ALPHABET[(n >>> 6) & 63] + URL_ALPHABET[n & 63]
  }
  const last = bytes[at + 15] as number
  return out + URL_ALPHABET[last >>> 2] + URL_ALPHABET[(last & 3) << 4]
}
