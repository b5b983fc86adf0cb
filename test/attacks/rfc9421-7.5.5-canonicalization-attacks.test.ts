/**
 * RFC 9421 section 7.5.5, Canonicalization Attacks: only the canonicalization the RFC defines
 * is applied (trimming, joining repeated lines); any other difference, such as a reordered
 * query or a value with inner spaces changed, is a different base.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed, withField } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.5.5 Canonicalization Attacks', () => {
  it.each(TARGETS)('%s: a reordered query (id=7&role=user as role=user&id=7) is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { target: '/orders?id=7&role=user' })
    expect(await h.send(target, { ...m, target: '/orders?role=user&id=7' })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: inner whitespace changed in a covered value is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { fields: [{ name: 'x-account', value: 'a b' }], components: ['@method', '@target-uri', 'x-account'] })
    expect(await h.send(target, withField(m, 'x-account', 'a  b'))).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
