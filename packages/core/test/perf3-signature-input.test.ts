/**
 * The one-pass Signature-Input reading (structured/signature-input-fast.ts) against the general
 * path (dictionary scanner and structured-headers): on generated fields, canonical or one edit
 * away from it, whatever the fast path reads is what the general path gives, and the combined
 * parser accepts, rejects (with the same code) and returns exactly what the general path does.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SignetError, isSignetError } from '../src/errors.ts'
import { fastSignatureInputMember, fastSignatureMember } from '../src/structured/signature-input-fast.ts'
import { parseSignatureInputGeneral, parseSignatureInputMembers } from '../src/structured/signature-input.ts'
import { parseSignatureField } from '../src/structured/signature.ts'
import { parseSignatures } from '../src/verify.ts'

const labels = ['sig1', 'a', '*x', 'sig-b.2_*', 'Sig', '1a', '', 'sig1 ']
const components = [
  '"@method"', '"@target-uri"', '"content-type"', '"content-digest"', '"a"', '""', '"@x"', '"A"', '"@"', '"a";req', '"a\\"b"',
  '"@query-param";name="x"', '"a b"', '"\u00e9"', 'a', '"@method', '"x-y_z!"',
]
const separators = [' ', ' ', ' ', '  ', '', '\t']
const params = [
  ';created=1618884473', ';created=0', ';created=01', ';created="1"', ';keyid="test-key"', ';keyid=1', ';nonce="a b"', ';tag="x\\\\"',
  ';alg="hmac-sha256"', ';foo=12', ';foo="x"', ';foo', ';foo=?1', ';foo=1.5', '; created=1', ';expires=1234567890123456', ';expires=123456789012345',
  ';created=-1', ';x=tok', ';created=1;created=2', ';Keyid="a"', ';keyid="\u00e9"', ';keyid=""', ';constructor="x"', ';created=12a', ';expires=1', ';*=1',
]
const suffixes = ['', '', '', ' ', ',', ', sig2=()', ' , b=("x")', ';', '=']

const field = fc
  .record({
    label: fc.constantFrom(...labels),
    items: fc.array(fc.tuple(fc.constantFrom(...components), fc.constantFrom(...separators)), { maxLength: 5 }),
    params: fc.array(fc.constantFrom(...params), { maxLength: 4 }),
    suffix: fc.constantFrom(...suffixes),
    open: fc.constantFrom('=(', '=(', '=(', '(', '= (', '=( '),
    close: fc.constantFrom(')', ')', ')', ' )', ''),
  })
  .map(({ label, items, params: p, suffix, open, close }) => {
    let inner = ''
    items.forEach(([c, sep], i) => (inner += (i === 0 ? '' : sep) + c))
    return label + open + inner + close + p.join('') + suffix
  })
// Also one random edit of a generated field.
const edited = fc.tuple(field, fc.nat(), fc.constantFrom('', ' ', '"', ';', '(', ')', '0', '\\', '=', ',', 'a'), fc.boolean()).map(([text, at, ch, del]) => {
  const i = text.length === 0 ? 0 : at % text.length
  return text.slice(0, i) + ch + text.slice(del ? i + 1 : i)
})
// Fields as clients write them: canonical, valid parts only.
const clean = fc
  .record({
    label: fc.constantFrom('sig1', 'a', '*x', 'sig-b.2_*'),
    items: fc.uniqueArray(fc.constantFrom('"@method"', '"@target-uri"', '"content-type"', '"content-digest"', '"a"', '"x-y_z!"'), { maxLength: 5 }),
    params: fc.uniqueArray(fc.constantFrom(';created=1618884473', ';created=0', ';keyid="test-key"', ';nonce="a b"', ';alg="hmac-sha256"', ';foo=12', ';expires=123456789012345', ';tag=""'), {
      maxLength: 4,
      selector: (p) => p.slice(0, p.indexOf('=')),
    }),
  })
  .map(({ label, items, params: p }) => label + '=(' + items.join(' ') + ')' + p.join(''))
const inputs = fc.oneof(field, edited, clean)

function outcome(run: () => unknown): { ok: true; value: unknown } | { ok: false; code: string } {
  try {
    return { ok: true, value: run() }
  } catch (error) {
    return { ok: false, code: isSignetError(error) ? error.code : (error as Error).name }
  }
}

describe('one-pass Signature-Input', () => {
  it('reads only what the general path accepts, as the same member', () => {
    let fast = 0
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 6 }), (text, maxComponents) => {
        const member = fastSignatureInputMember(text, maxComponents, 16)
        if (member === undefined) return
        fast++
        const general = outcome(() => parseSignatureInputGeneral([text], { maxComponents }))
        expect(general).toStrictEqual({ ok: true, value: [member] })
      }),
      { numRuns: 6000 },
    )
    // Not vacuous: many generated fields take the fast path.
    expect(fast).toBeGreaterThan(300)
  })

  it('the combined parser agrees with the general path on every input', () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 }), (text, maxComponents, maxSignatures) => {
        const limits = { maxComponents, maxSignatures }
        expect(outcome(() => parseSignatureInputMembers([text], limits))).toStrictEqual(outcome(() => parseSignatureInputGeneral([text], limits)))
      }),
      { numRuns: 6000 },
    )
  })

  it('reads the fields clients send and leaves the rest', () => {
    const member = fastSignatureInputMember('sig1=("@method" "@target-uri");created=1618884473;keyid="test-key"', 64, 16)
    expect(member).toStrictEqual({
      label: 'sig1',
      components: [
        { name: '@method', params: new Map() },
        { name: '@target-uri', params: new Map() },
      ],
      params: { created: 1618884473, keyid: 'test-key' },
      serialized: '("@method" "@target-uri");created=1618884473;keyid="test-key"',
    })
    for (const text of ['sig1=("@method");created=1, sig2=()', 'sig1=("@method") ', 'sig1=("@method";req)', 'sig1=("@method");created=01', 'sig1=("a");created="1"']) {
      expect(fastSignatureInputMember(text, 64, 16)).toBeUndefined()
    }
    // Over the limits: left to the general path, which reports it.
    expect(fastSignatureInputMember('sig1=("a" "b")', 1, 16)).toBeUndefined()
    expect(outcome(() => parseSignatureInputMembers(['sig1=("a" "b")'], { maxComponents: 1 }))).toStrictEqual({ ok: false, code: 'ERR_TOO_MANY_COMPONENTS' })
    // An invalid limit is refused as before, not read past.
    expect(outcome(() => parseSignatureInputMembers(['sig1=("a")'], { maxSignatures: 0 }))).toStrictEqual({ ok: false, code: 'RangeError' })
  })
})

/** parseSignatures as it was before the one-pass reading, from the general field parsers. */
function reference(input: string, sig: string): { label: string; input: unknown; signature: Uint8Array }[] {
  const inputs = parseSignatureInputGeneral([input])
  const signatures = parseSignatureField([sig])
  if (inputs.length === 0) throw new SignetError('ERR_SIGNATURE_MISSING', 'empty')
  const out = []
  for (const member of inputs) {
    const signature = signatures.get(member.label)
    if (signature === undefined) throw new SignetError('ERR_MALFORMED_FIELD', 'no signature')
    out.push({ label: member.label, input: member, signature })
  }
  for (const label of signatures.keys()) if (!inputs.some((m) => m.label === label)) throw new SignetError('ERR_MALFORMED_FIELD', 'no input')
  return out
}

const sigField = fc
  .tuple(
    fc.constantFrom('sig1', 'a', '*x', 'Sig', '1a', ''),
    fc.constantFrom('=:', '=:', '= :', ':', '=('),
    fc.oneof(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')), fc.stringMatching(/^[A-Za-z0-9+/=_-]{0,12}$/)),
    fc.constantFrom(':', ':', ': ', ':;a', '', '::', ':, b=:AA==:'),
  )
  .map(([label, open, body, close]) => label + open + body + close)

describe('one-pass Signature', () => {
  it('reads only what parseSignatureField accepts, as the same bytes', () => {
    let fast = 0
    fc.assert(
      fc.property(sigField, (text) => {
        const one = fastSignatureMember(text, 16)
        if (one === undefined) return
        fast++
        const general = parseSignatureField([text])
        expect([...general.keys()]).toStrictEqual([one.label])
        expect(general.get(one.label)).toStrictEqual(one.signature)
      }),
      { numRuns: 3000 },
    )
    expect(fast).toBeGreaterThan(50)
  })

  it('parseSignatures gives the same signatures and the same errors with either reading', () => {
    fc.assert(
      fc.property(fc.constantFrom('sig1=("@method");created=1', 'a=()', 'sig1=("@method"), a=()', 'a=(), sig1=()', 'b=()'), sigField, (input, sig) => {
        const message = (sigValues: string[]) => ({
          kind: 'request' as const, method: 'GET', scheme: 'https', authority: 'a.example', target: '/', trailers: [], body: undefined,
          fields: [{ name: 'signature-input', value: input }, ...sigValues.map((value) => ({ name: 'signature', value }))],
        })
        const viaFast = outcome(() => parseSignatures(message([sig])))
        const viaGeneral = outcome(() => reference(input, sig))
        if (viaGeneral.ok || viaFast.ok) expect(viaFast).toStrictEqual(viaGeneral)
        else expect(viaFast.code).toBe(viaGeneral.code)
      }),
      { numRuns: 3000 },
    )
  })
})
