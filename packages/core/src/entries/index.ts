/**
 * @signet/core: the RFC 9421 / RFC 9530 protocol, the message model, algorithms, keys and
 * crypto backends. This file only re-exports.
 *
 * @module
 */
export type { RateLimitState, SignetErrorCode, SignetErrorOptions } from '../errors.ts'
export { LimitExceededError, SignetError, hasErrorCode, isSignetError } from '../errors.ts'

export type { AlgorithmDescriptor, AlgorithmFamily, AlgorithmName, HashName } from '../algorithms.ts'
export { algorithms, getAlgorithm, getAlgorithmByJose } from '../algorithms.ts'
export type { BackendName, CryptoBackend, KeyMaterial } from '../backend.ts'

export {
  concatBytes,
  equalBytes,
  fromBase64,
  fromBase64Url,
  fromHex,
  fromUtf8,
  randomBytes,
  toBase64,
  toBase64Url,
  toHex,
  utf8,
} from '../bytes.ts'
export { readBounded } from '../read-bounded.ts'

export type { FieldLine, HttpMessage, HttpRequestMessage, HttpResponseMessage } from '../message.ts'
export type { FromNodeRequestOptions, NodeRequestLike, ParseHttpMessageOptions } from '../message/index.ts'
export { describedMessage, fieldsOf, fromFetchRequest, fromFetchResponse, fromNodeRequest, headerEntries, parseHttpMessage, requestMessage } from '../message/index.ts'
export type { DescriptionHeaders, HeaderEntry } from '../message/index.ts'

export type { ComponentIdentifier, ComponentOptions, FieldOptions } from '../components/index.ts'
export {
  componentKey,
  componentValue,
  derivedComponentNames,
  normalizeAuthority,
  parseComponentIdentifier,
  parseQueryParams,
  serializeComponentIdentifier,
  toComponentIdentifier,
} from '../components/index.ts'
export type { SignatureBaseOptions } from '../signature-base.ts'
export { createSignatureBase } from '../signature-base.ts'

export type {
  SignatureInputMember,
  SignatureLimits,
  SignatureParams,
  SignatureRequest,
  StructuredFieldType,
} from '../structured/index.ts'
export {
  defaultLimits,
  parseAcceptSignature,
  parseSignatureField,
  parseSignatureInput,
  registeredFieldTypes,
  serializeAcceptSignature,
  serializeComponentList,
  serializeSignatureInputMember,
  serializeSignatureMember,
  serializeSignatureParams,
} from '../structured/index.ts'

export type { DigestAlgorithm, DigestPreference } from '../digest.ts'
export {
  createContentDigest,
  createReprDigest,
  parseWantDigest,
  selectDigestAlgorithm,
  verifyContentDigest,
  verifyMessageDigest,
  verifyReprDigest,
} from '../digest.ts'

export type { SignatureResult, SignOptions } from '../sign-message.ts'
export { signMessage } from '../sign-message.ts'
export { createNonce } from '../nonce.ts'
export type {
  KeyLookup,
  ParsedSignature,
  Requirements,
  SignatureSelector,
  TimeOptions,
  VerifiedSignature,
  VerifyOptions,
  VerifySignatureOptions,
} from '../verify.ts'
export { checkRequired, checkTimes, parseSignatures, selectSignatures, verifyMessage, verifySignature } from '../verify.ts'

export type { KeyRecord, KeyResolveContext, KeyResolver, KeyState } from '../key-record.ts'

export * from '../keys/index.ts'
export * from '../backends/index.ts'
