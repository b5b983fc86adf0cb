/**
 * RFC 9421 section 7.3.4, Key Specification Mixup: the `keyid` is untrusted input. Naming
 * another caller's key, or no known key, gets nothing.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.3.4 Key Specification Mixup', () => {
  it.each(TARGETS)("%s: signing with one's own key while naming another caller's keyid is refused with ERR_SIGNATURE_INVALID", async (target) => {
    const m = await signed(h.keys.other, { params: { keyid: 'k-hmac' } })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: an unknown keyid is refused with ERR_KEY_NOT_FOUND', async (target) => {
    const m = await signed(h.keys.other, { params: { keyid: 'k-nobody' } })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_KEY_NOT_FOUND' })
  })
})
