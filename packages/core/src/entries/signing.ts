/**
 * `@signet/core/signing`: the lean signing entry. It reaches only what signing a request with
 * an HMAC or Ed25519 key needs: JWK import for those two key types, parameterless components,
 * the signature base, SHA-2 digests, base64 and the backend choice (node:crypto through
 * `process.getBuiltinModule`, WebCrypto, or the pure backend when `@signet/core/pure` is
 * imported). No structured-field parser, no PEM or DER, no RSA or ECDSA code. Keys it makes are
 * ordinary `SignetKey`s. This file only re-exports.
 *
 * @example
 * ```ts
 * import { importJwk, requestMessage, signBasic } from '@signet/core/signing'
 * const key = await importJwk({ kty: 'oct', k: secret, kid: 'client-1' })
 * const { signatureInput, signature } = await signBasic(requestMessage(request, undefined), { key, components: ['@method', '@target-uri'] })
 * ```
 *
 * @module
 */
export type { AlgorithmDescriptor, AlgorithmName, HashName } from '../algorithms.ts'
export { algorithms, getAlgorithm } from '../algorithms.ts'
export { SignetError, hasErrorCode, isSignetError } from '../errors.ts'
export type { SignetErrorCode } from '../errors.ts'
export { randomBytes } from '../random.ts'
export { utf8 } from '../utf8.ts'
export { readBounded } from '../read-bounded.ts'
export { createNonce } from '../nonce.ts'
export { shortBase64 } from '../short-base64.ts'
export type { HttpRequestMessage } from '../message.ts'
export { requestMessage } from '../message/request-message.ts'
export { describedMessage, fieldsOf, headerEntries, type DescriptionHeaders, type HeaderEntry } from '../message/from-description.ts'
export { basicComponentValue, isBasicComponent } from '../components/basic.ts'
export { importJwk, type ImportJwkOptions } from '../keys/import-jwk.ts'
export { isSignetKey, type SignetKey } from '../keys/signet-key.ts'
export { digestBytes, signWithKey } from '../backends/lean-backend.ts'
export { signBasic, type BasicSignatureResult, type BasicSignOptions } from '../sign-message-lean.ts'
