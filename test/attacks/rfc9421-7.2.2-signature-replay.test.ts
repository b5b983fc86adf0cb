/**
 * RFC 9421 section 7.2.2, Signature Replay: a captured signed request sent again, whether to
 * the same service or after its window, is refused.
 */
import { describe, expect, it } from 'vitest'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.2 Signature Replay', () => {
  it.each(TARGETS)('%s: replaying a captured request is refused with ERR_NONCE_REPLAYED', async (target) => {
    const message = await signed(h.keys.hmac, { body: '{"pay":100}' })
    expect(await h.send(target, message)).toMatchObject({ status: 200, keyid: 'k-hmac' })
    expect(await h.send(target, message)).toMatchObject({ status: 401, code: 'ERR_NONCE_REPLAYED' })
  })

  it.each(TARGETS)('%s: a request captured before the window (created 400 s ago) is refused with ERR_SIGNATURE_TOO_OLD', async (target) => {
    const old = await signed(h.keys.hmac, { params: { created: Math.floor(Date.now() / 1000) - 400 } })
    expect(await h.send(target, old)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_TOO_OLD' })
  })

  it.each(TARGETS)('%s: a signature without a nonce (replayable within its window) is refused with ERR_REQUIRED_PARAMETER', async (target) => {
    const bare = await signed(h.keys.hmac, { params: { nonce: undefined } })
    expect(await h.send(target, bare)).toMatchObject({ status: 401, code: 'ERR_REQUIRED_PARAMETER' })
  })
})
