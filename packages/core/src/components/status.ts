/**
 * `@status` (RFC 9421 section 2.2.9): the three-digit status code of a response.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import type { HttpResponseMessage } from '../message.ts'

/**
 * Component value of `@status`.
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` when the status is not a three-digit integer.
 * @example status(parseHttpMessage('HTTP/1.1 200 OK\n')) // '200'
 */
export function status(message: HttpResponseMessage): string {
  const code = message.status
  if (!Number.isInteger(code) || code < 100 || code > 999) {
    throw new SignetError('ERR_INVALID_COMPONENT', 'the status code is not a three-digit integer')
  }
  return String(code)
}
