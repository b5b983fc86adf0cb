/**
 * RFC 9421 section 7.4.2, Matching Values of Covered Components to Values in the Target
 * Message: the base is rebuilt from the message as received, so a covered field changed, or
 * given a second line, no longer matches what was signed.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed, withField } from './harness.ts'

const h = attackHarness()
const components = ['@method', '@target-uri', 'x-amount']

describe('RFC 9421 7.4.2 Matching Values of Covered Components to Values in the Target Message', () => {
  it.each(TARGETS)('%s: a covered field changed in transit is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { fields: [{ name: 'x-amount', value: '100' }], components })
    expect(await h.send(target, withField(m, 'x-amount', '100000'))).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: a second line of a covered field (an application reading the last one) is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { fields: [{ name: 'x-amount', value: '100' }], components })
    expect(await h.send(target, { ...m, fields: [...m.fields, { name: 'x-amount', value: '100000' }] })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: removing a covered field is refused with ERR_MISSING_COMPONENT', async (target) => {
    const m = await signed(h.keys.hmac, { fields: [{ name: 'x-amount', value: '100' }], components })
    expect(await h.send(target, { ...m, fields: m.fields.filter((f) => f.name !== 'x-amount') })).toMatchObject({ status: 401, code: 'ERR_MISSING_COMPONENT' })
  })
})
