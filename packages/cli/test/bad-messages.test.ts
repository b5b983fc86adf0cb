/**
 * Malformed HTTP/1.1 message text thrown at every command that reads a message: each must end
 * in exit 2 with a `{ code, message }` report (CLI.md "Exit codes": malformed HTTP message
 * text), never a crash, a hang or output on standard output.
 */
import { describe, expect, it } from 'vitest'
import { errorReport, run, scratch, vectorJwk } from './helpers.ts'

const work = scratch()
const cwd = work.dir
work.write('ed.jwk', JSON.stringify(vectorJwk('test-key-ed25519')))

const SIG = 'Signature-Input: sig1=("@method");created=1\r\nSignature: sig1=:AAAA:\r\n'

const bad: [string, string][] = [
  ['empty input', ''],
  ['only line endings', '\r\n\r\n'],
  ['no start line', 'Host: example.com\r\n\r\n'],
  ['request line without a target', 'GET HTTP/1.1\r\nHost: h\r\n\r\n'],
  ['unknown protocol version', 'GET / SPDY/9\r\nHost: h\r\n\r\n'],
  ['status line with a word for a status', 'HTTP/1.1 OK Fine\r\n\r\n'],
  ['status code out of range', 'HTTP/1.1 1000 Big\r\n\r\n'],
  ['field line without a colon', `GET / HTTP/1.1\r\nHost: h\r\nJust some words\r\n${SIG}\r\n`],
  ['space before the colon', `GET / HTTP/1.1\r\nHost : h\r\n${SIG}\r\n`],
  ['empty field name', `GET / HTTP/1.1\r\nHost: h\r\n: value\r\n${SIG}\r\n`],
  ['NUL in a field value', `GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u0000b\r\n${SIG}\r\n`],
  ['Content-Length larger than the body', `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n${SIG}\r\nabc`],
  ['Content-Length not a number', `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ten\r\n${SIG}\r\nabc`],
  ['two different Content-Length values', `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n${SIG}\r\nabc`],
  ['chunk size not hex', `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n${SIG}\r\nzz\r\nabc\r\n0\r\n\r\n`],
  ['chunked body cut short', `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n${SIG}\r\n10\r\nabc`],
  ['obs-fold on the first field line', `GET / HTTP/1.1\r\n folded: x\r\nHost: h\r\n${SIG}\r\n`],
]

describe('malformed message text exits 2 on every command', () => {
  for (const [name, text] of bad) {
    for (const argv of [
      ['sign', '--key', 'ed.jwk', '-'],
      ['verify', '--key', 'ed.jwk', '-'],
      ['base', '-'],
    ]) {
      it(`${argv[0]}: ${name}`, async () => {
        const r = await run(argv, { cwd, stdin: text })
        expect(r.stdout).toBe('')
        expect(r.code).toBe(2)
        expect(errorReport(r).code).toMatch(/^ERR_(MALFORMED_MESSAGE|BODY_TOO_LARGE|FIELD_TOO_LARGE)$/)
      })
    }
  }
})
