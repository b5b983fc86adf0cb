/**
 * RFC 9421 section 7.4.4, Multiple Message Component Contexts: a component that belongs to
 * another message (`;req` on a request, `@status` of a response) is not read from this one.
 */
import { describe, expect, it } from 'vitest'
import type { HttpRequestMessage } from '@signet/core'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

function editInput(m: HttpRequestMessage, edit: (value: string) => string): HttpRequestMessage {
  return { ...m, fields: m.fields.map((f) => (f.name === 'signature-input' ? { name: f.name, value: edit(f.value) } : f)) }
}

describe('RFC 9421 7.4.4 Multiple Message Component Contexts', () => {
  it.each(TARGETS)("%s: a request signature covering a response's @status is refused with ERR_INVALID_COMPONENT", async (target) => {
    const m = await signed(h.keys.hmac)
    const outcome = await h.send(target, editInput(m, (v) => v.replace('("@method"', '("@status" "@method"')))
    expect(outcome).toMatchObject({ status: 400, code: 'ERR_INVALID_COMPONENT' })
  })

  it.each(TARGETS)('%s: a request signature also covering "@path";req (a related request it does not have) is refused with ERR_INVALID_COMPONENT', async (target) => {
    const m = await signed(h.keys.hmac)
    const outcome = await h.send(target, editInput(m, (v) => v.replace('("@method"', '("@path";req "@method"')))
    expect(outcome).toMatchObject({ status: 400, code: 'ERR_INVALID_COMPONENT' })
  })
})
