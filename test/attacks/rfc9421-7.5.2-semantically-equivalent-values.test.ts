/**
 * RFC 9421 section 7.5.2, Semantically Equivalent Field Values: a covered value is compared as
 * bytes, not as meaning. An intermediary's "harmless" rewrite breaks the signature rather than
 * letting two readings of one value through.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed, withField } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.5.2 Semantically Equivalent Field Values', () => {
  it.each(TARGETS)('%s: Content-Type rewritten to an equivalent spelling is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { body: '{"a":1}' })
    expect(await h.send(target, withField(m, 'content-type', 'Application/JSON'))).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: a percent-encoded spelling of the covered path is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { target: '/orders/7' })
    expect(await h.send(target, { ...m, target: '/orders/%37' })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
