/**
 * The verifier's admission stage (`admit`, issue 17): it runs last, only for a request whose
 * signature, nonce and scopes held, so refusals for IP, signature or scope never reach it; its
 * refusal reaches `onRejected` with the key id, and `problemFor` answers a `LimitExceededError`
 * with 429, `Retry-After`, `RateLimit-Policy` and `RateLimit`.
 */
import { describe, expect, it } from 'vitest'
import { LimitExceededError } from '@signet/core'
import { createVerifier, problemFor } from '@signet/server'
import type { VerificationEvent, VerifiedIdentity } from '@signet/server'
import { NOW_MS, hmacKey, record, rejection, requestMessage, sign } from './helpers.ts'

describe('admit: the admission stage', () => {
  it('runs only after signature, nonce and scopes hold; its refusal is reported with the key id', async () => {
    const { key } = await hmacKey('k1')
    const admitted: string[] = []
    const rejected: VerificationEvent[] = []
    let refuse = false
    const verifier = createVerifier({
      keys: [record('k1', key, { scopes: ['read'], denyIps: ['192.0.2.0/24'] })],
      clock: () => NOW_MS,
      admit: (identity: VerifiedIdentity) => {
        admitted.push(identity.keyid)
        if (refuse) throw new LimitExceededError('ERR_RATE_LIMITED', 'over', { retryAfterSeconds: 2.2, policies: [{ name: 'key', quota: 10, windowSeconds: 60, remaining: 0, resetSeconds: 59.5 }] })
      },
      onRejected: (e) => void rejected.push(e),
    })
    const signed = async () => sign(await requestMessage(), key, { created: NOW_MS / 1000 })
    expect((await rejection(verifier.verify(await signed(), { clientIp: '192.0.2.1' }))).code).toBe('ERR_IP_DENIED')
    expect((await rejection(verifier.verify(await signed(), { clientIp: '203.0.113.1', requiredScopes: ['write'] }))).code).toBe('ERR_SCOPE_DENIED')
    const replayed = await signed()
    await verifier.verify(replayed, { clientIp: '203.0.113.1' })
    expect((await rejection(verifier.verify(replayed, { clientIp: '203.0.113.1' }))).code).toBe('ERR_NONCE_REPLAYED')
    expect(admitted).toEqual(['k1'])

    refuse = true
    let error: unknown
    await verifier.verify(await signed(), { clientIp: '203.0.113.1' }).catch((e: unknown) => (error = e))
    expect(error).toBeInstanceOf(LimitExceededError)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(rejected.at(-1)).toMatchObject({ keyid: 'k1', code: 'ERR_RATE_LIMITED', ip: '203.0.113.1' })
    const p = problemFor(error)
    expect(p.status).toBe(429)
    expect(p.headers).toMatchObject({ 'retry-after': '3', 'ratelimit-policy': '"key";q=10;w=60', ratelimit: '"key";r=0;t=60' })
    expect(problemFor(new LimitExceededError('ERR_CREDITS_EXHAUSTED', 'none left', { retryAfterSeconds: 100, policies: [] })).status).toBe(429)
  })

  it('refuses an admit that is not a function', () => {
    expect(() => createVerifier({ keys: [], admit: 'no' as never })).toThrow(TypeError)
  })
})
