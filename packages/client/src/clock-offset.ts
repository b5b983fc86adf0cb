/**
 * Clock-offset correction. A verifier refuses a signature whose `created` is older than its
 * maximum age or ahead of its clock (RFC 9421 section 7.2.4 leaves the window to the
 * verifier; Signet's server answers 401 with problem+json code `ERR_SIGNATURE_TOO_OLD` or
 * `ERR_CREATED_IN_FUTURE`). When such an answer carries a `Date` (RFC 9110 section 6.6.1), the
 * difference between that date and the local clock is the client's skew: the signer keeps it
 * and dates later signatures by the server's clock.
 *
 * Loaded with the first 401 (retry.ts, or `clockSkewDate` through on-demand.ts): most requests
 * never meet one.
 *
 * @module
 */
import { readBounded } from '@signet/core/signing'
import type { SignetErrorCode } from '@signet/core'
import { CLOCK_SKEW_CODES } from './retry-codes.ts'

export { CLOCK_SKEW_CODES } from './retry-codes.ts'

// A problem document is small; never buffer an unbounded error body.
const MAX_PROBLEM_BYTES = 64 * 1024

/**
 * Read the problem+json `code` of a response without consuming it.
 *
 * @param response - any response; its body is read from a clone.
 * @returns the `code` member, or undefined when the body is not a JSON object with one.
 */
export async function problemCode(response: Response): Promise<string | undefined> {
  const type = response.headers.get('content-type') ?? ''
  if (!/^application\/(problem\+)?json\b/i.test(type)) return undefined
  const body = response.clone().body
  if (body === null) return undefined
  try {
    const bytes = await readBounded(body, MAX_PROBLEM_BYTES)
    if (bytes === undefined) return undefined
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes))
    if (typeof value !== 'object' || value === null) return undefined
    const code = (value as { code?: unknown }).code
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether a response is a clock-skew rejection the client can correct.
 *
 * @param response - the server's answer.
 * @returns the server's `Date` value when the response is a 401 with a clock-skew code and a
 * `Date`; otherwise undefined.
 */
export async function clockSkewDate(response: Response): Promise<string | undefined> {
  if (response.status !== 401) return undefined
  const date = response.headers.get('date')
  if (date === null || !Number.isFinite(Date.parse(date))) return undefined
  const code = await problemCode(response)
  return code !== undefined && CLOCK_SKEW_CODES.has(code as SignetErrorCode) ? date : undefined
}
