/**
 * Structured signature fields: Signature-Input, Signature and Accept-Signature.
 *
 * @module
 */
export type { SignatureLimits } from './limits.ts'
export { defaultLimits } from './limits.ts'
export type { SignatureParams } from './signature-params.ts'
export type { SignatureInputMember } from './signature-input-member.ts'
export {
  parseSignatureInput,
  serializeComponentList,
  serializeSignatureInputMember,
  serializeSignatureParams,
} from './signature-input.ts'
export { parseSignatureField, serializeSignatureMember } from './signature.ts'
export type { SignatureRequest } from './accept-signature.ts'
export { parseAcceptSignature, serializeAcceptSignature } from './accept-signature.ts'
export type { StructuredFieldType } from './field-types.ts'
export { registeredFieldTypes } from './field-types.ts'
