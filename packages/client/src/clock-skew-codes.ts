/**
 * Which 401 answers are about the clock (see clock-offset.ts). Apart from the module that reads
 * the answer, so that the package entry offers the list without loading it.
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
