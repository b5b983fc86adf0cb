/**
 * RFC 9421 section 7.2.7, Collision of Application-Specific Signature Tag: a signature made
 * for another application (another `tag`) cannot be re-tagged to pass here, since the tag is
 * part of the signed `@signature-params`.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.7 Collision of Application-Specific Signature Tag', () => {
  it.each(TARGETS)('%s: re-tagging a signature made for another application is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { params: { tag: 'web-bot-auth' } })
    const retagged = { ...m, fields: m.fields.map((f) => (f.name === 'signature-input' ? { name: f.name, value: f.value.replace('tag="web-bot-auth"', 'tag="payments"') } : f)) }
    expect(await h.send(target, retagged)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
