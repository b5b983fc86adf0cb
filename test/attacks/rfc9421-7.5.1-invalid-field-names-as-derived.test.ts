/**
 * RFC 9421 section 7.5.1, Processing Invalid HTTP Field Names as Derived Component Names: an
 * identifier starting with `@` is never looked up as a field, and one the RFC does not define
 * is refused rather than read from a field a client could send (`@method` is not `"@method"`).
 */
import { describe, expect, it } from 'vitest'
import type { HttpRequestMessage } from '@signet/core'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

function editInput(m: HttpRequestMessage, edit: (value: string) => string): HttpRequestMessage {
  return { ...m, fields: m.fields.map((f) => (f.name === 'signature-input' ? { name: f.name, value: edit(f.value) } : f)) }
}

describe('RFC 9421 7.5.1 Processing Invalid HTTP Field Names as Derived Component Names', () => {
  it.each(TARGETS)('%s: an undefined derived component "@admin" (with an "@admin" field sent) is refused with ERR_UNKNOWN_COMPONENT', async (target) => {
    const m = await signed(h.keys.hmac)
    const forged = editInput({ ...m, fields: [...m.fields, { name: 'x-admin', value: 'true' }] }, (v) => v.replace('("@method"', '("@admin" "@method"'))
    expect(await h.send(target, forged)).toMatchObject({ status: 400, code: 'ERR_UNKNOWN_COMPONENT' })
  })

  it.each(TARGETS)('%s: a component name that is not a valid field name ("x amount") is refused with ERR_INVALID_COMPONENT', async (target) => {
    const m = await signed(h.keys.hmac)
    const forged = editInput(m, (v) => v.replace('("@method"', '("x amount" "@method"'))
    expect(await h.send(target, forged)).toMatchObject({ status: 400, code: 'ERR_INVALID_COMPONENT' })
  })
})
