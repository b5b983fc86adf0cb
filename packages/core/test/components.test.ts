/**
 * RFC 9421 section 2 component canonicalization: the 23 component lines of the vector file
 * first, then the RFC text's rules, then properties and bad inputs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  componentValue,
  parseComponentIdentifier,
  serializeComponentIdentifier,
  type ComponentIdentifier,
} from '../src/components/index.ts'
import { hasErrorCode, type SignetErrorCode } from '../src/errors.ts'
import type { HttpMessage, HttpRequestMessage } from '../src/message.ts'
import { parseHttpMessage } from '../src/message/index.ts'
import { createSignatureBase } from '../src/signature-base.ts'
import { vectors } from './rfc9421-vectors.ts'

/** Split a base line at the first `: ` that ends a valid identifier. */
function splitLine(line: string): [ComponentIdentifier, string] {
  let at = line.indexOf(': ')
  while (at >= 0) {
    try {
      return [parseComponentIdentifier(line.slice(0, at)), line.slice(at + 2)]
    } catch {
      at = line.indexOf(': ', at + 1)
    }
  }
  throw new Error(`no identifier in ${line}`)
}

function expectCode(fn: () => unknown, code: SignetErrorCode): void {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown, `expected ${code}`).toBeDefined()
  expect(hasErrorCode(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true)
}

const fieldTypes = { 'example-dict': 'dictionary' } as const

describe('RFC 9421 vector component lines', () => {
  const cases = vectors.component_examples.filter((c) => c.input.raw_fields !== undefined || c.input.raw_message !== undefined)
  it('has the published examples', () => {
    expect(vectors.component_examples.length).toBe(23)
    expect(cases.length).toBe(22)
  })
  for (const [i, example] of cases.entries()) {
    for (const line of example.expected_base_lines) {
      it(`${example.section} #${i}: ${line.slice(0, 60)}`, () => {
        // Field-only examples get a request line, and the Host an origin-form request needs when they have none.
        const fieldsText = example.input.raw_fields as string
        const raw = example.input.raw_message ?? 'GET /foo HTTP/1.1\n' + (/^host:/im.test(fieldsText ?? '') ? '' : 'Host: example.com\n') + fieldsText
        const message = parseHttpMessage(raw, { scheme: example.input.scheme ?? 'https' })
        const [id, expected] = splitLine(line)
        expect(componentValue(message, id, { fieldTypes })).toBe(expected)
        // The identifier re-serializes to the text it was parsed from.
        expect(serializeComponentIdentifier(id)).toBe(line.slice(0, line.length - expected.length - 2))
      })
    }
  }
  it('2.3 signature params example keeps its parameter order', async () => {
    const { parseSignatureInput } = await import('../src/structured/signature-input.ts')
    const example = vectors.component_examples.find((c) => c.section.startsWith('2.3'))!
    const value = example.expected_base_lines[0]!
    const member = parseSignatureInput(['sig1=' + value]).get('sig1')!
    expect(member.serialized).toBe(value)
    expect(Object.keys(member.params)).toEqual(['keyid', 'alg', 'created', 'expires'])
  })
})

function req(text: string, scheme = 'https'): HttpRequestMessage {
  const m = parseHttpMessage(text, { scheme })
  if (m.kind !== 'request') throw new Error('not a request')
  return m
}
const id = parseComponentIdentifier
const value = (m: HttpMessage, text: string): string => componentValue(m, id(text))

describe('derived components (RFC 9421 section 2.2)', () => {
  it('@method is never case-folded', () => {
    expect(value(req('post /p HTTP/1.1\nHost: h'), '"@method"')).toBe('post')
  })
  it('@target-uri uses the Host value and target as sent', () => {
    const m = req('GET /a/../b%2f?x=1&y HTTP/1.1\nHost: Example.COM:443', 'https')
    expect(value(m, '"@target-uri"')).toBe('https://Example.COM:443/a/../b%2f?x=1&y')
    expect(value(m, '"@authority"')).toBe('example.com')
    expect(value(m, '"@path"')).toBe('/a/../b%2f')
    expect(value(m, '"@query"')).toBe('?x=1&y')
    expect(value(m, '"@request-target"')).toBe('/a/../b%2f?x=1&y')
  })
  it('@authority drops only the default port of the scheme', () => {
    expect(value(req('GET / HTTP/1.1\nHost: h:80', 'http'), '"@authority"')).toBe('h')
    expect(value(req('GET / HTTP/1.1\nHost: h:80', 'https'), '"@authority"')).toBe('h:80')
    expect(value(req('GET / HTTP/1.1\nHost: [::1]:8443'), '"@authority"')).toBe('[::1]:8443')
    expect(value(req('GET / HTTP/1.1\nHost: [::1]:443'), '"@authority"')).toBe('[::1]')
    expect(value(req('GET / HTTP/1.1\nHost: h:'), '"@authority"')).toBe('h')
  })
  it('absolute-form target: URI as sent, authority from the URI', () => {
    const m = req('GET HTTP://WWW.Example.com:443/p?q HTTP/1.1\nHost: ignored')
    expect(value(m, '"@target-uri"')).toBe('HTTP://WWW.Example.com:443/p?q')
    expect(value(m, '"@scheme"')).toBe('http')
    expect(value(m, '"@authority"')).toBe('www.example.com:443')
    expect(value(m, '"@path"')).toBe('/p')
  })
  it('authority-form and asterisk-form have an empty path and query', () => {
    const connect = req('CONNECT www.example.com:80 HTTP/1.1\nHost: www.example.com')
    expect(value(connect, '"@target-uri"')).toBe('https://www.example.com:80')
    expect(value(connect, '"@path"')).toBe('/')
    expect(value(connect, '"@query"')).toBe('?')
    const star = req('OPTIONS * HTTP/1.1\nHost: www.example.com')
    expect(value(star, '"@target-uri"')).toBe('https://www.example.com')
    expect(value(star, '"@path"')).toBe('/')
  })
  it('@query of an empty query is ?', () => {
    expect(value(req('GET /p? HTTP/1.1\nHost: h'), '"@query"')).toBe('?')
  })
  it('@query-param decodes and re-encodes (section 2.2.8)', () => {
    const m = req('GET /p?a=b+c&%61%2A=%7e&e&f=1%2 HTTP/1.1\nHost: h')
    expect(value(m, '"@query-param";name="a"')).toBe('b%20c')
    expect(value(m, '"@query-param";name="a*"')).toBe('%7E')
    expect(value(m, '"@query-param";name="e"')).toBe('')
    expect(value(m, '"@query-param";name="f"')).toBe('1%252')
  })
  it('@query-param: repeated name is ambiguous, absent name is missing', () => {
    const m = req('GET /p?a=1&a=2&b=3 HTTP/1.1\nHost: h')
    expectCode(() => value(m, '"@query-param";name="a"'), 'ERR_AMBIGUOUS_QUERY_PARAM')
    expectCode(() => value(m, '"@query-param";name="c"'), 'ERR_MISSING_COMPONENT')
    expectCode(() => value(m, '"@query-param"'), 'ERR_INVALID_COMPONENT')
    expectCode(() => value(req('GET /p HTTP/1.1\nHost: h'), '"@query-param";name="a"'), 'ERR_MISSING_COMPONENT')
  })
  it('@status applies to responses only, request components need req there', () => {
    const res = parseHttpMessage('HTTP/1.1 404 Not Found\nContent-Type: text/plain\n\nnope')
    expect(value(res, '"@status"')).toBe('404')
    expectCode(() => value(res, '"@method"'), 'ERR_INVALID_COMPONENT')
    expectCode(() => value(res, '"@method";req'), 'ERR_MISSING_COMPONENT')
    expectCode(() => value(req('GET / HTTP/1.1\nHost: h'), '"@status"'), 'ERR_INVALID_COMPONENT')
  })
  it('req reads from the related request; req on a request is an error', () => {
    const request = req('POST /foo?x=1 HTTP/1.1\nHost: example.com\nContent-Type: application/json')
    const res = parseHttpMessage('HTTP/1.1 200 OK\nContent-Type: text/plain', { request })
    expect(value(res, '"@method";req')).toBe('POST')
    expect(value(res, '"content-type";req')).toBe('application/json')
    expect(value(res, '"content-type"')).toBe('text/plain')
    expectCode(() => value(request, '"@method";req'), 'ERR_INVALID_COMPONENT')
  })
  it('unknown derived components and parameters are refused', () => {
    const m = req('GET / HTTP/1.1\nHost: h')
    expectCode(() => value(m, '"@nope"'), 'ERR_UNKNOWN_COMPONENT')
    expectCode(() => value(m, '"@signature-params"'), 'ERR_INVALID_COMPONENT')
    expectCode(() => value(m, '"@method";name="x"'), 'ERR_INVALID_COMPONENT')
    expectCode(() => value(m, '"host";foo'), 'ERR_INVALID_COMPONENT')
  })
})

describe('field components (RFC 9421 section 2.1)', () => {
  const m = req(
    'GET / HTTP/1.1\nHost: h\nX-A:  one  \nX-B: 1\nX-A: two\nX-Dict: a=1, b=(x y);p\nX-Bad-Dict: a=(\nX-Obs: \xe9t\xe9\nTransfer-Encoding: chunked\n\n0\nX-T: trailer value\n',
  )
  it('joins lines with ", " after trimming', () => {
    expect(value(m, '"x-a"')).toBe('one, two')
  })
  it('bs wraps each line separately', () => {
    expect(value(m, '"x-a";bs')).toBe(':b25l:, :dHdv:')
  })
  it('key picks a dictionary member; missing key is an error', () => {
    expect(value(m, '"x-dict";key="b"')).toBe('(x y);p')
    expectCode(() => value(m, '"x-dict";key="z"'), 'ERR_MISSING_COMPONENT')
    expectCode(() => value(m, '"x-bad-dict";key="a"'), 'ERR_MALFORMED_FIELD')
  })
  it('sf needs a known or declared type', () => {
    expectCode(() => value(m, '"x-dict";sf'), 'ERR_INVALID_COMPONENT')
    expect(componentValue(m, id('"x-dict";sf'), { fieldTypes: { 'x-dict': 'dictionary' } })).toBe('a=1, b=(x y);p')
    expect(componentValue(m, id('"x-b";sf'), { fieldTypes: { 'x-b': 'item' } })).toBe('1')
  })
  it('registered structured fields need no declaration', () => {
    const d = req('GET / HTTP/1.1\nHost: h\nContent-Digest:   sha-256=:AAAA:,sha-512=:AAAA:')
    expect(value(d, '"content-digest";sf')).toBe('sha-256=:AAAA:, sha-512=:AAAA:')
  })
  it('bs cannot combine with sf or key', () => {
    expectCode(() => value(m, '"x-dict";bs;sf'), 'ERR_INVALID_COMPONENT')
    expectCode(() => value(m, '"x-dict";bs;key="a"'), 'ERR_INVALID_COMPONENT')
  })
  it('tr reads trailers', () => {
    expect(value(m, '"x-t";tr')).toBe('trailer value')
    expectCode(() => value(m, '"x-t"'), 'ERR_MISSING_COMPONENT')
    expectCode(() => value(m, '"x-a";tr'), 'ERR_MISSING_COMPONENT')
  })
  it('non-ASCII values are refused in the base but carried by bs', () => {
    // The string input is UTF-8 encoded: "été" is the bytes C3 A9 74 C3 A9.
    expect(value(m, '"x-obs";bs')).toBe(':w6l0w6k=:')
    expectCode(() => createSignatureBase(m, [id('"x-obs"')], '("x-obs")'), 'ERR_INVALID_COMPONENT')
    expect(createSignatureBase(m, [id('"x-obs";bs')], '("x-obs";bs)')).toBe('"x-obs";bs: :w6l0w6k=:\n"@signature-params": ("x-obs";bs)')
  })
  it('missing field is an error', () => {
    expectCode(() => value(m, '"x-none"'), 'ERR_MISSING_COMPONENT')
  })
})

describe('component identifiers', () => {
  it('parse and serialize', () => {
    const parsed = id('"@query-param";name="Pet"')
    expect(parsed.name).toBe('@query-param')
    expect(parsed.params.get('name')).toBe('Pet')
    expect(serializeComponentIdentifier(id('"a";key="x\\"y";sf'))).toBe('"a";key="x\\"y";sf')
  })
  it('bad identifiers are coded errors', () => {
    for (const bad of ['', '@method', '"Content-Type"', '"a b"', '"a";key=1', '"a";key=tok', '"a";sf=?0', '"a" "b"', '"\\u00e9"', '"a";', '("a")', '"é"', '"@"', '"a"x']) {
      expectCode(() => id(bad), 'ERR_INVALID_COMPONENT')
    }
  })
  const nameArb = fc.oneof(
    fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,20}$/),
    fc.stringMatching(/^@[a-z][a-z0-9-]{0,15}$/),
  )
  const keyArb = fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,10}$/)
  const valueArb = fc.oneof(fc.constant<true>(true), fc.stringMatching(/^[\x20-\x7e]{0,20}$/))
  const idArb = fc.record({
    name: nameArb,
    params: fc.uniqueArray(fc.tuple(keyArb, valueArb), { selector: (p) => p[0], maxLength: 4 }).map((p) => new Map<string, string | boolean>(p)),
  })
  it('property: parse(serialize(x)) = x', () => {
    fc.assert(
      fc.property(idArb, (x) => {
        const back = parseComponentIdentifier(serializeComponentIdentifier(x))
        expect(back.name).toBe(x.name)
        expect([...back.params]).toEqual([...x.params])
      }),
      { numRuns: 500 },
    )
  })
})

describe('property: a one-byte change to a covered component changes the base', () => {
  const base = (text: string, components: string[]): string =>
    createSignatureBase(parseHttpMessage(text), components.map(id), '()')
  it('holds for field values, method, path, query and authority', () => {
    const components = ['"@method"', '"@authority"', '"@path"', '"@query"', '"x-v"']
    const original = 'POST /path/to?q=v HTTP/1.1\nHost: example.com\nX-V: value-with-text'
    const ref = base(original, components)
    // Positions inside the method, target, Host value and X-V value.
    const head = original.indexOf(' ')
    const positions: number[] = []
    for (let i = 0; i < head; i++) positions.push(i)
    for (let i = head + 1; i < original.indexOf(' HTTP/'); i++) positions.push(i)
    const hostAt = original.indexOf('example.com')
    for (let i = hostAt; i < hostAt + 'example.com'.length; i++) positions.push(i)
    const vAt = original.indexOf('value-with-text')
    for (let i = vAt; i < original.length; i++) positions.push(i)
    fc.assert(
      fc.property(fc.constantFrom(...positions), fc.constantFrom(...'abcXYZ019-_.~'.split('')), (pos, ch) => {
        if (original[pos] === ch) return
        const changed = original.slice(0, pos) + ch + original.slice(pos + 1)
        let other: string
        try {
          other = base(changed, components)
        } catch {
          return // a change that breaks the message is detected too
        }
        // The authority is case-insensitive by design (RFC 9421 section 2.2.3).
        if (pos >= hostAt && pos < hostAt + 11 && original[pos]!.toLowerCase() === ch.toLowerCase()) return
        expect(other).not.toBe(ref)
      }),
      { numRuns: 400 },
    )
  })
})
