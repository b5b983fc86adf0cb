/**
 * RFC 9421 section 7.2.3, Choosing Message Components: whatever the signature covers cannot be
 * changed in transit; the method and the target are covered by default.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.3 Choosing Message Components', () => {
  it.each(TARGETS)('%s: changing the covered query (id=7 to id=8) is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac)
    expect(await h.send(target, { ...m, target: '/orders?id=8' })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: changing the covered method (GET to DELETE) is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac)
    expect(await h.send(target, { ...m, method: 'DELETE' })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
