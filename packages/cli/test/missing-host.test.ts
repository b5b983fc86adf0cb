/**
 * `signet sign` (and the other message commands) on an origin-form request without Host: the
 * message is malformed (RFC 9112 section 3.2), so the command exits 2 with ERR_MALFORMED_MESSAGE
 * and writes nothing on standard output, rather than signing an empty `@authority`. The same
 * request in absolute-form names its authority and is signed.
 */
import { describe, expect, it } from 'vitest'
import { errorReport, run, scratch, vectorJwk } from './helpers.ts'

const work = scratch()
const cwd = work.dir
work.write('ed.jwk', JSON.stringify(vectorJwk('test-key-ed25519')))

const NO_HOST = 'POST /orders?id=7 HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'

describe('a request without Host', () => {
  for (const argv of [
    ['sign', '--key', 'ed.jwk', '-'],
    ['base', '-'],
  ]) {
    it(`${argv[0]}: origin-form without Host exits 2 (ERR_MALFORMED_MESSAGE)`, async () => {
      const r = await run(argv, { cwd, stdin: NO_HOST })
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      const report = errorReport(r)
      expect(report.code).toBe('ERR_MALFORMED_MESSAGE')
      expect(report.message).toMatch(/missing Host/)
    })
  }

  it('sign: asterisk-form without Host exits 2', async () => {
    const r = await run(['sign', '--key', 'ed.jwk', '-'], { cwd, stdin: 'OPTIONS * HTTP/1.1\r\n\r\n' })
    expect(r.code).toBe(2)
    expect(errorReport(r).code).toBe('ERR_MALFORMED_MESSAGE')
  })

  it('sign: the same request with Host, or in absolute-form, is signed (exit 0)', async () => {
    for (const text of [
      NO_HOST.replace('\r\n', '\r\nHost: api.example\r\n'),
      NO_HOST.replace('POST /orders', 'POST https://api.example/orders'),
    ]) {
      const r = await run(['sign', '--key', 'ed.jwk', '-'], { cwd, stdin: text })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^Signature-Input: /m)
    }
  })
})
