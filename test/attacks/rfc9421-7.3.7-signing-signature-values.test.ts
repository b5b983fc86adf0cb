/**
 * RFC 9421 section 7.3.7, Signing Signature Values: a signature that covers another signature
 * (`"signature";key="sig0"`) depends on it; stripping the inner one does not leave the outer
 * one standing.
 */
import { describe, expect, it } from 'vitest'
import { signMessage } from '@signet/core'
import { TARGETS, attackHarness, freshNonce, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.3.7 Signing Signature Values', () => {
  it.each(TARGETS)('%s: removing the inner signature an outer one covers is refused with ERR_MISSING_COMPONENT', async (target) => {
    const inner = await signed(h.keys.other, { params: { label: 'sig0' } })
    const outer = await signMessage(inner, {
      key: h.keys.hmac,
      label: 'sig1',
      components: ['@method', '@target-uri', '"signature";key="sig0"'],
      created: Math.floor(Date.now() / 1000),
      nonce: freshNonce(),
    })
    const stripped = {
      ...inner,
      fields: [...inner.fields.filter((f) => f.name !== 'signature-input' && f.name !== 'signature'), { name: 'signature-input', value: outer.signatureInput }, { name: 'signature', value: outer.signature }],
    }
    expect(await h.send(target, stripped)).toMatchObject({ status: 401, code: 'ERR_MISSING_COMPONENT' })
  })
})
