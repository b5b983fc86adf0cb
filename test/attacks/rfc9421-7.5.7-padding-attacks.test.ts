/**
 * RFC 9421 section 7.5.7, Padding Attacks with Multiple Field Values: extra lines of a covered
 * field, even empty ones, change the joined value and so the base.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()
const components = ['@method', '@target-uri', 'x-roles']

describe('RFC 9421 7.5.7 Padding Attacks with Multiple Field Values', () => {
  it.each(TARGETS)('%s: an empty extra line of a covered field is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { fields: [{ name: 'x-roles', value: 'user' }], components })
    expect(await h.send(target, { ...m, fields: [...m.fields, { name: 'x-roles', value: '' }] })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: moving part of a covered value into a second line is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { fields: [{ name: 'x-roles', value: 'user, admin' }], components })
    const split = { ...m, fields: [...m.fields.filter((f) => f.name !== 'x-roles'), { name: 'x-roles', value: 'user,' }, { name: 'x-roles', value: 'admin' }] }
    expect(await h.send(target, split)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
