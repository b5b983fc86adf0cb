/**
 * RFC 9421 section 7.2.6, Multiple Signature Confusion: extra signatures added by an attacker
 * must not make a verifier accept, nor cost it unbounded work.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.6 Multiple Signature Confusion', () => {
  it.each(TARGETS)('%s: a forged signature claiming the victim key beside a tampered one is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac)
    const input = m.fields.find((f) => f.name === 'signature-input')!.value
    const forged = {
      ...m,
      target: '/orders?id=8',
      fields: [...m.fields, { name: 'signature-input', value: input.replace(/^sig1=/, 'sig2=') }, { name: 'signature', value: 'sig2=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:' }],
    }
    expect(await h.send(target, forged)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: stuffing more signatures than the limit (to make the verifier try each) is refused with ERR_TOO_MANY_SIGNATURES', async (target) => {
    const m = await signed(h.keys.hmac)
    const input = m.fields.find((f) => f.name === 'signature-input')!.value.replace(/^sig1=/, '')
    const signature = m.fields.find((f) => f.name === 'signature')!.value.replace(/^sig1=/, '')
    const labels = Array.from({ length: 12 }, (_, i) => `s${i}`)
    const stuffed = {
      ...m,
      fields: [
        ...m.fields.filter((f) => f.name !== 'signature-input' && f.name !== 'signature'),
        { name: 'signature-input', value: labels.map((l) => `${l}=${input}`).join(', ') },
        { name: 'signature', value: labels.map((l) => `${l}=${signature}`).join(', ') },
      ],
    }
    expect(await h.send(target, stuffed)).toMatchObject({ status: 400, code: 'ERR_TOO_MANY_SIGNATURES' })
  })
})
