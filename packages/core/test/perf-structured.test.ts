/**
 * The hot-path parsers against their references: the fast dictionary scanner against
 * `structured-headers` (same inputs accepted and rejected, equal values, canonical spans equal
 * to the canonical serialization), Signature-Input's sliced `@signature-params` against the
 * `structured-headers` serialization, and the table-based base64 against a bit-by-bit
 * reference. Correctness only: nothing here is timed.
 */
import fc from 'fast-check'
import { DisplayString, Token, parseDictionary, serializeInnerList, serializeItem, type Dictionary } from 'structured-headers'
import { describe, expect, it } from 'vitest'
import { decodeBase64Range, fromBase64, fromBase64Url, toBase64, toBase64Url } from '../src/bytes.ts'
import { isComponentName } from '../src/components/component-identifier.ts'
import { isSignetError } from '../src/errors.ts'
import { parseStructuredDictionary, scanDictionary } from '../src/structured/dictionary.ts'
import { parseSignatureField, parseSignatureInput } from '../src/structured/index.ts'

/** A structure vitest can compare exactly: -0, ArrayBuffer, Token, Date and DisplayString made explicit. */
function plain(value: unknown): unknown {
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [k, plain(v)]) }
  if (Array.isArray(value)) return value.map(plain)
  // Byte sequences: structured-headers gives an ArrayBuffer, the fast scan a Uint8Array view.
  if (value instanceof ArrayBuffer || value instanceof Uint8Array) return { bytes: [...new Uint8Array(value)] }
  if (value instanceof Token) return { token: value.toString() }
  if (value instanceof DisplayString) return { display: value.toString() }
  if (value instanceof Date) return { date: value.getTime() }
  if (typeof value === 'number') return Object.is(value, -0) ? { negativeZero: true } : value
  return value
}

function reference(text: string): { ok: true; dict: Dictionary } | { ok: false } {
  try {
    return { ok: true, dict: parseDictionary(text) }
  } catch {
    return { ok: false }
  }
}

// ----------------------------------------------------------------------------- generators
const sp = fc.constantFrom('', '', '', ' ', '  ', '\t')
const key = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom('A', '1a', '', 'a B', 'é') },
)
const sfString = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[ !#-[\]-~]{0,12}$/).map((s) => `"${s}"`) },
  { weight: 2, arbitrary: fc.stringMatching(/^[ -~]{0,12}$/).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`) },
  { weight: 1, arbitrary: fc.constantFrom('"a\\b"', '"unterminated', '"tab\there"', '"é"', '"\\', '""') },
)
const integer = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('0', '-0', '007', '-00', '1234567890123456', '999999999999999', '-', '1.5', '12.', '0.001', '1.2345') },
)
const bytes = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 70 }).map((b) => `:${toBase64(b)}:`) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9+/=]{0,12}$/).map((s) => `:${s}:`) },
  { weight: 1, arbitrary: fc.constantFrom('::', ':QQ:', ':QR==:', ':QQ=:', ':A===:', ':====:', ':-_:', ':QQ==', ':Q Q=:') },
)
const other = fc.oneof(
  fc.constantFrom('?1', '?0', '?2', '?', 'tok', 'Tok:/x', '*t', '@1659578233', '@-1', '@', '@-', '%"caf%c3%a9"', '%"x', '%"', '%"%C3%A9"', '%"%c3"', '%"a%2"', '%"\u0100"', '%"é"', '%x', '1.25', '-0.5', 'é'),
  // Decimals around every bound of RFC 9651 section 4.2.4.
  fc.tuple(fc.constantFrom('', '-'), fc.stringMatching(/^[0-9]{0,14}$/), fc.stringMatching(/^[0-9]{0,5}$/)).map(([m, i, f]) => `${m}${i}.${f}`),
  fc.stringMatching(/^[A-Za-z*][!#$%&'*+.^_`|~A-Za-z0-9:/-]{0,8}$/),
  fc.stringMatching(/^[ -~]{0,6}$/).map((t) => `%"${t.replace(/["%]/g, (c) => '%' + c.charCodeAt(0).toString(16))}"`),
  fc.stringMatching(/^[A-Za-z0-9+/=]{0,9}$/).map((b) => `:${b}:`),
)
const bare = fc.oneof({ weight: 4, arbitrary: sfString }, { weight: 3, arbitrary: integer }, { weight: 2, arbitrary: bytes }, { weight: 1, arbitrary: other })
const param = fc.tuple(fc.constantFrom('', '', '', ' '), key, fc.option(bare, { nil: undefined })).map(([s, k, v]) => `;${s}${k}${v === undefined ? '' : '=' + v}`)
const params = fc.array(param, { maxLength: 4 }).map((a) => a.join(''))
const item = fc.tuple(bare, params).map(([b, p]) => b + p)
// Component-identifier-like items, so many members are valid Signature-Input members.
const componentItem = fc
  .tuple(
    fc.constantFrom('"@method"', '"@target-uri"', '"@authority"', '"content-digest"', '"@query-param"', '"x-a"', '"example-dict"'),
    fc.array(fc.constantFrom(';sf', ';bs', ';req', ';key="a"', ';name="Pet"', ';tr', '; sf', ';sf=?1', ';key="a";key="b"'), { maxLength: 2 }),
  )
  .map(([n, p]) => n + p.join(''))
const innerList = fc
  .tuple(
    fc.constantFrom('', '', '', ' '),
    fc.array(fc.oneof({ weight: 3, arbitrary: componentItem }, { weight: 1, arbitrary: item }), { maxLength: 5 }),
    fc.constantFrom(' ', ' ', ' ', '  ', '\t'),
    fc.constantFrom('', '', '', ' '),
    params,
  )
  .map(([lead, items, gap, trail, p]) => `(${lead}${items.join(gap)}${trail})${p}`)
const signatureParams = fc
  .array(fc.constantFrom(';created=1618884473', ';expires=1618884773', ';keyid="test-key"', ';nonce="b3k2pp5k7z-50gnwp.yemd"', ';alg="ed25519"', ';tag="app"', ';created=01', ';created=-0', ';x', ';x=?0', ';x=:AAEC:', ';x=tok', ';x=1.5'), { maxLength: 5 })
  .map((a) => a.join(''))
const signatureMember = fc.tuple(innerList, signatureParams).map(([l, p]) => l + p)
const member = fc
  .tuple(key, fc.oneof({ weight: 4, arbitrary: signatureMember.map((v) => '=' + v) }, { weight: 2, arbitrary: item.map((v) => '=' + v) }, { weight: 1, arbitrary: params }))
  .map(([k, v]) => k + v)
const dictionary = fc
  .tuple(fc.constantFrom('', '', ' ', '\t'), fc.array(fc.tuple(member, sp, sp), { maxLength: 4 }), sp, fc.constantFrom('', '', '', ','))
  .map(([lead, members, trail, comma]) => lead + members.map(([m, a, b], i) => (i === 0 ? '' : a + ',' + b) + m).join('') + trail + comma)

// Random edits of a valid input: the boundary cases a generator does not think of.
const mutated = fc
  .tuple(dictionary, fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(' ', '\t', ',', ';', '=', '(', ')', '"', '\\', ':', '?', '-', '0', '9', 'a', 'Z', '*', '.', '@', '%', '\n', 'é')), { maxLength: 3 }))
  .map(([text, edits]) => {
    let s = text
    for (const [at, op, ch] of edits) {
      const i = s.length === 0 ? 0 : at % (s.length + 1)
      if (op === 0) s = s.slice(0, i) + ch + s.slice(i)
      else if (op === 1) s = s.slice(0, i) + s.slice(i + 1)
      else s = s.slice(0, i) + ch + s.slice(i + 1)
    }
    return s
  })

// Well-formed Signature-Input fields as signers write them, so the fast path is exercised.
const cleanComponent = fc
  .tuple(
    fc.constantFrom('"@method"', '"@target-uri"', '"@authority"', '"@path"', '"content-digest"', '"@query-param"', '"x-a"'),
    fc.array(fc.constantFrom(';sf', ';bs', ';req', ';key="a"', ';name="Pet"', ';name="a\\b"'), { maxLength: 2 }),
  )
  .map(([n, p]) => n + p.join(''))
const cleanMember = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,5}$/),
    fc.array(cleanComponent, { maxLength: 6 }),
    fc.array(fc.constantFrom(';created=1618884473', ';expires=1618884773', ';keyid="test-key"', ';nonce="b3k2pp5k7z-50gnwp.yemd"', ';alg="hmac-sha256"', ';tag="a\"b"', ';x', ';n=-5'), { maxLength: 5 }),
  )
  .map(([label, items, p]) => `${label}=(${items.join(' ')})${p.join('')}`)
const cleanDictionary = fc.array(cleanMember, { minLength: 1, maxLength: 3 }).map((a) => a.join(', '))

const inputs = fc.oneof({ weight: 2, arbitrary: dictionary }, { weight: 2, arbitrary: mutated }, { weight: 2, arbitrary: cleanDictionary })

describe('fast dictionary scanner against structured-headers', () => {
  it('accepts only what structured-headers accepts, with equal values', () => {
    let scanned = 0
    let total = 0
    fc.assert(
      fc.property(inputs, (text) => {
        total++
        const fast = scanDictionary(text)
        const ref = reference(text)
        // The scan is a whole parser now: it refuses exactly what the reference refuses.
        expect(fast !== undefined, text).toBe(ref.ok)
        if (fast === undefined) return
        scanned++
        if (ref.ok) expect(plain(fast.dictionary)).toStrictEqual(plain(ref.dict))
      }),
      { numRuns: 4000 },
    )
    // The property must not be vacuous: many generated dictionaries take the fast path.
    expect(scanned).toBeGreaterThan(total / 10)
  })

  it('parseStructuredDictionary throws exactly when structured-headers throws, and returns its value', () => {
    fc.assert(
      fc.property(inputs, (text) => {
        const ref = reference(text)
        let got: Dictionary | undefined
        try {
          got = parseStructuredDictionary(text).dictionary
        } catch {
          got = undefined
        }
        expect(got !== undefined).toBe(ref.ok)
        if (ref.ok) expect(plain(got)).toStrictEqual(plain(ref.dict))
      }),
      { numRuns: 4000 },
    )
  })

  it('a span marked canonical is the canonical serialization of its member', () => {
    let canonical = 0
    fc.assert(
      fc.property(inputs, (text) => {
        const fast = scanDictionary(text)
        if (fast === undefined) return
        for (const [k, span] of fast.spans) {
          const m = fast.dictionary.get(k)!
          expect(span.start).toBeLessThanOrEqual(span.end)
          if (!span.canonical) continue
          canonical++
          const expected = Array.isArray(m[0]) ? serializeInnerList(m as never) : serializeItem(m as never)
          if (m[0] === true && Array.isArray(m[0]) === false && text.charCodeAt(span.start - 1) !== 0x3d) {
            // A bare key member (`a;p`): its span holds the parameters only (RFC 9651 section 4.1.2).
            expect(text.slice(span.start, span.end)).toBe(expected.slice(2))
          } else expect(text.slice(span.start, span.end)).toBe(expected)
        }
      }),
      { numRuns: 4000 },
    )
    expect(canonical).toBeGreaterThan(100)
  })

  it('handles the fixed edge cases like structured-headers', () => {
    const cases = [
      '', ' ', '\t', 'a', 'a,', 'a, b', 'a,\tb', 'a ,b', ' a=1 ', 'a=1\t', 'a=(', 'a=()', 'a=( )', 'a=("x" )', 'a=("x"  "y")', 'a=("x"\t"y")',
      'a=-0', 'a=00', 'a=1234567890123456', 'a=-', 'a=1.5', 'a=?1;b', 'a;b=?0', 'a=::', 'a=:QQ:', 'a=:QQ==:', 'a=:QR==:', 'a=:Q===:',
      'a="\\"\\\\"', 'a="\\a"', 'a="x', 'a=tok', 'a=@1', 'a=%"x"', 'a=1;b;b=2', 'a=1;b=1;c=2;b=3', 'a=1, a=(2)', 'A=1', 'a=1 b=2',
      'sig1=("@method" "@target-uri");created=1618884473;keyid="k"', 'sig1=:' + 'A'.repeat(86) + '==:',
    ]
    for (const text of cases) {
      const ref = reference(text)
      const fast = scanDictionary(text)
      expect(fast !== undefined, text).toBe(ref.ok)
      if (fast !== undefined) {
        if (ref.ok) expect(plain(fast.dictionary), text).toStrictEqual(plain(ref.dict))
      }
      let ok = true
      try {
        parseStructuredDictionary(text)
      } catch {
        ok = false
      }
      expect(ok, text).toBe(ref.ok)
    }
  })
})

describe('Signature-Input @signature-params on the fast path', () => {
  it('serialized equals the structured-headers serialization of the member, whether sliced or rebuilt', () => {
    let members = 0
    fc.assert(
      fc.property(inputs, (text) => {
        const ref = reference(text)
        let parsed
        try {
          parsed = parseSignatureInput([text])
        } catch (err) {
          // Every failure is a coded error, never a crash.
          expect(isSignetError(err)).toBe(true)
          return
        }
        expect(ref.ok).toBe(true)
        if (!ref.ok) return
        for (const [label, m] of parsed) {
          members++
          expect(m.serialized).toBe(serializeInnerList(ref.dict.get(label) as never))
        }
      }),
      { numRuns: 4000 },
    )
    expect(members).toBeGreaterThan(100)
  })

  it('keeps the received parameter order and unknown parameters (RFC 9421 section 3.2)', () => {
    const text = 'sig1=("@method" "@authority");nonce="n";created=5;zz="q";keyid="k"'
    expect(parseSignatureInput([text]).get('sig1')!.serialized).toBe(text.slice(5))
  })

  it('rebuilds a member that is not canonical', () => {
    const m = parseSignatureInput(['sig1=( "@method"  "@path" );created=01;keyid="k";created=2']).get('sig1')!
    expect(m.serialized).toBe('("@method" "@path");created=2;keyid="k"')
  })

  it('Signature bytes equal what structured-headers decodes, lenient base64 included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom('', ' ', '  '), (sig, pad) => {
        const text = `${pad}sig1=:${toBase64(sig)}:${pad}`
        expect([...parseSignatureField([text]).get('sig1')!]).toEqual([...new Uint8Array(parseDictionary(text).get('sig1')![0] as ArrayBuffer)])
      }),
      { numRuns: 500 },
    )
    // Not canonical: no padding, or nonzero unused bits. structured-headers (atob) accepts them.
    expect([...parseSignatureField(['sig1=:QQ:']).get('sig1')!]).toEqual([0x41])
    expect([...parseSignatureField(['sig1=:QR==:']).get('sig1')!]).toEqual([0x41])
  })
})

/** Bit-by-bit reference base64 (RFC 4648 section 4). */
function referenceBase64(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let bits = ''
  for (const b of bytes) bits += b.toString(2).padStart(8, '0')
  while (bits.length % 6 !== 0) bits += '0'
  let out = ''
  for (let i = 0; i < bits.length; i += 6) out += alphabet[parseInt(bits.slice(i, i + 6), 2)]
  if (pad) while (out.length % 4 !== 0) out += '='
  return out
}
const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

describe('table-based base64', () => {
  it('encodes like the bit-by-bit reference and decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const std = toBase64(bytes)
        const url = toBase64Url(bytes)
        expect(std).toBe(referenceBase64(bytes, STD, true))
        expect(url).toBe(referenceBase64(bytes, URL_ALPHABET, false))
        expect([...fromBase64(std)]).toEqual([...bytes])
        expect([...fromBase64Url(url)]).toEqual([...bytes])
        const framed = `xx:${std}:yy`
        expect([...decodeBase64Range(framed, 3, 3 + std.length)!]).toEqual([...bytes])
      }),
      { numRuns: 1000 },
    )
  })

  it('decodeBase64Range accepts exactly the canonical encodings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+/=_\-é ]{0,12}$/), (text) => {
        const got = decodeBase64Range(text, 0, text.length)
        let canonical: Uint8Array | undefined
        try {
          const decoded = Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
          canonical = toBase64(decoded) === text ? decoded : undefined
        } catch {
          canonical = undefined
        }
        expect(got === undefined ? undefined : [...got]).toEqual(canonical === undefined ? undefined : [...canonical])
      }),
      { numRuns: 3000 },
    )
  })

  it('keeps the decoders strict: non-canonical input is a TypeError naming the label', () => {
    for (const bad of ['QR==', 'Q', 'QQ=', 'Q===', 'QQ-_', 'QQ\u0100=', 'QQ==QQ==']) expect(() => fromBase64(bad, 'sig')).toThrow(/"sig"/)
    for (const bad of ['QR', 'Q', 'QQ==', 'QQ+/', 'QQ\u0141']) expect(() => fromBase64Url(bad, 'k')).toThrow(/"k"/)
  })
})

describe('component names without a regular expression', () => {
  const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/
  const DERIVED_NAME = /^@[a-z][a-z0-9-]*$/
  it('isComponentName agrees with the field-name and derived-name rules', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^@?[!#$%&'*+\-.^_`|~0-9a-zA-Z@"é ]{0,8}$/), fc.string({ maxLength: 8 })), (name) => {
        expect(isComponentName(name)).toBe(FIELD_NAME.test(name) || DERIVED_NAME.test(name))
      }),
      { numRuns: 5000 },
    )
    for (const name of ['', '@', '@a', '@1', '@a-1', '@A', 'a', 'A', 'x-y', '@method', 'content-digest', '@query-param', '@a_b', 'a@b']) {
      expect(isComponentName(name), name).toBe(FIELD_NAME.test(name) || DERIVED_NAME.test(name))
    }
  })
})
