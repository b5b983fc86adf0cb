/**
 * RFC 9421 section 7.3.5, Non-deterministic Signature Primitives: ECDSA signs the same base
 * differently each time, and (r, n - s) is a second valid value for a captured (r, s). A
 * verifier that keyed replays on the signature value would accept either as new; Signet keys
 * them on (keyid, nonce), so every re-encoding of a captured request is still a replay.
 */
import { describe, expect, it } from 'vitest'
import type { HttpRequestMessage } from '@signet/core'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()
// The order of the P-256 group (FIPS 186-4 D.1.2.3).
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

function malleate(m: HttpRequestMessage): HttpRequestMessage {
  return {
    ...m,
    fields: m.fields.map((f) => {
      if (f.name !== 'signature') return f
      const raw = Buffer.from(/^sig1=:([^:]*):$/.exec(f.value)![1]!, 'base64')
      const s = BigInt(`0x${raw.subarray(32).toString('hex')}`)
      const flipped = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex')
      return { name: f.name, value: `sig1=:${Buffer.concat([raw.subarray(0, 32), flipped]).toString('base64')}:` }
    }),
  }
}

describe('RFC 9421 7.3.5 Non-deterministic Signature Primitives', () => {
  it.each(TARGETS)('%s: a captured ECDSA request replayed with the malleated value (r, n - s) is refused with ERR_NONCE_REPLAYED', async (target) => {
    const m = await signed(h.keys.ecdsa)
    expect(await h.send(target, m)).toMatchObject({ status: 200, keyid: 'k-ec' })
    expect(await h.send(target, malleate(m))).toMatchObject({ status: 401, code: 'ERR_NONCE_REPLAYED' })
  })
})
