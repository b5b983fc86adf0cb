/**
 * RFC 9421 section 7.2.4, Choosing Signature Parameters and Derived Components over HTTP
 * Fields: the `Host` field is not the target URI (an absolute-form target or a proxy can make
 * them differ), so covering `host` + `@path` instead of `@target-uri` is not enough.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.4 Choosing Signature Parameters and Derived Components over HTTP Fields', () => {
  it.each(TARGETS)('%s: a signature over the host field and @path instead of @target-uri is refused with ERR_REQUIRED_COMPONENT', async (target) => {
    const m = await signed(h.keys.hmac, { components: ['@method', 'host', '@path'] })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_REQUIRED_COMPONENT' })
  })

  it.each(TARGETS)('%s: a signature without created (no age to check) is refused with ERR_REQUIRED_PARAMETER', async (target) => {
    const m = await signed(h.keys.hmac, { params: { created: null } })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_REQUIRED_PARAMETER' })
  })
})
