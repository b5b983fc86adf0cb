/**
 * Which 401 answers the signing fetch retries (retry.ts): those about the clock (the signer
 * learns its offset, clock-offset.ts) and those a signature meeting `Accept-Signature` can cure
 * (accept-signature.ts). Apart from the modules that act on them, which load with the first 401,
 * so that the package entry offers the lists without loading either; one module, because a
 * bundler gives every module that the entry and a lazy module share a chunk (and an import) of
 * its own.
 *
 * @module
 */
import type { SignetErrorCode } from '@signet/core'

/** Problem codes that mean "your clock is off", not "your signature is wrong". */
export const CLOCK_SKEW_CODES: ReadonlySet<SignetErrorCode> = new Set<SignetErrorCode>([
  'ERR_SIGNATURE_TOO_OLD',
  'ERR_CREATED_IN_FUTURE',
  'ERR_SIGNATURE_EXPIRED',
])

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

