/**
 * RFC 9421 section 7.2.5, Signature Labels: a label is chosen by whoever wrote the field and
 * proves nothing. An attacker who appends a Signature-Input member under the same label
 * replaces the signed one (a later dictionary member wins, RFC 8941 section 3.2).
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.5 Signature Labels', () => {
  it.each(TARGETS)('%s: a second Signature-Input line reusing the label with weaker coverage is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac)
    const input = m.fields.find((f) => f.name === 'signature-input')!.value
    const weaker = input.replace(/^sig1=\([^)]*\)/, 'sig1=("@method" "@target-uri")').replace(/"@target-uri"\)/, '"@target-uri" "x-extra")')
    const forged = { ...m, fields: [...m.fields, { name: 'signature-input', value: weaker }, { name: 'x-extra', value: '1' }] }
    expect(await h.send(target, forged)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: relabelling Signature-Input away from its Signature (labels that no longer pair) is refused with ERR_MALFORMED_FIELD', async (target) => {
    const m = await signed(h.keys.hmac)
    const relabelled = { ...m, fields: m.fields.map((f) => (f.name === 'signature-input' ? { name: f.name, value: f.value.replace(/^sig1=/, 'admin=') } : f)) }
    expect(await h.send(target, relabelled)).toMatchObject({ status: 400, code: 'ERR_MALFORMED_FIELD' })
  })
})
