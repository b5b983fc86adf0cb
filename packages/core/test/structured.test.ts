/**
 * Signature-Input, Signature and Accept-Signature (RFC 9421 sections 4 and 5): the RFC's
 * syntax examples, round-trip properties, limits and malformed inputs.
 */
import fc from 'fast-check'
import { parseDictionary, serializeInnerList, type InnerList } from 'structured-headers'
import { describe, expect, it } from 'vitest'
import { parseComponentIdentifier, type ComponentIdentifier } from '../src/components/index.ts'
import { hasErrorCode, type SignetErrorCode } from '../src/errors.ts'
import {
  parseAcceptSignature,
  parseSignatureField,
  parseSignatureInput,
  serializeAcceptSignature,
  serializeSignatureInputMember,
  serializeSignatureMember,
} from '../src/structured/index.ts'
import { vectors } from './rfc9421-vectors.ts'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return hasErrorCode(err, (err as { code: SignetErrorCode }).code) ? (err as { code: string }).code : `not coded: ${String(err)}`
  }
  return undefined
}

describe('RFC 9421 syntax examples', () => {
  it('section 4.1/4.2 Signature-Input and Signature', () => {
    const ex = vectors.syntax_examples['S4.1/4.2 Signature-Input and Signature fields']!
    const member = parseSignatureInput([ex.signature_input!]).get('sig1')!
    expect(member.components.map((c) => c.name)).toEqual(['@method', '@target-uri', '@authority', 'content-digest', 'cache-control'])
    expect(member.params).toEqual({ created: 1618884475, keyid: 'test-key-rsa-pss' })
    expect('sig1=' + member.serialized).toBe(ex.signature_input)
    const sig = parseSignatureField([ex.signature!]).get('sig1')!
    expect(sig.length).toBe(256)
    expect(serializeSignatureMember('sig1', sig)).toBe(ex.signature)
  })
  it('section 5.1 Accept-Signature', () => {
    const ex = vectors.syntax_examples['S5.1 Accept-Signature']!
    const request = parseAcceptSignature([ex.value!]).get('sig1')!
    expect(request.params).toEqual({ keyid: 'test-key-rsa-pss', created: true, tag: 'app-123' })
    expect(serializeAcceptSignature([request])).toBe(ex.value)
  })
  it('section 4.3: two members in one field, and the same split over two field lines', () => {
    const ex = vectors.examples.find((e) => e.id === 'S4.3-proxy')!
    const one = parseSignatureInput([ex.signature_input])
    expect([...one.keys()]).toEqual(['sig1', 'proxy_sig'])
    expect(one.get('proxy_sig')!.serialized).toBe(ex.signature_params)
    const [a, b] = ex.signature_input.split(', proxy_sig=')
    const two = parseSignatureInput([a!, 'proxy_sig=' + b!])
    expect(two.get('proxy_sig')!.serialized).toBe(ex.signature_params)
  })
  it('every example Signature-Input member re-serializes byte for byte', () => {
    for (const ex of vectors.examples) {
      expect(parseSignatureInput([ex.signature_input]).get(ex.label)!.serialized).toBe(ex.signature_params)
    }
  })
})

describe('Signature-Input semantics', () => {
  it('keeps unknown parameters and their order', () => {
    const m = parseSignatureInput(['a=("@method");zeta=tok;nonce="n";created=5;x=:AAE=:;d=?0;dec=1.5'])
    const member = m.get('a')!
    expect(member.serialized).toBe('("@method");zeta=tok;nonce="n";created=5;x=:AAE=:;d=?0;dec=1.5')
    expect(member.params).toEqual({ zeta: 'tok', nonce: 'n', created: 5, x: 'AAE=', d: false, dec: 1.5 })
  })
  it('type-checks the parameters RFC 9421 defines', () => {
    for (const bad of ['a=();created="1"', 'a=();created=1.5', 'a=();expires=x', 'a=();keyid=k', 'a=();alg=1', 'a=();nonce', 'a=();tag=?1']) {
      expect(codeOf(() => parseSignatureInput([bad])), bad).toBe('ERR_INVALID_PARAMETER')
    }
  })
  const malformedInputs = [
    '',
    'sig1',
    'sig1=',
    'sig1="@method"',
    'sig1=(@method)',
    'sig1=("@method"',
    'sig1=("@method"),',
    'Sig1=("@method")',
    'sig1=("@method") sig2=()',
    'sig1=("@method");created=1;',
    'sig1=("a"("b"))',
    'sig1=:AAA=:',
    'sig1=("\u00e9")',
    '1sig=()',
  ]
  for (const bad of malformedInputs) {
    it(`malformed Signature-Input ${JSON.stringify(bad)}`, () => {
      const code = codeOf(() => parseSignatureInput([bad]))
      if (bad === '') expect(parseSignatureInput([bad]).size).toBe(0)
      else expect(['ERR_MALFORMED_FIELD', 'ERR_INVALID_COMPONENT']).toContain(code)
    })
  }
  it('components that are not strings or are invalid names', () => {
    expect(codeOf(() => parseSignatureInput(['a=(tok)']))).toBe('ERR_INVALID_COMPONENT')
    expect(codeOf(() => parseSignatureInput(['a=(1)']))).toBe('ERR_INVALID_COMPONENT')
    expect(codeOf(() => parseSignatureInput(['a=("Content-Type")']))).toBe('ERR_INVALID_COMPONENT')
    expect(codeOf(() => parseSignatureInput(['a=("x";key=1)']))).toBe('ERR_INVALID_COMPONENT')
  })
  it('limits: field size, number of signatures, number of components', () => {
    expect(codeOf(() => parseSignatureInput(['a=("' + 'x'.repeat(20000) + '")']))).toBe('ERR_FIELD_TOO_LARGE')
    expect(codeOf(() => parseSignatureInput(['a=("x")'], { maxFieldLength: 5 }))).toBe('ERR_FIELD_TOO_LARGE')
    const many = Array.from({ length: 17 }, (_, i) => `s${i}=()`).join(', ')
    expect(codeOf(() => parseSignatureInput([many]))).toBe('ERR_TOO_MANY_SIGNATURES')
    expect(parseSignatureInput([many], { maxSignatures: 17 }).size).toBe(17)
    const comps = '(' + Array.from({ length: 65 }, (_, i) => `"x${i}"`).join(' ') + ')'
    expect(codeOf(() => parseSignatureInput(['a=' + comps]))).toBe('ERR_TOO_MANY_COMPONENTS')
    expect(codeOf(() => parseAcceptSignature(['a=' + comps]))).toBe('ERR_TOO_MANY_COMPONENTS')
    expect(codeOf(() => parseSignatureField([many.replaceAll('()', ':AA==:')]))).toBe('ERR_TOO_MANY_SIGNATURES')
    expect(() => parseSignatureInput(['a=()'], { maxSignatures: 0 })).toThrow(RangeError)
  })
})

describe('Signature field', () => {
  for (const bad of ['sig1=("a")', 'sig1="abc"', 'sig1=:not base64!:', 'sig1=:abc', 'sig1', 'sig1=1']) {
    it(`malformed Signature ${JSON.stringify(bad)}`, () => {
      expect(codeOf(() => parseSignatureField([bad]))).toBe('ERR_MALFORMED_FIELD')
    })
  }
  it('labels must be sf-keys when serializing', () => {
    expect(() => serializeSignatureMember('Sig', new Uint8Array(1))).toThrow(TypeError)
  })
})

describe('properties', () => {
  const nameArb = fc.oneof(
    fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    fc.constantFrom('@method', '@target-uri', '@authority', '@path', '@query', '@status'),
  )
  const idArb: fc.Arbitrary<ComponentIdentifier> = fc.record({
    name: nameArb,
    params: fc
      .uniqueArray(fc.tuple(fc.constantFrom('sf', 'bs', 'req', 'tr', 'key', 'name'), fc.oneof(fc.constant<true>(true), fc.stringMatching(/^[\x20-\x7e]{0,12}$/))), { selector: (p) => p[0], maxLength: 3 })
      .map((p) => new Map<string, string | boolean>(p)),
  })
  const labelArb = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/)
  const paramsArb = fc.record(
    {
      created: fc.integer({ min: 0, max: 4_000_000_000 }),
      expires: fc.integer({ min: 0, max: 4_000_000_000 }),
      nonce: fc.stringMatching(/^[\x20-\x7e]{0,24}$/),
      alg: fc.constantFrom('ed25519', 'hmac-sha256'),
      keyid: fc.stringMatching(/^[\x20-\x7e]{0,24}$/),
      tag: fc.stringMatching(/^[a-z0-9-]{0,12}$/),
    },
    { requiredKeys: [] },
  )
  it('parse(serialize(member)) = member', () => {
    fc.assert(
      fc.property(labelArb, fc.uniqueArray(idArb, { maxLength: 6, selector: (c) => c.name }), paramsArb, (label, components, params) => {
        const text = serializeSignatureInputMember({ label, components, params })
        const parsed = parseSignatureInput([text]).get(label)!
        expect(parsed.label).toBe(label)
        expect(parsed.components.map((c) => [c.name, [...c.params]])).toEqual(components.map((c) => [c.name, [...c.params]]))
        expect(parsed.params).toEqual(params)
        expect(label + '=' + parsed.serialized).toBe(text)
        // The direct serializer agrees with the structured-headers one.
        const member = parseDictionary(text).get(label) as InnerList
        expect(parsed.serialized).toBe(serializeInnerList(member))
      }),
      { numRuns: 300 },
    )
  })
  it('Signature members round-trip', () => {
    fc.assert(
      fc.property(labelArb, fc.uint8Array({ maxLength: 600 }), (label, bytes) => {
        expect([...parseSignatureField([serializeSignatureMember(label, bytes)]).get(label)!]).toEqual([...bytes])
      }),
    )
  })
  it('arbitrary text never crashes the parsers: a value or a coded error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        for (const parse of [parseSignatureInput, parseSignatureField, parseAcceptSignature]) {
          try {
            parse([text])
          } catch (err) {
            expect(hasErrorCode(err, (err as { code: SignetErrorCode }).code), String(err)).toBe(true)
          }
        }
        try {
          parseComponentIdentifier(text)
        } catch (err) {
          expect(hasErrorCode(err, 'ERR_INVALID_COMPONENT'), String(err)).toBe(true)
        }
      }),
      { numRuns: 1000 },
    )
  })
})
