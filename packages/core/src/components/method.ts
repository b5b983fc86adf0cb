/**
 * `@method` (RFC 9421 section 2.2.1): the request method as sent. Methods are case-sensitive
 * (RFC 9110 section 9.1), so the value is never upper-cased: `post` and `POST` differ.
 *
 * @module
 */
import type { HttpRequestMessage } from '../message.ts'

/**
 * Component value of `@method`.
 *
 * @example method(parseHttpMessage('POST / HTTP/1.1\nHost: a')) // 'POST'
 */
export function method(message: HttpRequestMessage): string {
  return message.method
}
