/**
 * RFC 9421 section 7.5.3, Parsing Structured Field Values: Signature-Input and Signature are
 * parsed strictly (RFC 8941/9651) and within size limits, before any cryptography.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed, withField } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.5.3 Parsing Structured Field Values', () => {
  it.each(TARGETS)('%s: a Signature-Input that is not a valid dictionary is refused with ERR_MALFORMED_FIELD', async (target) => {
    const m = await signed(h.keys.hmac)
    expect(await h.send(target, withField(m, 'signature-input', 'sig1=("@method" "@target-uri";created=1'))).toMatchObject({ status: 400, code: 'ERR_MALFORMED_FIELD' })
  })

  it.each(TARGETS)('%s: a Signature value that is a string instead of a byte sequence is refused with ERR_MALFORMED_FIELD', async (target) => {
    const m = await signed(h.keys.hmac)
    expect(await h.send(target, withField(m, 'signature', 'sig1="AAAA"'))).toMatchObject({ status: 400, code: 'ERR_MALFORMED_FIELD' })
  })

  it.each(TARGETS)('%s: a Signature-Input over the 8 KiB limit is refused with ERR_FIELD_TOO_LARGE', async (target) => {
    const m = await signed(h.keys.hmac)
    const input = m.fields.find((f) => f.name === 'signature-input')!.value
    expect(await h.send(target, withField(m, 'signature-input', `${input};pad="${'a'.repeat(9000)}"`))).toMatchObject({ status: 400, code: 'ERR_FIELD_TOO_LARGE' })
  })
})
