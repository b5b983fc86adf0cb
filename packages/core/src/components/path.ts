/**
 * `@path` (RFC 9421 section 2.2.6): the absolute path of the target URI, without the query,
 * as sent: percent-encoding is kept and dot segments are not removed. An empty path is `/`
 * (RFC 9110 section 4.2.3).
 *
 * @module
 */
import type { HttpRequestMessage } from '../message.ts'
import { pathAndQuery } from './request-target.ts'

/**
 * Component value of `@path`.
 *
 * @example path(parseHttpMessage('GET /a/../b?x HTTP/1.1\nHost: h')) // '/a/../b'
 */
export function path(message: HttpRequestMessage): string {
  const pq = pathAndQuery(message.target)
  const q = pq.indexOf('?')
  const p = q < 0 ? pq : pq.slice(0, q)
  return p === '' ? '/' : p
}
