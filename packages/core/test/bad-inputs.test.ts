/**
 * One shared list of bad inputs thrown at every public protocol function: each must return or
 * fail with a coded SignetError (or a TypeError for an argument of the wrong type), never crash
 * with anything else and never hang. Random bytes and strings from fast-check go the same way.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkTimes,
  componentValue,
  fromNodeRequest,
  importKey,
  isSignetError,
  parseAcceptSignature,
  parseComponentIdentifier,
  parseHttpMessage,
  parseSignatureField,
  parseSignatureInput,
  parseSignatures,
  parseWantDigest,
  verifyContentDigest,
  verifyMessage,
  type HttpMessage,
} from '../src/entries/index.ts'

const badStrings: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\r\n',
  '\n\n\n',
  '"',
  '""',
  '(',
  ')',
  '()',
  '=',
  ',',
  ';',
  ':',
  '::',
  ':AAA:',
  'a=',
  'a=(',
  'a=("x"',
  'a=("x");',
  'a=("x");created',
  'a=("x");created=-1',
  'a=("x");created=9999999999999999',
  'a=("x" "x")',
  'a=("@method";req;req)',
  'a=("@query-param";name="a" "@query-param";name="a")',
  'a=:' + 'A'.repeat(70000) + ':',
  'a=("' + 'b'.repeat(70000) + '")',
  'sig1=("@method"), sig1=("@path")',
  '\u00e9=()',
  'a=("\u00e9")',
  'a=(\u00e9)',
  '%"\u00ff"',
  '@123',
  '?2',
  '*',
  'HTTP/1.1 200 OK',
  'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(20000),
  'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' + 'ffffffff\r\n',
  'POST / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n',
  '\ud800',
  '\uffff'.repeat(10),
]

function check(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) return
    expect(isSignetError(err), `uncoded failure: ${String(err)}`).toBe(true)
  }
}

async function checkAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) return
    expect(isSignetError(err), `uncoded failure: ${String(err)}`).toBe(true)
  }
}

const request = parseHttpMessage('GET /p?a=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n')

function withFields(input: string, sig: string): HttpMessage {
  return { ...request, fields: [...request.fields, { name: 'signature-input', value: input }, { name: 'signature', value: sig }] }
}

describe('the shared bad-input list', () => {
  it('parsers', () => {
    for (const s of badStrings) {
      check(() => parseHttpMessage(s))
      check(() => parseHttpMessage(new TextEncoder().encode(s)))
      check(() => parseSignatureInput([s]))
      check(() => parseSignatureInput([s, s]))
      check(() => parseSignatureField([s]))
      check(() => parseAcceptSignature([s]))
      check(() => parseComponentIdentifier(s))
      check(() => parseWantDigest(s))
      check(() => checkTimes({ created: Number(s) }, { now: 1 }))
      check(() => fromNodeRequest({ url: s, rawHeaders: ['Host', s, s, s] }))
    }
  })
  it('component values', () => {
    for (const s of badStrings) {
      check(() => componentValue(request, parseComponentIdentifier(s)))
      check(() => componentValue(request, { name: s, params: new Map() }))
      check(() => componentValue(request, { name: 'x-a', params: new Map([[s, s]]) }))
      check(() => componentValue(request, { name: '@query-param', params: new Map([['name', s]]) }))
    }
  })
  it('digests and verification', async () => {
    const key = await importKey({ kty: 'oct', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ' })
    for (const s of badStrings) {
      await checkAsync(() => verifyContentDigest(s, new Uint8Array(1)))
      check(() => parseSignatures(withFields(s, s)))
      await checkAsync(() => verifyMessage(withFields(s, 'sig1=:AAAA:'), { key, now: () => 1 }))
      await checkAsync(() => verifyMessage(withFields('sig1=("@method")', s), { key, now: () => 1 }))
    }
  })
})

describe('random inputs', () => {
  it('parseHttpMessage on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        check(() => parseHttpMessage(bytes))
      }),
      { numRuns: 1500 },
    )
  })
  it('parseHttpMessage on random HTTP-shaped text', () => {
    const line = fc.stringMatching(/^[A-Za-z0-9 :\t\-\/?=&;,"()%.*@]{0,30}$/)
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('\r\n', '\n'), (lines, eol) => {
        check(() => parseHttpMessage(['POST /x HTTP/1.1', ...lines].join(eol)))
        check(() => parseHttpMessage(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', ...lines].join(eol)))
      }),
      { numRuns: 1500 },
    )
  })
  it('component values of random identifiers on a real message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        check(() => componentValue(request, parseComponentIdentifier(text)))
      }),
      { numRuns: 1500 },
    )
  })
})
