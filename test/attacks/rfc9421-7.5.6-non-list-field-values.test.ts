/**
 * RFC 9421 section 7.5.6, Non-List Field Values: a field that is not a list, sent twice, is
 * joined with ", " into a value nobody signed; an application that reads only one of the lines
 * would see a value the signature does not vouch for.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.5.6 Non-List Field Values', () => {
  it.each(TARGETS)('%s: a second Content-Type line after the signed one is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { body: '{"a":1}' })
    expect(await h.send(target, { ...m, fields: [...m.fields, { name: 'content-type', value: 'text/plain' }] })).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
