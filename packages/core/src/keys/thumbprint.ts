/**
 * JWK thumbprints (RFC 7638), Signet's default key id.
 *
 * The thumbprint hashes only the required members of the key type, in lexicographic order,
 * with no whitespace (RFC 7638 section 3.2), so the same key always gets the same id whatever
 * optional members or member order its JWK had. SHA-256, base64url without padding.
 *
 * @module
 */
import { digest } from '../backends/registry.ts'
import { toBase64Url, utf8 } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import { validateJwk } from './jwk.ts'
import { isSignetKey, keyState, type SignetKey } from './signet-key.ts'

/** RFC 7638 section 3.2: the required members per key type, already in lexicographic order. */
const REQUIRED: Readonly<Record<string, readonly (keyof JsonWebKey)[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
}

/**
 * The RFC 7638 thumbprint input: the required members as compact JSON.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` when a required member is missing.
 */
function thumbprintInput(jwk: JsonWebKey): string {
  const names = REQUIRED[jwk.kty ?? '']
  if (names === undefined) throw new SignetError('ERR_KEY_UNSUPPORTED', 'no thumbprint for this key type')
  const parts: string[] = []
  for (const name of names) {
    const value = jwk[name]
    if (typeof value !== 'string') throw new SignetError('ERR_KEY_INVALID', `thumbprint needs the "${name}" member`)
    // JSON.stringify escapes exactly as RFC 7638 section 3.3 requires for these ASCII values.
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`)
  }
  return `{${parts.join(',')}}`
}

/**
 * The RFC 7638 SHA-256 thumbprint of a key or a JWK, base64url.
 *
 * For an HMAC key it is computed over `{"k":...,"kty":"oct"}` (RFC 7638 section 3.2), which
 * reveals nothing usable about a secret of 32 bytes or more.
 *
 * @param keyOrJwk - a SignetKey, or a JWK (validated first).
 * @returns the thumbprint, 43 base64url characters.
 * @throws {SignetError} `ERR_KEY_INVALID` for a bad JWK; `ERR_KEY_UNSUPPORTED` for a
 *   non-extractable secret, which has no members to hash.
 * @example await thumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' (RFC 8037 appendix A.3)
 */
export async function thumbprint(keyOrJwk: SignetKey | JsonWebKey): Promise<string> {
  let jwk: JsonWebKey
  if (isSignetKey(keyOrJwk)) {
    jwk = keyState(keyOrJwk).material.jwk
  } else {
    jwk = validateJwk(keyOrJwk, { minimumRsaBits: 0 }).jwk
  }
  return thumbprintOfNormalized(jwk)
}

/** @internal Thumbprint of an already-normalized JWK. */
export async function thumbprintOfNormalized(jwk: JsonWebKey): Promise<string> {
  const required = REQUIRED[jwk.kty ?? ''] ?? []
  if (required.some((name) => jwk[name] === undefined)) {
    // Only a non-extractable CryptoKey lacks members after import: nothing public to hash.
    throw new SignetError('ERR_KEY_UNSUPPORTED', 'this non-extractable key has no thumbprint; give it a kid')
  }
  return toBase64Url(await digest('sha-256', utf8(thumbprintInput(jwk))))
}
