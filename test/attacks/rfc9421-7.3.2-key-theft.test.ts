/**
 * RFC 9421 section 7.3.2, Key Theft: a stolen key signs as its owner until it is revoked; from
 * then on every verifier refuses it.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.3.2 Key Theft', () => {
  it.each(TARGETS)('%s: a request signed with a stolen, since revoked key is refused with ERR_KEY_REVOKED', async (target) => {
    const m = await signed(h.keys.revoked)
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_KEY_REVOKED' })
  })

  it.each(TARGETS)('%s: a stolen key used from outside its IP allow list is refused with ERR_IP_DENIED', async (target) => {
    const m = await signed(h.keys.allowListed)
    expect(await h.send(target, m)).toMatchObject({ status: 403, code: 'ERR_IP_DENIED' })
  })
})
