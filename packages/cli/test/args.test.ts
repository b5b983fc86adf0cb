/**
 * The option parser and the shared option values (component lists, field types, seconds) and
 * the byte splicing of message files.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatUsage, getAll, getString, isHelpRequest, parseAlgorithm, parseArgs, parseFieldTypes, parseSeconds, splitComponents } from '../src/args.ts'
import type { HelpRequest, OptionSpecs } from '../src/args.ts'
import { redactSecrets } from '../src/io.ts'
import { headerLayout, spliceFieldLines } from '../src/message-file.ts'

const specs: OptionSpecs = {
  key: { type: 'string' },
  label: { type: 'string' },
  'field-type': { type: 'string', multiple: true },
  help: { type: 'boolean' },
}

function usageCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('parseArgs', () => {
  it('takes options in any order around the file, keeps their order', () => {
    const a = parseArgs(['--label', 'x', 'msg.http', '--key=k.jwk', '--field-type', 'a=item', '--field-type', 'b=list'], specs, {
      command: 't',
      maxPositionals: 1,
    })
    expect(getString(a, 'label')).toBe('x')
    expect(getString(a, 'key')).toBe('k.jwk')
    expect(getAll(a, 'field-type')).toEqual(['a=item', 'b=list'])
    expect(a.positionals).toEqual(['msg.http'])
    expect(a.order).toEqual(['label', 'key', 'field-type'])
  })

  it('a value may be empty or start with a dash; "-" is a file; "--" ends options', () => {
    const a = parseArgs(['--label', '', '--key', '--weird', '-'], specs, { command: 't' })
    expect(getString(a, 'label')).toBe('')
    expect(getString(a, 'key')).toBe('--weird')
    expect(a.positionals).toEqual(['-'])
    const b = parseArgs(['--', '--label'], specs, { command: 't' })
    expect(b.positionals).toEqual(['--label'])
    expect(getString(b, 'label')).toBeUndefined()
  })

  it('rejects unknown options, missing values, repeats, extra files, prototype names', () => {
    const bad: string[][] = [
      ['--nope'],
      ['-k', 'x'],
      ['--key'],
      ['--key', 'a', '--key', 'b'],
      ['a', 'b'],
      ['--help=yes'],
      ['--constructor', 'x'],
      ['--__proto__', 'x'],
    ]
    for (const argv of bad) {
      expect(usageCode(() => parseArgs(argv, specs, { command: 't', maxPositionals: 1 })), argv.join(' ')).toBe('ERR_USAGE')
    }
  })

  it('never throws anything but ERR_USAGE on arbitrary argv', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('--key', '--label', '--help', '--field-type', '-', '--'))), (argv) => {
        const code = usageCode(() => parseArgs(argv, specs, { command: 't', maxPositionals: 1 }))
        expect(code === undefined || code === 'ERR_USAGE').toBe(true)
      }),
    )
  })
})

describe('option values', () => {
  it('splitComponents follows RFC 9421 identifier syntax', () => {
    expect(splitComponents('"@method" "@query-param";name="Pet" "content-digest"', 'c', 't')).toEqual([
      '"@method"',
      '"@query-param";name="Pet"',
      '"content-digest"',
    ])
    expect(splitComponents('', 'c', 't')).toEqual([])
    expect(splitComponents('   ', 'c', 't')).toEqual([])
    expect(splitComponents('"@query-param";name="a b"  "x"', 'c', 't')).toEqual(['"@query-param";name="a b"', '"x"'])
    expect(splitComponents('"a\\"b" c', 'c', 't')).toEqual(['"a\\"b"', '"c"'])
    expect(splitComponents('@method @query-param;name="a"', 'c', 't')).toEqual(['"@method"', '"@query-param";name="a"'])
    expect(usageCode(() => splitComponents('"@method', 'c', 't'))).toBe('ERR_USAGE')
  })

  it('parseFieldTypes', () => {
    expect(parseFieldTypes([], 't')).toBeUndefined()
    expect(parseFieldTypes(['X-A=item', 'b=dictionary', 'c=list'], 't')).toEqual({ 'x-a': 'item', b: 'dictionary', c: 'list' })
    for (const bad of ['x', '=item', 'x=string', 'x=']) expect(usageCode(() => parseFieldTypes([bad], 't'))).toBe('ERR_USAGE')
  })

  it('parseSeconds', () => {
    expect(parseSeconds('0', 'now', 't')).toBe(0)
    expect(parseSeconds('1618884473', 'now', 't')).toBe(1618884473)
    for (const bad of ['', '-1', '1.5', '1e9', ' 1', 'now', '9999999999999999']) {
      expect(usageCode(() => parseSeconds(bad, 'now', 't')), bad).toBe('ERR_USAGE')
    }
  })
})

describe('splicing field lines', () => {
  const enc = new TextEncoder()
  const dec = new TextDecoder()
  const splice = (text: string, remove: string[], append: [string, string][]) =>
    dec.decode(spliceFieldLines(enc.encode(text), { remove, append }))

  it('appends before the blank line in the input line endings', () => {
    expect(splice('GET / HTTP/1.1\r\nHost: h\r\n\r\nbody', [], [['A', '1']])).toBe('GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\n\r\nbody')
    expect(splice('GET / HTTP/1.1\nHost: h\n\nbody\r\n\r\n', [], [['A', '1']])).toBe('GET / HTTP/1.1\nHost: h\nA: 1\n\nbody\r\n\r\n')
  })

  it('removes every line of a field, obs-fold continuations included, case-insensitively', () => {
    const text = 'GET / HTTP/1.1\r\nContent-Digest: a\r\n  b\r\nHost: h\r\nCONTENT-DIGEST: c\r\n\r\n'
    expect(splice(text, ['content-digest'], [['Content-Digest', 'd']])).toBe('GET / HTTP/1.1\r\nHost: h\r\nContent-Digest: d\r\n\r\n')
  })

  it('handles a message without blank line or final line ending', () => {
    expect(splice('GET / HTTP/1.1\nHost: h', [], [['A', '1']])).toBe('GET / HTTP/1.1\nHost: h\nA: 1\n')
    expect(splice('GET / HTTP/1.1\nHost: h\n', [], [['A', '1']])).toBe('GET / HTTP/1.1\nHost: h\nA: 1\n')
  })

  it('keeps every other byte (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('A', 'b-c', 'Content-Digest', 'X'), fc.stringMatching(/^[ -~]{0,20}$/)), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom('\r\n', '\n'),
        (fields, body, eol) => {
          const head = enc.encode(['POST / HTTP/1.1', ...fields.map(([n, v]) => `${n}: ${v.trim()}`), '', ''].join(eol))
          const bytes = new Uint8Array([...head, ...body])
          const layout = headerLayout(bytes)
          expect(layout.eol).toBe(eol)
          expect(layout.fields.map((f) => f.name)).toEqual(fields.map(([n]) => n.toLowerCase()))
          const out = spliceFieldLines(bytes, { append: [['Z', 'z']] })
          const added = enc.encode(`Z: z${eol}`)
          expect(out.length).toBe(bytes.length + added.length)
          expect(out.subarray(0, layout.insertAt)).toEqual(bytes.subarray(0, layout.insertAt))
          expect(out.subarray(layout.insertAt + added.length)).toEqual(bytes.subarray(layout.insertAt))
        },
      ),
    )
  })
})

describe('parseArgs on node:util parseArgs: short options, help, the usage text', () => {
  const curl: OptionSpecs = {
    request: { type: 'string', short: 'X', description: 'the method', default: 'GET' },
    header: { type: 'string', short: 'H', multiple: true, valueName: '"Name: value"' },
    include: { type: 'boolean', short: 'i' },
  }

  it('a short alias fills its long option, in order with the long ones; -iH groups like curl', () => {
    const a = parseArgs(['-X', 'PUT', '-H', 'A: 1', '--header', 'B: 2', '-iHC: 3', 'http://x/'], curl, { command: 'fetch' })
    expect(getString(a, 'request')).toBe('PUT')
    expect(getAll(a, 'header')).toEqual(['A: 1', 'B: 2', 'C: 3'])
    expect(a.order).toEqual(['request', 'header', 'include'])
    expect(a.positionals).toEqual(['http://x/'])
  })

  it('an unknown letter, a value on a switch and a missing value are ERR_USAGE', () => {
    for (const argv of [['-k'], ['-Z', 'x'], ['--include=yes'], ['-X'], ['--request']]) {
      expect(usageCode(() => parseArgs(argv, curl, { command: 'fetch' })), argv.join(' ')).toBe('ERR_USAGE')
    }
  })

  it('--help or -h before -- is a HelpRequest carrying the usage with every option and default', () => {
    let thrown: unknown
    try {
      parseArgs(['-X', 'bad', '--nope', '-h'], curl, { command: 'fetch', usage: { synopsis: 'fetch URL', summary: 'Send it.', notes: 'Exit 0.' } })
    } catch (error) {
      thrown = error
    }
    expect(isHelpRequest(thrown)).toBe(true)
    const text = (thrown as HelpRequest).text
    expect(text.startsWith('Usage: signet fetch URL\n\nSend it.\n\nOptions:\n')).toBe(true)
    expect(text).toMatch(/-X, --request REQUEST\s+the method \(default: GET\)/)
    expect(text).toContain('-H, --header "Name: value"')
    expect(text).toContain('-h, --help')
    expect(text.endsWith('Exit 0.\n')).toBe(true)
    expect(usageCode(() => parseArgs(['--', '--help'], curl, { command: 'fetch' }))).toBeUndefined()
  })

  it('formatUsage wraps long descriptions under their column', () => {
    const text = formatUsage({ long: { type: 'string', description: 'word '.repeat(40).trim() } }, { command: 'x' })
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(96)
  })

  it('parseAlgorithm takes RFC 9421 names and JOSE aliases; anything else lists both', () => {
    expect(parseAlgorithm('ES256', 'alg', 'keygen')).toBe('ecdsa-p256-sha256')
    expect(parseAlgorithm('EdDSA', 'alg', 'keygen')).toBe('ed25519')
    expect(parseAlgorithm('PS512', 'alg')).toBe('rsa-pss-sha512')
    expect(parseAlgorithm('RS256', 'alg')).toBe('rsa-v1_5-sha256')
    expect(parseAlgorithm('HS256', 'alg')).toBe('hmac-sha256')
    expect(parseAlgorithm('ecdsa-p384-sha384', 'alg')).toBe('ecdsa-p384-sha384')
    try {
      parseAlgorithm('es256', 'alg', 'sign')
      expect.unreachable()
    } catch (error) {
      expect((error as { code: string }).code).toBe('ERR_ALG_UNSUPPORTED')
      expect((error as Error).message).toContain('hmac-sha256, ed25519, rsa-pss-sha512, rsa-v1_5-sha256, ecdsa-p256-sha256, ecdsa-p384-sha384 (or HS256, EdDSA, PS512, RS256, ES256, ES384)')
    }
  })
})

describe('redactSecrets', () => {
  it('removes registry secrets, URL passwords and private JWK members, and leaves the rest', () => {
    const secret = `sgn_sk_${'A1b2'.repeat(12)}Z`
    expect(redactSecrets(`malformed key id "${secret}"`)).toBe('malformed key id "sgn_sk_[redacted]"')
    expect(redactSecrets('cannot reach rediss://user:hunter2@db.local:6380/0')).toBe('cannot reach rediss://[redacted]@db.local:6380/0')
    expect(redactSecrets('got "redis://:pw@127.0.0.1:1"')).toBe('got "redis://[redacted]@127.0.0.1:1"')
    expect(redactSecrets('{"kty":"oct","k":"c2VjcmV0","kid":"a"} {"d": "abc"}')).toBe('{"kty":"oct","k":"[redacted]","kid":"a"} {"d": "[redacted]"}')
    const plain = 'no secret in https://example.com/a@b here, kid "sgn_id_abc"'
    expect(redactSecrets(plain)).toBe(plain)
  })
})
