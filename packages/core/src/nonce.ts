/**
 * The `nonce` signature parameter's value (RFC 9421 section 2.3): 128 random bits, base64url.
 * Its own module so the lean signing entry (signing.ts) can offer it without the full signer.
 *
 * @module
 */
import { randomBytes, toBase64Url } from './bytes.ts'

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
  const nonce = toBase64Url((noncePool as Uint8Array).subarray(noncePoolOffset, noncePoolOffset + 16))
  // Overwrite what was handed out, so the pool never holds a past nonce's bytes.
  ;(noncePool as Uint8Array).fill(0, noncePoolOffset, noncePoolOffset + 16)
  noncePoolOffset += 16
  return nonce
}

const NONCE_POOL_SIZE = 4096
let noncePool: Uint8Array | undefined
let noncePoolOffset = NONCE_POOL_SIZE
