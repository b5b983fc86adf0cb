/**
 * The verifier's admission stage (`admit`, issue 17): it runs last, only for a request whose
 * signature, nonce and scopes held, so refusals for IP, signature or scope never reach it; its
 * refusal reaches `onRejected` with the key id, and `problemFor` answers a `LimitExceededError`
 * with 429, `Retry-After`, `RateLimit-Policy` and `RateLimit`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import express from 'express'
import { Hono } from 'hono'
import { LimitExceededError } from '@signet/core'
import { createVerifier, problemFor, rateLimitHeaders, signetExpress, withSignet, withSignetNode } from '@signet/server'
import { signetHono } from '@signet/server/hono'
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

describe('admit answers the state of the limits: RateLimit fields on accepted requests', () => {
  const state = [
    { name: 'key', quota: 10, windowSeconds: 60, remaining: 7, resetSeconds: 11.2 },
    { name: 'credits', quota: 500, windowSeconds: 86_400, remaining: 420, resetSeconds: 3600 },
  ]
  const POLICY = '"key";q=10;w=60, "credits";q=500;w=86400'
  const STATE = '"key";r=7;t=12, "credits";r=420;t=3600'

  async function setup(answer: () => unknown) {
    const { key } = await hmacKey('k1')
    const verifier = createVerifier({ keys: [record('k1', key)], clock: () => Date.now(), admit: answer as never })
    const request = async (): Promise<Request> => {
      const m = await sign(await requestMessage({ authority: 'api.test' }), key, { created: Math.floor(Date.now() / 1000) })
      const headers = new Headers()
      for (const f of m.fields) headers.append(f.name, f.value)
      return new Request('https://api.test/orders?id=7', { headers })
    }
    return { verifier, request, key }
  }

  it('a synchronous or asynchronous answer lands on the identity; none, or an empty list, leaves it unset', async () => {
    for (const answer of [() => ({ rateLimits: state }), async () => ({ rateLimits: state })]) {
      const { verifier, request } = await setup(answer)
      const identity = await verifier.verify(await request())
      expect(identity.rateLimits).toEqual(state)
      expect(rateLimitHeaders(identity)).toEqual({ 'ratelimit-policy': POLICY, ratelimit: STATE })
    }
    for (const answer of [() => undefined, async () => undefined, () => ({}), () => ({ rateLimits: [] })]) {
      const { verifier, request } = await setup(answer)
      const identity = await verifier.verify(await request())
      expect(identity.rateLimits).toBeUndefined()
      expect(rateLimitHeaders(identity)).toEqual({})
    }
  })

  it('the Fetch wrapper, the Node wrapper, the Hono and the Express middleware send them; a handler\'s own fields win', async () => {
    const { verifier, request, key } = await setup(() => ({ rateLimits: state }))
    const fetchOk = await withSignet(verifier, () => new Response('ok'))(await request())
    expect([fetchOk.headers.get('ratelimit-policy'), fetchOk.headers.get('ratelimit')]).toEqual([POLICY, STATE])
    // An immutable response (Response.redirect) is copied with the fields.
    const redirect = await withSignet(verifier, () => Response.redirect('https://api.test/elsewhere', 303))(await request())
    expect([redirect.status, redirect.headers.get('location'), redirect.headers.get('ratelimit')]).toEqual([303, 'https://api.test/elsewhere', STATE])
    const own = await withSignet(verifier, () => new Response('ok', { headers: { ratelimit: '"mine";r=1;t=1' } }))(await request())
    expect(own.headers.get('ratelimit')).toBe('"mine";r=1;t=1')
    expect(own.headers.get('ratelimit-policy')).toBe(POLICY)

    const app = new Hono()
    app.use('*', signetHono(verifier))
    app.get('/orders', (c) => c.text('ok'))
    const viaHono = await app.fetch(await request())
    expect([viaHono.status, viaHono.headers.get('ratelimit-policy'), viaHono.headers.get('ratelimit')]).toEqual([200, POLICY, STATE])

    // The Node wrapper and the Express middleware, each behind a loopback server: the request
    // is signed for that server's own authority.
    const app2 = express()
    app2.use(signetExpress(verifier))
    app2.get('/orders', (_req, res) => void res.send('ok'))
    for (const [name, handler] of [['withSignetNode', withSignetNode(verifier, (_req, res) => res.end('ok'))], ['signetExpress', app2]] as const) {
      const server = createServer(handler)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        const port = (server.address() as AddressInfo).port
        const m = await sign(await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http' }), key, { created: Math.floor(Date.now() / 1000) })
        const headers = Object.fromEntries(m.fields.filter((f) => f.name !== 'host').map((f) => [f.name, f.value]))
        const answer = await fetch(`http://127.0.0.1:${port}${m.target}`, { headers })
        expect([answer.status, answer.headers.get('ratelimit-policy'), answer.headers.get('ratelimit')], name).toEqual([200, POLICY, STATE])
      } finally {
        await new Promise((resolve) => server.close(resolve))
      }
    }
  })
})
