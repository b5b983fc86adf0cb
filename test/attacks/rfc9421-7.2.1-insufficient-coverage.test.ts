/**
 * RFC 9421 section 7.2.1, Insufficient Coverage: a signature that leaves out what the
 * application acts on (the target, the body) lets an attacker change it freely.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.1 Insufficient Coverage', () => {
  it.each(TARGETS)('%s: a signature over @method alone (target free to change) is refused with ERR_REQUIRED_COMPONENT', async (target) => {
    const m = await signed(h.keys.hmac, { components: ['@method'] })
    expect(await h.send(target, { ...m, target: '/admin/delete-all' })).toMatchObject({ status: 401, code: 'ERR_REQUIRED_COMPONENT' })
  })

  it.each(TARGETS)('%s: a body whose digest is not covered (body free to change) is refused with ERR_REQUIRED_COMPONENT', async (target) => {
    const m = await signed(h.keys.hmac, { body: '{"pay":1}', components: ['@method', '@target-uri'] })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_REQUIRED_COMPONENT' })
  })
})
