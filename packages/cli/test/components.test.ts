/**
 * RFC 9421 section 2 component examples (vectors `component_examples`) through the command
 * line: `signet sign --components ...` then `signet base` must print the RFC's lines, and the
 * RFC 9530 Content-Digest examples through `signet sign --digest`.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { run, scratch, vectorJwk } from './helpers.ts'

interface ComponentExample {
  section: string
  input: { raw_fields?: string; raw_message?: string; scheme?: string; note?: string }
  expected_base_lines: string[]
}
interface DigestExample {
  section: string
  body_hex: string
  algorithm: string
  field_member: string
  computed_matches: boolean
}
const file = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8')) as {
  component_examples: ComponentExample[]
  content_digest_examples: DigestExample[]
}

const work = scratch()
const cwd = work.dir
work.write('ed.jwk', JSON.stringify(vectorJwk('test-key-ed25519')))
work.write('pss.jwk', JSON.stringify(vectorJwk('test-key-rsa-pss')))

/** The identifier part of a base line: everything before the first ": " (RFC 9421 section 2.5). */
function identifierOf(line: string): string {
  return line.slice(0, line.indexOf(': '))
}

describe('RFC 9421 section 2 component values through sign and base', () => {
  file.component_examples.forEach((example, index) => {
    const { raw_fields: fields, raw_message: raw, scheme = 'https' } = example.input
    if (fields === undefined && raw === undefined) return
    it(`${example.section} #${index}`, async () => {
      const text =
        raw !== undefined
          ? `${raw}\n\n`
          : `GET / HTTP/1.1\n${/^host:/im.test(fields as string) ? '' : 'Host: www.example.com\n'}${fields}\n\n`
      const name = work.write(`component-${index}.http`, text)
      const components = example.expected_base_lines.map(identifierOf).join(' ')
      const common = ['--scheme', scheme, '--field-type', 'example-dict=dictionary']
      const signed = await run(
        ['sign', '--key', 'ed.jwk', '--components', components, '--created', '1', '--nonce', 'none', '--digest', 'none', ...common, name],
        { cwd },
      )
      expect(signed.stderr).toBe('')
      expect(signed.code).toBe(0)
      const signedName = work.write(`component-${index}.signed.http`, signed.stdoutBytes)
      const base = await run(['base', ...common, signedName], { cwd })
      expect(base.stderr).toBe('')
      expect(base.code).toBe(0)
      const lines = base.stdout.split('\n')
      expect(lines[0]).toBe('# sig1')
      expect(lines.slice(1, 1 + example.expected_base_lines.length)).toEqual(example.expected_base_lines)
      const verified = await run(['verify', '--key', 'ed.jwk', ...common, signedName], { cwd })
      expect(verified.stderr).toBe('')
      expect(verified.code).toBe(0)
    })
  })

  it('2.3: @signature-params keeps the parameter order of the flags', async () => {
    const example = file.component_examples.find((e) => e.section.startsWith('2.3')) as ComponentExample
    const name = work.write(
      'params.http',
      'GET /foo HTTP/1.1\r\nHost: example.com\r\nDate: Tue, 20 Apr 2021 02:07:55 GMT\r\nCache-Control: max-age=60\r\n\r\n',
    )
    const r = await run(
      ['sign', '--key', 'pss.jwk', '--components', '"@target-uri" "@authority" "date" "cache-control"', '--keyid', 'test-key-rsa-pss',
        '--alg', 'rsa-pss-sha512', '--created', '1618884475', '--expires', '1618884775', '--nonce', 'none', name],
      { cwd },
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`\r\nSignature-Input: sig1=${example.expected_base_lines[0]}\r\n`)
  })
})

describe('RFC 9530 Content-Digest examples through signet sign --digest', () => {
  for (const example of file.content_digest_examples) {
    if (!example.computed_matches || (example.algorithm !== 'sha-256' && example.algorithm !== 'sha-512')) continue
    if (!/^sha-(256|512)=:[A-Za-z0-9+/=]+:$/.test(example.field_member)) continue
    it(`${example.section} ${example.algorithm} (${example.body_hex.length / 2} bytes)`, async () => {
      const body = Buffer.from(example.body_hex, 'hex')
      const head = Buffer.from(`POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`)
      const r = await run(['sign', '--key', 'ed.jwk', '--digest', example.algorithm, '-'], { cwd, stdin: Buffer.concat([head, body]) })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`\r\nContent-Digest: ${example.field_member}\r\n`)
    })
  }
})
