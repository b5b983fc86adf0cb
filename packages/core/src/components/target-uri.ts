/**
 * `@target-uri` (RFC 9421 section 2.2.2): the target URI of the request (RFC 9110 section 7.1),
 * reconstructed as RFC 9112 section 3.3 says: the absolute-form target as sent; otherwise the
 * scheme, `://`, the authority as sent (the `Host` value) and the origin-form target as sent.
 * The authority-form and asterisk-form targets contribute an empty path and query.
 *
 * Nothing is normalized here: a signer and a verifier that saw the same bytes agree, and a
 * changed byte in the authority or the target changes the value.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import type { HttpRequestMessage } from '../message.ts'
import { pathAndQuery } from './request-target.ts'

/**
 * Component value of `@target-uri`.
 *
 * @throws {SignetError} `ERR_MISSING_COMPONENT` when an origin-form request has no authority.
 * @example targetUri(parseHttpMessage('POST /p?a=1 HTTP/1.1\nHost: www.example.com'))
 *   // 'https://www.example.com/p?a=1'
 */
export function targetUri(message: HttpRequestMessage): string {
  const target = message.target
  if (target.charCodeAt(0) !== 0x2f && target !== '*' && target.includes('://')) return target
  if (message.authority === '') throw new SignetError('ERR_MISSING_COMPONENT', 'the request has no authority (no Host field)')
  return message.scheme + '://' + message.authority + pathAndQuery(target)
}
