/**
 * Issue 11, defect 3: a request signed for another service that shares the keys (its Host, or
 * an absolute-form target of another origin) is replayed here. Every target pins its authority
 * (`authorities` / `--authority attack.test`) and answers 421.
 */
import { describe, expect, it } from 'vitest'
import { AUTHORITY, TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness({ authorities: [AUTHORITY] })

describe('issue 11 defect 3: authority pinning', () => {
  it.each(TARGETS)('%s: a request captured on its way to payments.internal.example is refused with 421 ERR_AUTHORITY_MISMATCH', async (target) => {
    const m = await signed(h.keys.hmac, { authority: 'payments.internal.example' })
    expect(await h.send(target, m)).toMatchObject({ status: 421, code: 'ERR_AUTHORITY_MISMATCH' })
  })

  it.each(TARGETS)('%s: an absolute-form target of another origin (Host naming this one) is refused with 421 ERR_AUTHORITY_MISMATCH', async (target) => {
    const m = await signed(h.keys.hmac, { authority: 'payments.internal.example', target: 'http://payments.internal.example/orders?id=7' })
    const sent = { ...m, fields: m.fields.map((f) => (f.name === 'host' ? { name: 'host', value: AUTHORITY } : f)) }
    expect(await h.send(target, sent)).toMatchObject({ status: 421, code: 'ERR_AUTHORITY_MISMATCH' })
  })

  it.each(TARGETS)('%s: control: a request for the pinned authority is accepted', async (target) => {
    expect(await h.send(target, await signed(h.keys.hmac))).toMatchObject({ status: 200, keyid: 'k-hmac' })
  })
})
