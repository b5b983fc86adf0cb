/**
 * `@query` (RFC 9421 section 2.2.7): the query of the target URI as sent, with its leading
 * `?`. A request without a query (or with an empty one) has the value `?`.
 *
 * @module
 */
import type { HttpRequestMessage } from '../message.ts'
import { pathAndQuery } from './request-target.ts'

/** The query as sent, without its `?`, or undefined when the target has none. */
export function rawQuery(message: HttpRequestMessage): string | undefined {
  const pq = pathAndQuery(message.target)
  const q = pq.indexOf('?')
  return q < 0 ? undefined : pq.slice(q + 1)
}

/**
 * Component value of `@query`.
 *
 * @example query(parseHttpMessage('GET /p HTTP/1.1\nHost: h')) // '?'
 */
export function query(message: HttpRequestMessage): string {
  return '?' + (rawQuery(message) ?? '')
}
