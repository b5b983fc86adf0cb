/**
 * Properties of `signet sign` / `signet verify` on generated messages (fast-check):
 * verify(sign(m)) holds for every algorithm; the output is the input plus field lines; a
 * changed body byte or signature character fails with exit 1.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { run, scratch, vectorJwk } from './helpers.ts'

const work = scratch()
const cwd = work.dir
const keys = ['test-key-ed25519', 'test-shared-secret', 'test-key-ecc-p256', 'test-key-rsa-pss', 'test-key-rsa']
for (const kid of keys) work.write(`${kid}.jwk`, JSON.stringify(vectorJwk(kid)))

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)
const fieldValue = fc.stringMatching(/^[!-~]([ -~]{0,20}[!-~])?$/)
const message = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'patch'),
  path: fc.stringMatching(/^\/[a-zA-Z0-9/._~%-]{0,20}(\?[a-zA-Z0-9=&%+.-]{0,20})?$/),
  host: fc.stringMatching(/^[a-z][a-z0-9.-]{0,15}(:[0-9]{1,5})?$/),
  fields: fc.array(fc.tuple(token.filter((n) => !/^(host|content-length|transfer-encoding|signature|signature-input|content-digest)$/.test(n)), fieldValue), { maxLength: 5 }),
  body: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  eol: fc.constantFrom('\r\n', '\n'),
  kid: fc.constantFrom(...keys),
})

function render(m: { method: string; path: string; host: string; fields: [string, string][]; body: Uint8Array; eol: string }): Uint8Array {
  const head = [`${m.method} ${m.path} HTTP/1.1`, `Host: ${m.host}`, ...m.fields.map(([n, v]) => `${n}: ${v}`), `Content-Length: ${m.body.length}`, '', ''].join(m.eol)
  return new Uint8Array([...new TextEncoder().encode(head), ...m.body])
}

describe('sign/verify properties', () => {
  it('verify(sign(m)) holds; output = input + lines; tampering fails', async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.nat(), async (m, pick) => {
        const input = render(m)
        const signed = await run(['sign', '--key', `${m.kid}.jwk`, '-'], { cwd, stdin: input })
        expect(signed.stderr).toBe('')
        expect(signed.code).toBe(0)
        const out = signed.stdoutBytes
        // Same bytes before the insertion point and after it (the body and the blank line).
        const tail = input.length - m.body.length - m.eol.length
        expect(out.length).toBeGreaterThan(input.length)
        expect(out.subarray(out.length - (input.length - tail))).toEqual(input.subarray(tail))
        const dropDigest = new TextDecoder('latin1').decode(input.subarray(0, tail))
        expect(new TextDecoder('latin1').decode(out.subarray(0, tail))).toBe(dropDigest)

        const ok = await run(['verify', '--key', `${m.kid}.jwk`, '-'], { cwd, stdin: out })
        expect(ok.stderr).toBe('')
        expect(ok.code).toBe(0)

        const body = out.slice()
        const at = body.length - 1 - (pick % m.body.length)
        body[at] = (body[at] as number) ^ 0x01
        expect((await run(['verify', '--key', `${m.kid}.jwk`, '-'], { cwd, stdin: body })).code).toBe(1)

        const text = new TextDecoder('latin1').decode(out)
        const sig = /\nSignature: sig1=:([A-Za-z0-9+/]+)/.exec(text)
        expect(sig).not.toBeNull()
        const start = (sig?.index ?? 0) + '\nSignature: sig1=:'.length
        const i = start + (pick % ((sig?.[1] as string).length - 2))
        const tampered = out.slice()
        tampered[i] = tampered[i] === 0x41 ? 0x42 : 0x41
        expect((await run(['verify', '--key', `${m.kid}.jwk`, '-'], { cwd, stdin: tampered })).code).toBe(1)
      }),
      { numRuns: 40 },
    )
  })
})
