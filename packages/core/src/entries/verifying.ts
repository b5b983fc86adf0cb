/**
 * @signet/core/verifying: what a verifier of RFC 9421 signatures needs, and not what only a
 * signer does. Parsing `Signature`, `Signature-Input` and component identifiers, the signature
 * base, `Content-Digest` checks (RFC 9530), verification with a key, key import (JWK, raw, PEM)
 * and thumbprints, the message model of Fetch and Node requests, and the errors.
 *
 * Every export here is also exported, the same binding, by `@signet/core`: importing both gives
 * one `SignetError` class, one backend registry. The entry exists for cold start: a server that
 * only verifies (`@signet/server`) loads this part of core, not the full signer, key
 * generation and export, the raw HTTP message parser or the pure-JS backend.
 *
 * @example
 * ```ts
 * import { importKey, parseSignatures, verifySignature } from '@signet/core/verifying'
 * ```
 *
 * @module
 */
export type { SignetErrorCode, SignetErrorOptions } from '../errors.ts'
export { SignetError, hasErrorCode, isSignetError } from '../errors.ts'

export type { AlgorithmDescriptor, AlgorithmName, HashName } from '../algorithms.ts'
export { getAlgorithm } from '../algorithms.ts'
export { concatBytes, fromUtf8, utf8 } from '../bytes.ts'
export { readBounded } from '../read-bounded.ts'

export type { FieldLine, HttpMessage, HttpRequestMessage, HttpResponseMessage } from '../message.ts'
export { requestMessage } from '../message/from-fetch.ts'
export type { FromNodeRequestOptions, NodeRequestLike } from '../message/from-node.ts'
export { fromNodeRequest } from '../message/from-node.ts'

export type { ComponentIdentifier, ComponentOptions } from '../components/index.ts'
export { componentValue, normalizeAuthority, parseComponentIdentifier, serializeComponentIdentifier } from '../components/index.ts'
export { serializeAcceptSignature } from '../structured/index.ts'
export type { SignatureRequest } from '../structured/index.ts'

export { verifyContentDigest, verifyMessageDigest } from '../digest.ts'

export type { ParsedSignature, TimeOptions, VerifiedSignature, VerifySignatureOptions } from '../verify.ts'
export { checkTimes, parseSignatures, selectSignatures, verifySignature } from '../verify.ts'
export type { KeyRecord, KeyResolveContext, KeyResolver, KeyState } from '../key-record.ts'

export { SignetKey, isSignetKey } from '../keys/signet-key.ts'
export { importKey, type ImportKeyOptions, type JwkInput, type KeyInput } from '../keys/import.ts'
export { thumbprint } from '../keys/thumbprint.ts'
