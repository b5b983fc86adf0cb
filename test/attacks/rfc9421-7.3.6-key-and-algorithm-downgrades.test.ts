/**
 * RFC 9421 section 7.3.6, Key and Algorithm Specification Downgrades: the key decides the
 * algorithm; an `alg` parameter that names another one is refused, never followed.
 */
import { describe, expect, it } from 'vitest'
import type { HttpRequestMessage } from '@signet/core'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

function withAlg(m: HttpRequestMessage, alg: string): HttpRequestMessage {
  return { ...m, fields: m.fields.map((f) => (f.name === 'signature-input' ? { name: f.name, value: `${f.value};alg="${alg}"` } : f)) }
}

describe('RFC 9421 7.3.6 Key and Algorithm Specification Downgrades', () => {
  it.each(TARGETS)('%s: alg="rsa-v1_5-sha256" on an Ed25519 key is refused with ERR_ALG_MISMATCH', async (target) => {
    const m = await signed(h.keys.ed25519)
    expect(await h.send(target, withAlg(m, 'rsa-v1_5-sha256'))).toMatchObject({ status: 401, code: 'ERR_ALG_MISMATCH' })
  })

  it.each(TARGETS)('%s: alg="hmac-sha256" on an ECDSA key is refused with ERR_ALG_MISMATCH', async (target) => {
    const m = await signed(h.keys.ecdsa)
    expect(await h.send(target, withAlg(m, 'hmac-sha256'))).toMatchObject({ status: 401, code: 'ERR_ALG_MISMATCH' })
  })
})
