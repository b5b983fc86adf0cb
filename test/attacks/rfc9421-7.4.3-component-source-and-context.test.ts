/**
 * RFC 9421 section 7.4.3, Message Component Source and Context: derived components come from
 * the connection as the verifier sees it. A request signed for `https` that arrives over plain
 * http (a TLS strip) rebuilds another `@target-uri`.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.4.3 Message Component Source and Context', () => {
  it.each(TARGETS)('%s: a request signed for https delivered over plain http is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { scheme: 'https' })
    expect(await h.send(target, { ...m, scheme: 'http' })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
