/**
 * RFC 9421 section 7.3.1, Cryptography and Signature Collision: a signature value that is not
 * exactly the one the key produced over this base (a flipped bit, a truncation, another
 * signature's value) never verifies.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'
import type { HttpRequestMessage } from '@signet/core'

const h = attackHarness()

function withSignatureBytes(m: HttpRequestMessage, change: (bytes: Buffer) => Buffer): HttpRequestMessage {
  return {
    ...m,
    fields: m.fields.map((f) => {
      if (f.name !== 'signature') return f
      const b64 = /^sig1=:([^:]*):$/.exec(f.value)![1]!
      return { name: f.name, value: `sig1=:${change(Buffer.from(b64, 'base64')).toString('base64')}:` }
    }),
  }
}

describe('RFC 9421 7.3.1 Cryptography and Signature Collision', () => {
  it.each(TARGETS)('%s: a signature with one bit flipped is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.ed25519)
    const flipped = withSignatureBytes(m, (b) => {
      b[5] = (b[5] as number) ^ 0x01
      return b
    })
    expect(await h.send(target, flipped)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)('%s: a truncated HMAC value is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac)
    expect(await h.send(target, withSignatureBytes(m, (b) => b.subarray(0, 16)))).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })

  it.each(TARGETS)("%s: another request's valid signature value grafted on is refused with ERR_SIGNATURE_INVALID", async (target) => {
    const victim = await signed(h.keys.hmac)
    const other = await signed(h.keys.hmac, { target: '/orders?id=8' })
    const graft = { ...other, fields: other.fields.map((f) => (f.name === 'signature' ? victim.fields.find((v) => v.name === 'signature')! : f)) }
    expect(await h.send(target, graft)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
