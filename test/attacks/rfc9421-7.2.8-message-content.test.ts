/**
 * RFC 9421 section 7.2.8, Message Content: covering Content-Digest protects the body only if
 * the digest is recomputed over the bytes received (RFC 9530).
 */
import { describe, expect, it } from 'vitest'
import { createContentDigest, utf8 } from '@signet/core'
import { TARGETS, attackHarness, signed, withField } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.2.8 Message Content', () => {
  it.each(TARGETS)('%s: swapping the body under a covered Content-Digest is refused with ERR_DIGEST_MISMATCH', async (target) => {
    const m = await signed(h.keys.hmac, { body: '{"pay":1}' })
    expect(await h.send(target, { ...m, body: utf8('{"pay":9}') })).toMatchObject({ status: 401, code: 'ERR_DIGEST_MISMATCH' })
  })

  it.each(TARGETS)('%s: swapping the body and recomputing Content-Digest is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const m = await signed(h.keys.hmac, { body: '{"pay":1}' })
    const body = utf8('{"pay":9}')
    const swapped = withField({ ...m, body }, 'content-digest', await createContentDigest(body))
    expect(await h.send(target, swapped)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
