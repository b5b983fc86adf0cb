/**
 * The primitives the profiles need beyond core's keys: HMAC-SHA256 under a secret of any length
 * (Stripe, GitHub and Standard Webhooks secrets are often shorter than the 32 bytes core demands
 * of an RFC 9421 HMAC key, and SigV4 chains derived keys), SHA-256, and constant-time text
 * comparison. They run on core's backends, so every runtime and every backend works.
 *
 * @module
 */
import { digest, equalBytes, getAlgorithm, selectBackend, toBase64Url, utf8 } from '@signet/core'
import type { BackendName, KeyMaterial } from '@signet/core'

const HMAC = getAlgorithm('hmac-sha256')
// One material object per secret: backends cache their prepared key by this identity.
const materials = new WeakMap<Uint8Array, KeyMaterial>()

function material(secret: Uint8Array): KeyMaterial {
  let found = materials.get(secret)
  if (found === undefined) {
    found = { jwk: { kty: 'oct', k: toBase64Url(secret) } }
    materials.set(secret, found)
  }
  return found
}

/** HMAC-SHA256 of `data` under `secret` (any non-empty length). */
export async function hmacSha256(secret: Uint8Array, data: Uint8Array | string, backend?: BackendName): Promise<Uint8Array> {
  if (secret.length === 0) throw new RangeError('"secret" expected at least 1 byte, got 0')
  const key = material(secret)
  return selectBackend(HMAC, key, backend).sign(HMAC, key, typeof data === 'string' ? utf8(data) : data)
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array | string, backend?: BackendName): Promise<Uint8Array> {
  return digest('sha-256', typeof data === 'string' ? utf8(data) : data, backend === undefined ? undefined : { backend })
}

/** Compare two strings in time that depends only on their lengths. */
export function equalText(a: string, b: string): boolean {
  return equalBytes(utf8(a), utf8(b))
}

/**
 * Decode base64 as the webhook libraries do: standard or URL alphabet, padding optional.
 *
 * @returns undefined when the text is not base64.
 */
export function looseBase64(text: string): Uint8Array | undefined {
  const std = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  if (!/^[A-Za-z0-9+/]*$/.test(std) || std.length % 4 === 1) return undefined
  const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
