/**
 * Getting keys out: the public half of a key pair, JWK and PEM export.
 *
 * Exports carry the key's binding: a JWK always gets `alg` (the JOSE name, RFC 7518) and `kid`.
 * Secret and private parts leave only when asked for (`private: true`) and only from an
 * extractable key, so a call that forgets the option can never leak a secret.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import { publicJwk } from './jwk.ts'
import { pkcs8FromJwk, spkiFromJwk, toPem } from './pem.ts'
import { createSignetKey, keyState, type SignetKey } from './signet-key.ts'

/** A JWK as Signet exports it: key members plus `alg` and `kid`. */
export type SignetJwk = JsonWebKey & { kid?: string }

/** Options for {@link exportJwk} and {@link exportPem}. */
export interface ExportKeyOptions {
  /** Export the private or secret part (default false: public part only). */
  readonly private?: boolean | undefined
}

function hasPublicMembers(jwk: JsonWebKey): boolean {
  return jwk.x !== undefined || jwk.n !== undefined
}

/**
 * The public key of a private key (a public key is returned as is).
 *
 * @param key - an Ed25519, RSA or ECDSA key.
 * @returns a public SignetKey with the same algorithm and kid.
 * @throws {SignetError} `ERR_KEY_UNSUPPORTED` for an HMAC key (it has no public part) or a
 *   non-extractable private key whose public part is unknown.
 * @example const verifyKey = publicKey(signingKey)
 */
export function publicKey(key: SignetKey): SignetKey {
  const state = keyState(key)
  if (key.type === 'secret') throw new SignetError('ERR_KEY_UNSUPPORTED', 'an HMAC key has no public part')
  if (key.type === 'public') return key
  const jwk = state.material.jwk
  if (!hasPublicMembers(jwk)) throw new SignetError('ERR_KEY_UNSUPPORTED', 'the public part of this non-extractable key is unknown')
  const material = Object.freeze({ jwk: Object.freeze(publicJwk(jwk)) })
  return createSignetKey(key.algorithm, key.kid, 'public', true, material)
}

function exportableJwk(key: SignetKey, wantPrivate: boolean): JsonWebKey {
  const jwk = keyState(key).material.jwk
  if (!wantPrivate) {
    if (key.type === 'secret') throw new SignetError('ERR_KEY_UNSUPPORTED', 'an HMAC key has no public part; pass { private: true } to export the secret')
    if (!hasPublicMembers(jwk)) throw new SignetError('ERR_KEY_UNSUPPORTED', 'the public part of this non-extractable key is unknown')
    return publicJwk(jwk)
  }
  if (key.type === 'public') throw new SignetError('ERR_KEY_UNSUPPORTED', 'a public key has no private part to export')
  if (!key.extractable) throw new SignetError('ERR_KEY_UNSUPPORTED', 'the key is not extractable')
  return { ...jwk }
}

function checkOptions(options: ExportKeyOptions | undefined): boolean {
  if (options === undefined) return false
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object')
  if (options.private !== undefined && typeof options.private !== 'boolean') throw new TypeError('"private" must be a boolean')
  return options.private === true
}

/**
 * Export a key as a JWK, with `alg` (JOSE) and `kid` set.
 *
 * @param key - the key.
 * @param options - `private: true` to include the private or secret members.
 * @returns a new JWK object.
 * @throws {SignetError} `ERR_KEY_UNSUPPORTED` for the public part of an HMAC key, the private
 *   part of a public or non-extractable key.
 * @example await exportJwk(key) // { kty: 'OKP', crv: 'Ed25519', x: '...', alg: 'EdDSA', kid: '...' }
 */
export async function exportJwk(key: SignetKey, options?: ExportKeyOptions): Promise<SignetJwk> {
  const jwk = exportableJwk(key, checkOptions(options))
  const out: SignetJwk = { ...jwk, alg: key.algorithm.jose }
  if (key.kid !== undefined) out.kid = key.kid
  return out
}

/**
 * Export a key as PEM: SPKI (`PUBLIC KEY`) or, with `private: true`, PKCS#8 (`PRIVATE KEY`).
 * RSA keys use the rsaEncryption OID, which every runtime imports; the algorithm binding of an
 * rsa-pss-sha512 key is then not in the file (use JWK, which carries `alg`, to keep it).
 *
 * @throws {SignetError} `ERR_KEY_UNSUPPORTED` for an HMAC key (no PEM form) or as {@link exportJwk}.
 * @example await exportPem(key) // '-----BEGIN PUBLIC KEY-----\n...'
 */
export async function exportPem(key: SignetKey, options?: ExportKeyOptions): Promise<string> {
  const wantPrivate = checkOptions(options)
  if (key.type === 'secret') throw new SignetError('ERR_KEY_UNSUPPORTED', 'an HMAC key has no PEM form; export it as a JWK')
  const jwk = exportableJwk(key, wantPrivate)
  return wantPrivate ? toPem('PRIVATE KEY', pkcs8FromJwk(jwk)) : toPem('PUBLIC KEY', spkiFromJwk(jwk))
}
