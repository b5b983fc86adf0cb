/**
 * RFC 9421 section 7.3.3, Symmetric Cryptography: an HMAC "signature" keyed with something the
 * attacker knows (the public key of an asymmetric key, a guessed secret) must not verify.
 */
import { describe, expect, it } from 'vitest'
import { exportJwk, importKey, publicKey } from '@signet/core'
import { TARGETS, attackHarness, signed } from './harness.ts'

const h = attackHarness()

describe('RFC 9421 7.3.3 Symmetric Cryptography', () => {
  it.each(TARGETS)("%s: HMAC keyed with the Ed25519 key's public bytes, alg=hmac-sha256, is refused with ERR_ALG_MISMATCH", async (target) => {
    const pub = await exportJwk(publicKey(h.keys.ed25519))
    const confused = await importKey({ kty: 'oct', k: pub.x as string }, { kid: 'k-ed', alg: 'hmac-sha256' })
    const m = await signed(confused, { params: { keyid: 'k-ed', alg: true } })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_ALG_MISMATCH' })
  })

  it.each(TARGETS)('%s: the same forgery without alg (the key decides the algorithm) is refused with ERR_SIGNATURE_INVALID', async (target) => {
    const pub = await exportJwk(publicKey(h.keys.ed25519))
    const confused = await importKey({ kty: 'oct', k: pub.x as string }, { kid: 'k-ed', alg: 'hmac-sha256' })
    const m = await signed(confused, { params: { keyid: 'k-ed' } })
    expect(await h.send(target, m)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_INVALID' })
  })
})
