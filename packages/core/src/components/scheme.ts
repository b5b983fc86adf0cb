/**
 * `@scheme` (RFC 9421 section 2.2.4): the URI scheme of the target URI, lower-cased (schemes
 * are case-insensitive, RFC 3986 section 3.1).
 *
 * @module
 */
import type { HttpRequestMessage } from '../message.ts'

/**
 * Component value of `@scheme`.
 *
 * @example scheme(parseHttpMessage('GET / HTTP/1.1\nHost: a', { scheme: 'http' })) // 'http'
 */
export function scheme(message: HttpRequestMessage): string {
  return message.scheme.toLowerCase()
}
