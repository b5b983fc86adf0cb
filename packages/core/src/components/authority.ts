/**
 * `@authority` (RFC 9421 section 2.2.3): the authority of the target URI, normalized as
 * RFC 9110 section 4.2.3 says: the host lower-cased, and the port dropped when it is the
 * default port of the scheme (80 for http, 443 for https) or empty.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import type { HttpRequestMessage } from '../message.ts'

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443', ws: '80', wss: '443' }

/**
 * Normalize an authority for the given scheme.
 *
 * @example normalizeAuthority('Example.COM:443', 'https') // 'example.com'
 */
export function normalizeAuthority(authority: string, scheme: string): string {
  // The port separator is the last ':' outside an IPv6 literal's brackets.
  const close = authority.lastIndexOf(']')
  const colon = authority.lastIndexOf(':')
  let host = authority
  let port: string | undefined
  if (colon > close) {
    host = authority.slice(0, colon)
    port = authority.slice(colon + 1)
  }
  host = host.toLowerCase()
  if (port === undefined || port === '' || DEFAULT_PORTS[scheme.toLowerCase()] === port) return host
  return host + ':' + port
}

/**
 * Component value of `@authority`.
 *
 * @throws {SignetError} `ERR_MISSING_COMPONENT` when the request has no authority (no `Host`).
 * @example authority(parseHttpMessage('GET / HTTP/1.1\nHost: Example.com:443')) // 'example.com'
 */
export function authority(message: HttpRequestMessage): string {
  if (message.authority === '') throw new SignetError('ERR_MISSING_COMPONENT', 'the request has no authority (no Host field)')
  return normalizeAuthority(message.authority, message.scheme)
}
