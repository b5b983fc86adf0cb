/**
 * Signature bases of RFC 9421 Appendix B and sections 2.4, 2.5, 3.2, 4.3, reproduced byte for
 * byte from the vector messages and their Signature-Input members.
 */
import { describe, expect, it } from 'vitest'
import { parseComponentIdentifier } from '../src/components/index.ts'
import { hasErrorCode } from '../src/errors.ts'
import { parseHttpMessage } from '../src/message/index.ts'
import { createSignatureBase } from '../src/signature-base.ts'
import { parseSignatureInput } from '../src/structured/signature-input.ts'
import { parseSignatures } from '../src/verify.ts'
import { signedMessage, vectors } from './rfc9421-vectors.ts'

describe('published signature bases', () => {
  it('has the 14 examples', () => expect(vectors.examples.length).toBe(14))
  for (const example of vectors.examples) {
    it(`${example.id} ${example.title ?? ''}`, () => {
      const message = signedMessage(example)
      const parsed = parseSignatures(message).find((p) => p.label === example.label)!
      expect(parsed.input.serialized).toBe(example.signature_params)
      expect(parsed.input.components.map((c) => JSON.stringify([c.name, [...c.params]]))).toEqual(
        example.covered_components.map((c) => {
          const id = parseComponentIdentifier(c)
          return JSON.stringify([id.name, [...id.params]])
        }),
      )
      expect(createSignatureBase(message, parsed.input.components, parsed.input.serialized)).toBe(example.signature_base)
    })
  }
  it('B.4 variants: the base is unchanged by safe transformations and changed by unsafe ones', () => {
    const example = vectors.examples.find((e) => e.id === 'B.4')!
    for (const variant of example.message_variants!) {
      const message = signedMessage(example, variant.message)
      const parsed = parseSignatures(message)[0]!
      const base = createSignatureBase(message, parsed.input.components, parsed.input.serialized)
      if (variant.expect === 'valid') expect(base, variant.why).toBe(example.signature_base)
      else expect(base, variant.why).not.toBe(example.signature_base)
    }
  })
})

describe('signature base rules (RFC 9421 section 2.5)', () => {
  const message = parseHttpMessage('GET /p?a=1 HTTP/1.1\nHost: h\nX-A: 1\nX-D: a=1')
  const ids = (...texts: string[]) => texts.map(parseComponentIdentifier)
  it('a component listed twice is an error, whatever the parameter order', () => {
    for (const list of [
      ['"x-a"', '"x-a"'],
      ['"@method"', '"@path"', '"@method"'],
      ['"x-d";key="a";sf', '"x-d";sf;key="a"'],
      ['"@query-param";name="a"', '"@query-param";name="a"'],
    ]) {
      let thrown: unknown
      try {
        createSignatureBase(message, ids(...list), '()')
      } catch (err) {
        thrown = err
      }
      expect(hasErrorCode(thrown, 'ERR_DUPLICATE_COMPONENT'), list.join(' ')).toBe(true)
    }
  })
  it('the same field with different parameters is two components', () => {
    expect(createSignatureBase(message, ids('"x-d"', '"x-d";key="a"'), '("x-d" "x-d";key="a")')).toBe(
      '"x-d": a=1\n"x-d";key="a": 1\n"@signature-params": ("x-d" "x-d";key="a")',
    )
  })
  it('the empty list has only the params line', () => {
    expect(createSignatureBase(message, [], '();created=1')).toBe('"@signature-params": ();created=1')
  })
  it('a member parsed from Signature-Input gives the same base as one written by hand', () => {
    const member = parseSignatureInput(['x=("@method" "@query-param";name="a");created=1;foo=bar']).get('x')!
    expect(member.serialized).toBe('("@method" "@query-param";name="a");created=1;foo=bar')
    expect(createSignatureBase(message, member.components, member.serialized)).toBe(
      '"@method": GET\n"@query-param";name="a": 1\n"@signature-params": ("@method" "@query-param";name="a");created=1;foo=bar',
    )
  })
})
