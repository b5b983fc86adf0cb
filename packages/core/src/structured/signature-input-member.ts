/**
 * One signature's entry in the Signature-Input field (RFC 9421 section 4.1), as both readers of
 * that field produce it: the one-pass reader of canonical members (`signature-input-fast.ts`)
 * and the general parser (`signature-input.ts`), which tries the first and reads the rest. The
 * shape lives here, below both, so neither reader imports the other for it.
 *
 * @module
 */
import type { ComponentIdentifier } from '../components/component-identifier.ts'
import type { SignatureParams } from './signature-params.ts'

/** One signature's entry in Signature-Input. */
export interface SignatureInputMember {
  readonly label: string
  readonly components: ComponentIdentifier[]
  readonly params: SignatureParams
  /** The inner list with parameters, re-serialized in received order: the `@signature-params` value. */
  readonly serialized: string
}
