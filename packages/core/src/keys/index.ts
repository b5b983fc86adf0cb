/**
 * Keys: import (JWK, PEM, DER, raw, CryptoKey), export (JWK, PEM), generation, RFC 7638
 * thumbprints, and signing bytes with a key bound to one algorithm.
 *
 * @module
 */
export { SignetKey, isSignetKey } from './signet-key.ts'
export { importKey, type ImportKeyOptions, type JwkInput, type KeyInput } from './import.ts'
export { exportJwk, exportPem, publicKey, type ExportKeyOptions, type SignetJwk } from './export.ts'
export { generateKey, type GenerateKeyOptions } from './generate.ts'
export { thumbprint } from './thumbprint.ts'
export { signBytes, verifyBytes, type SignBytesOptions } from './sign-verify-bytes.ts'
export type { KeyType } from './jwk.ts'
