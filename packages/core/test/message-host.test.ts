/**
 * Host and the request target's form (RFC 9112 section 3.2): origin-form and asterisk-form carry
 * no authority, so a request in those forms must have exactly one Host field; authority-form
 * (CONNECT) and absolute-form carry their authority and need none. A message without one is
 * ERR_MALFORMED_MESSAGE, never a request with an empty `@authority`.
 */
import { describe, expect, it } from 'vitest'
import { isSignetError } from '../src/errors.ts'
import type { HttpRequestMessage } from '../src/message.ts'
import { parseHttpMessage } from '../src/message/index.ts'

function code(text: string): string | undefined {
  try {
    parseHttpMessage(text)
  } catch (error) {
    if (isSignetError(error)) return error.code
    throw error
  }
  return undefined
}

function request(text: string): HttpRequestMessage {
  const m = parseHttpMessage(text)
  if (m.kind !== 'request') throw new Error('expected a request')
  return m
}

describe('Host by request-target form', () => {
  it.each([
    ['origin-form, CRLF', 'GET /orders?id=7 HTTP/1.1\r\nAccept: */*\r\n\r\n'],
    ['origin-form, LF', 'POST /orders HTTP/1.1\nContent-Length: 2\n\n{}'],
    ['origin-form, no fields at all', 'GET / HTTP/1.1\r\n\r\n'],
    ['origin-form, HTTP/1.0', 'GET / HTTP/1.0\r\n\r\n'],
    ['asterisk-form', 'OPTIONS * HTTP/1.1\r\n\r\n'],
    ['origin-form with only look-alike fields', 'GET / HTTP/1.1\r\nX-Host: a.example\r\nHostname: a.example\r\n\r\n'],
  ])('%s without Host: ERR_MALFORMED_MESSAGE "missing Host"', (_name, text) => {
    expect(code(text)).toBe('ERR_MALFORMED_MESSAGE')
    expect(() => parseHttpMessage(text)).toThrow(/missing Host/)
  })

  it('more than one Host is still refused', () => {
    expect(code('GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n')).toBe('ERR_MALFORMED_MESSAGE')
  })

  it('origin-form and asterisk-form take the authority from Host', () => {
    expect(request('GET /orders HTTP/1.1\r\nHost: api.example:8443\r\n\r\n').authority).toBe('api.example:8443')
    expect(request('OPTIONS * HTTP/1.1\r\nhost: api.example\r\n\r\n').authority).toBe('api.example')
    // An empty Host is what a target URI without authority sends (RFC 9112 section 3.2).
    expect(request('GET / HTTP/1.1\r\nHost:\r\n\r\n').authority).toBe('')
  })

  it('absolute-form and authority-form need no Host', () => {
    const absolute = request('GET http://api.example/orders?id=7 HTTP/1.1\r\n\r\n')
    expect([absolute.scheme, absolute.authority, absolute.target]).toEqual(['http', 'api.example', 'http://api.example/orders?id=7'])
    const connect = request('CONNECT api.example:443 HTTP/1.1\r\n\r\n')
    expect(connect.authority).toBe('api.example:443')
  })

  it('a response needs no Host', () => {
    expect(parseHttpMessage('HTTP/1.1 200 OK\r\n\r\n').kind).toBe('response')
  })
})
