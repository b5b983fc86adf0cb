/**
 * Issue 11, defect 1: behind a trusted proxy that appends X-Forwarded-For, a client-sent
 * `Forwarded: for=...` must not pick the address the key's IP rules see. Every target trusts
 * 127.0.0.1 (where the test connects from) and reads X-Forwarded-For only; the key `k-allow`
 * may be used from 203.0.113.0/24 only.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness({ trustedProxies: ['127.0.0.1'], forwardedHeader: 'x-forwarded-for' })

describe('issue 11 defect 1: Forwarded overriding a trusted proxy', () => {
  it.each(TARGETS)('%s: a client Forwarded: for=<allowed address> (the proxy wrote no XFF) is refused with ERR_IP_DENIED', async (target) => {
    const m = await signed(h.keys.allowListed, { fields: [{ name: 'forwarded', value: 'for=203.0.113.5;proto=https' }] })
    expect(await h.send(target, m)).toMatchObject({ status: 403, code: 'ERR_IP_DENIED' })
  })

  it.each(TARGETS)('%s: a client Forwarded beside the XFF its proxy appended is ignored: refused with ERR_IP_DENIED', async (target) => {
    const m = await signed(h.keys.allowListed, { fields: [{ name: 'forwarded', value: 'for=203.0.113.5' }, { name: 'x-forwarded-for', value: '198.51.100.7' }] })
    expect(await h.send(target, m)).toMatchObject({ status: 403, code: 'ERR_IP_DENIED' })
  })

  it.each(TARGETS)('%s: an allowed address forged at the left of X-Forwarded-For is never reached: refused with ERR_IP_DENIED', async (target) => {
    const m = await signed(h.keys.allowListed, { fields: [{ name: 'x-forwarded-for', value: '203.0.113.5, 198.51.100.7' }] })
    expect(await h.send(target, m)).toMatchObject({ status: 403, code: 'ERR_IP_DENIED' })
  })

  it.each(TARGETS)('%s: control: the address the trusted proxy appended is the client, and is allowed', async (target) => {
    const m = await signed(h.keys.allowListed, { fields: [{ name: 'x-forwarded-for', value: '203.0.113.5' }] })
    expect(await h.send(target, m)).toMatchObject({ status: 200, keyid: 'k-allow' })
  })
})
