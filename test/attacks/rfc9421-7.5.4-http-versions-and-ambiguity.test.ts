/**
 * RFC 9421 section 7.5.4, HTTP Versions and Component Ambiguity: the authority of an HTTP/1.1
 * request in absolute form is the target's, not the Host field's (RFC 9112 section 3.2.2); a
 * signature made for the Host a client also sends does not carry over to the absolute target.
 * (HTTP/2 `:authority` is tested on the Node adapter in packages/server/test/authority.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.5.4 HTTP Versions and Component Ambiguity', () => {
  it.each(TARGETS)('%s: an absolute-form target of another origin, with the signed Host kept, is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac)
    expect(await h.send(target, { ...m, target: 'http://internal.example/orders?id=7' })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
