/**
 * Which 401 answers meeting `Accept-Signature` can cure (see accept-signature.ts). Apart from
 * the module that meets the field, so the signing fetch judges an answer without loading the
 * structured-field parser; that is loaded with the first answer worth meeting.
 *
 * @module
 */
import type { SignetErrorCode } from '@signet/core'

/** Problem codes of a 401 that a signature meeting `Accept-Signature` can cure. */
export const ACCEPT_SIGNATURE_RETRY_CODES: ReadonlySet<SignetErrorCode> = new Set<SignetErrorCode>([
  'ERR_SIGNATURE_MISSING',
  'ERR_REQUIRED_COMPONENT',
  'ERR_REQUIRED_PARAMETER',
  'ERR_LABEL_NOT_FOUND',
  'ERR_TAG_MISMATCH',
  'ERR_ALG_NOT_ALLOWED',
])

/**
 * Whether a 401's problem code leaves room for meeting `Accept-Signature`.
 *
 * @param code - the problem+json `code`, or undefined when the body had none.
 * @returns true for the codes in {@link ACCEPT_SIGNATURE_RETRY_CODES}, and when there is no
 * Signet code to judge by (no problem body, or another server's vocabulary): then the answer is
 * met as before, once. False for every other Signet code (`ERR_KEY_REVOKED`, `ERR_IP_DENIED`, ...).
 * @example
 * ```ts
 * acceptSignatureMayHelp('ERR_REQUIRED_COMPONENT') // true
 * acceptSignatureMayHelp('ERR_KEY_REVOKED') // false
 * ```
 */
export function acceptSignatureMayHelp(code: string | undefined): boolean {
  if (code === undefined || !/^ERR_[A-Z0-9_]+$/.test(code)) return true
  return ACCEPT_SIGNATURE_RETRY_CODES.has(code as SignetErrorCode)
}

