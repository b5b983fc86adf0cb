/**
 * The settings of response verification (`signedFetch`'s `verifyResponse`), checked when the
 * fetch is made. Apart from verify-response.ts so that checking them loads no verifier: the
 * verifier is loaded with the first response to verify.
 *
 * @module
 */
import type { ComponentIdentifier, VerifyOptions } from '@signet/core'
import { parseIdentifier } from './components.ts'

/** How the signing fetch verifies responses. */
export interface ResponseVerification {
  /** The server's key, or a resolver (see core `VerifyOptions.key`). */
  readonly key: NonNullable<VerifyOptions['key']>
  /**
   * Requirements: components, parameters, algorithms, age, label or tag. Without
   * `requiredComponents`: `"@status"`, `"@method";req`, `"@target-uri";req`, and
   * `"content-digest"` when the response has a body. A list of the caller's must include a
   * `;req` component.
   */
  readonly policy?: Omit<VerifyOptions, 'key'> | undefined
}

/**
 * Check response-verification settings: a key, and a policy that binds the response to its
 * request.
 *
 * @param options - the settings, as given.
 * @returns the same settings.
 * @throws {TypeError} when there is no key, or when `policy.requiredComponents` has no `;req`
 * component.
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for a malformed component in the policy.
 */
export function checkResponseVerification(options: ResponseVerification): ResponseVerification {
  if (typeof options !== 'object' || options === null || options.key === undefined) {
    throw new TypeError('"verifyResponse" must be an object with a "key"')
  }
  const required = options.policy?.requiredComponents
  if (required !== undefined && !required.some((c: string | ComponentIdentifier) => (typeof c === 'string' ? parseIdentifier(c) : c).params.has('req'))) {
    throw new TypeError(
      '"policy.requiredComponents" must include a component of the request (";req"), such as "@method";req: a response signature without one can be replayed as the answer to any request',
    )
  }
  return options
}

