/**
 * RFC 9421 section 7.4.1, Modification of Required Message Parameters: the parameters are part
 * of the signed `@signature-params` line, so freshening `created` or dropping `expires` breaks
 * the signature.
 */
import { describe, expect, it } from 'vitest'
import type { HttpRequestMessage } from '@signet/core'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

function editInput(m: HttpRequestMessage, edit: (value: string) => string): HttpRequestMessage {
  return { ...m, fields: m.fields.map((f) => (f.name === 'signature-input' ? { name: f.name, value: edit(f.value) } : f)) }
}

describe('RFC 9421 7.4.1 Modification of Required Message Parameters', () => {
  it.each(TARGETS)('%s: an old capture with created rewritten to now is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const old = Math.floor(Date.now() / 1000) - 400
    const m = await signed(h.keys.hmac, { params: { created: old } })
    const freshened = editInput(m, (v) => v.replace(`created=${old}`, `created=${Math.floor(Date.now() / 1000)}`))
    expect(await h.send(target, freshened)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: an expired signature with expires removed is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const now = Math.floor(Date.now() / 1000)
    const m = await signed(h.keys.hmac, { params: { created: now - 100, expires: now - 50 } })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_EXPIRED' })
    const unexpired = editInput(m, (v) => v.replace(`;expires=${now - 50}`, ''))
    expect(await h.send(target, unexpired)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
