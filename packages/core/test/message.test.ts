/**
 * Message builders: every message of the RFC 9421 vector file parses (CRLF and LF), raw
 * HTTP/1.1 details (obs-fold, chunked with trailers, target forms), Fetch and Node builders,
 * and a list of malformed messages, each an ERR_MALFORMED_MESSAGE.
 */
import { describe, expect, it } from 'vitest'
import { fromUtf8, utf8 } from '../src/bytes.ts'
import { hasErrorCode } from '../src/errors.ts'
import type { HttpMessage } from '../src/message.ts'
import { fromFetchRequest, fromFetchResponse, fromNodeRequest, parseHttpMessage } from '../src/message/index.ts'
import { vectors } from './rfc9421-vectors.ts'

function fieldsOf(m: HttpMessage): [string, string][] {
  return m.fields.map((f) => [f.name, f.value])
}

describe('RFC 9421 vector messages', () => {
  for (const [name, v] of Object.entries(vectors.messages)) {
    for (const [ending, raw] of [['CRLF', v.raw_crlf], ['LF', v.raw_crlf.replaceAll('\r\n', '\n')]] as const) {
      it(`${name} (${ending})`, () => {
        const m = parseHttpMessage(raw, { scheme: v.scheme ?? 'https' })
        expect(fieldsOf(m)).toEqual(v.headers.map(([n, val]) => [n.toLowerCase(), val]))
        expect(m.body === undefined ? '' : fromUtf8(m.body)).toBe(v.body)
        if (m.kind === 'request') {
          expect(m.method).toBe(v.method)
          expect(m.target).toBe(v.request_target)
          if (v.authority !== undefined) expect(m.authority).toBe(v.authority)
        } else {
          expect(m.status).toBe(v.status)
        }
      })
    }
  }
  it('bytes and text inputs agree', () => {
    const v = vectors.messages['test-request']!
    expect(parseHttpMessage(utf8(v.raw_crlf))).toEqual(parseHttpMessage(v.raw_crlf))
  })
})

describe('raw HTTP/1.1', () => {
  it('obs-fold becomes one space, values are trimmed', () => {
    const m = parseHttpMessage('GET / HTTP/1.1\r\nHost: h\r\nX-Fold: a  \r\n   b\r\n\tc\r\nX-Ws: \t v \t\r\n\r\n')
    expect(fieldsOf(m)).toEqual([['host', 'h'], ['x-fold', 'a b c'], ['x-ws', 'v']])
  })
  it('chunked body decoded, trailers kept, extensions ignored', () => {
    const m = parseHttpMessage('POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, Chunked\r\nTrailer: X-T\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: t1\r\nX-T: t2\r\n\r\n')
    expect(fromUtf8(m.body!)).toBe('hello world')
    expect(m.trailers).toEqual([{ name: 'x-t', value: 't1' }, { name: 'x-t', value: 't2' }])
  })
  it('chunk data may contain line endings', () => {
    const m = parseHttpMessage('POST /p HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n3\na\nb\n0\n\n')
    expect(fromUtf8(m.body!)).toBe('a\nb')
  })
  it('Content-Length frames the body', () => {
    const m = parseHttpMessage('POST /p HTTP/1.1\nHost: h\nContent-Length: 3\n\nabcdef')
    expect(fromUtf8(m.body!)).toBe('abc')
  })
  it('no body gives undefined', () => {
    expect(parseHttpMessage('GET /p HTTP/1.1\nHost: h\n\n').body).toBeUndefined()
    expect(parseHttpMessage('GET /p HTTP/1.1\nHost: h').body).toBeUndefined()
  })
  it('scheme option and default', () => {
    const a = parseHttpMessage('GET / HTTP/1.1\nHost: h')
    const b = parseHttpMessage('GET / HTTP/1.1\nHost: h', { scheme: 'HTTP' })
    expect(a.kind === 'request' && a.scheme).toBe('https')
    expect(b.kind === 'request' && b.scheme).toBe('http')
  })
  it('binary body bytes are kept exactly', () => {
    const head = utf8('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n')
    const input = new Uint8Array([...head, 0, 0xff, 0x0d, 0x0a])
    expect([...parseHttpMessage(input).body!]).toEqual([0, 0xff, 0x0d, 0x0a])
  })
  it('response keeps the related request', () => {
    const request = parseHttpMessage('GET / HTTP/1.1\nHost: h')
    const res = parseHttpMessage('HTTP/1.1 204 No Content\n\n', { request: request as never })
    expect(res.kind === 'response' && res.request).toBe(request)
  })
  const malformed = [
    '',
    '\r\n\r\n',
    'GET\r\n',
    'GET /\r\n',
    'GET / HTTP/x\r\n',
    'G@T / HTTP/1.1\r\n',
    'GET /a b HTTP/1.1\r\n',
    'GET /a#frag HTTP/1.1\r\nHost: h\r\n',
    'GET /é HTTP/1.1\r\n',
    'HTTP/1.1 20 OK\r\n',
    'HTTP/1.1 abc OK\r\n',
    'GET / HTTP/1.1\r\n folded-first: x\r\n',
    'GET / HTTP/1.1\r\nNo colon\r\n',
    'GET / HTTP/1.1\r\nBad Name: x\r\n',
    'GET / HTTP/1.1\r\nName : x\r\n',
    'GET / HTTP/1.1\r\n: x\r\n',
    'GET / HTTP/1.1\r\nX: a\x00b\r\n',
    'GET / HTTP/1.1\r\nX: a\rb\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n',
    'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc',
    'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
    'POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\nab',
    'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab\r\n',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
    'GET https:///p HTTP/1.1\r\n',
    'GET https://user@h/p HTTP/1.1\r\n',
    'CONNECT a/b HTTP/1.1\r\n',
  ]
  for (const text of malformed) {
    it(`malformed: ${JSON.stringify(text).slice(0, 70)}`, () => {
      let thrown: unknown
      try {
        parseHttpMessage(text)
      } catch (err) {
        thrown = err
      }
      expect(hasErrorCode(thrown, 'ERR_MALFORMED_MESSAGE'), String(thrown)).toBe(true)
    })
  }
  it('misuse is a TypeError', () => {
    expect(() => parseHttpMessage(42 as never)).toThrow(TypeError)
    expect(() => parseHttpMessage('GET / HTTP/1.1', { scheme: 'a b' })).toThrow(TypeError)
  })
})

describe('Fetch and Node builders', () => {
  it('fromFetchRequest reads url, headers and body from a clone', async () => {
    const request = new Request('https://Example.com:8443/p/a%20b?x=1#frag', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'X-A': '  v  ' },
      body: 'hello',
    })
    const m = await fromFetchRequest(request)
    expect(m.method).toBe('POST')
    expect(m.scheme).toBe('https')
    expect(m.authority).toBe('example.com:8443')
    expect(m.target).toBe('/p/a%20b?x=1')
    expect(m.fields).toContainEqual({ name: 'x-a', value: 'v' })
    expect(fromUtf8(m.body!)).toBe('hello')
    expect(await request.text()).toBe('hello')
  })
  it('fromFetchRequest keeps an empty query and has no body for GET', async () => {
    const m = await fromFetchRequest(new Request('http://h/p?'))
    expect(m.target).toBe('/p?')
    expect(m.body).toBeUndefined()
  })
  it('fromFetchRequest refuses a used body', async () => {
    const request = new Request('https://h/', { method: 'POST', body: 'x' })
    await request.text()
    await expect(fromFetchRequest(request)).rejects.toMatchObject({ code: 'ERR_BODY_USED' })
  })
  it('fromFetchResponse', async () => {
    const request = await fromFetchRequest(new Request('https://h/'))
    const m = await fromFetchResponse(new Response('{"a":1}', { status: 201, headers: { 'content-type': 'application/json' } }), request)
    expect(m.status).toBe(201)
    expect(m.request).toBe(request)
    expect(fromUtf8(m.body!)).toBe('{"a":1}')
  })
  it('fromNodeRequest keeps field lines apart and reads Host', () => {
    const m = fromNodeRequest(
      { method: 'get', url: '/p?q', rawHeaders: ['Host', 'Example.com', 'Accept', 'a', 'Accept', 'b'], rawTrailers: ['X-T', 't'] },
      { scheme: 'http', body: utf8('xy') },
    )
    expect(m).toMatchObject({ method: 'get', scheme: 'http', authority: 'Example.com', target: '/p?q' })
    expect(fieldsOf(m)).toEqual([['host', 'Example.com'], ['accept', 'a'], ['accept', 'b']])
    expect(m.trailers).toEqual([{ name: 'x-t', value: 't' }])
    expect(fromUtf8(m.body!)).toBe('xy')
  })
  it('fromNodeRequest: absolute-form target, default scheme, duplicate Host', () => {
    const m = fromNodeRequest({ url: 'http://proxy.example:81/x', rawHeaders: ['Host', 'other'] })
    expect(m).toMatchObject({ method: 'GET', scheme: 'http', authority: 'proxy.example:81' })
    expect(fromNodeRequest({ url: '/', rawHeaders: [] }).scheme).toBe('https')
    expect(() => fromNodeRequest({ url: '/', rawHeaders: ['Host', 'a', 'host', 'b'] })).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_MESSAGE' }))
    expect(() => fromNodeRequest({} as never)).toThrow(TypeError)
  })
})
