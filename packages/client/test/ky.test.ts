/**
 * ky 2.x hooks against a loopback server: every request signed, every retry signed afresh
 * (new created and nonce), bodies byte-identical, cross-origin redirects stripped. The whole
 * file runs on both ends of the peer range `>=2 <3`: the newest 2.x (`ky`) and the oldest,
 * 2.0.0 (the dev dependency `ky-oldest`, an alias of ky@2.0.0).
 */
import { readFileSync } from 'node:fs'
import { importKey, verifyMessage, verifyMessageDigest } from '@signet/core'
import kyNewest from 'ky'
import kyOldest from 'ky-oldest'
import { describe, expect, it } from 'vitest'
import { createSigner } from '../src/index.ts'
import { kySigner, signetKyHooks } from '../src/ky.ts'
import { ed25519Jwk, publicJwk } from './keys.ts'
import { arrivalMessage, ok, useLoopbacks } from './loopback.ts'
import type { Arrival, Loopback } from './loopback.ts'

const [a, b] = (await useLoopbacks(2)) as [Loopback, Loopback]
const edPublic = await importKey(publicJwk(ed25519Jwk))

async function verifyArrival(arrival: Arrival, now?: () => number) {
  const message = arrivalMessage(arrival)
  if (arrival.body.length > 0) await verifyMessageDigest(message)
  return verifyMessage(message, { key: edPublic, maxAgeSeconds: 300, ...(now === undefined ? {} : { now }) })
}

function param(arrival: Arrival, name: string): string {
  return new RegExp(`;${name}=("?)([^";]*)\\1`).exec(String(arrival.headers['signature-input']))![2]!
}

// A clock that moves one second per reading, so a retry's `created` must differ.
function tickingClock(): () => number {
  let t = 1_800_000_000
  return () => t++
}

// Both are dev dependencies of this package (ky does not export its package.json).
const kyVersion = (name: string): string =>
  (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version

describe.each([
  [`ky ${kyVersion('ky-oldest')} (oldest in range)`, kyOldest as unknown as typeof kyNewest],
  [`ky ${kyVersion('ky')} (newest)`, kyNewest],
])('ky hooks, %s', (_label, ky) => {
  it('beforeRequest signs a JSON body; the body arrives byte-identical', async () => {
    const api = ky.create({ prefix: a.origin, hooks: signetKyHooks(createSigner({ key: ed25519Jwk })) })
    const result = await api.post('items', { json: { name: 'pen', price: 1.5 } }).text()
    expect(result).toBe('ok')
    const arrival = a.arrivals[0]!
    expect(new TextDecoder().decode(arrival.body)).toBe('{"name":"pen","price":1.5}')
    const [verified] = await verifyArrival(arrival)
    expect(verified!.components).toEqual(['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'])
  })

  it('beforeRetry signs afresh: new nonce and created, same body, each attempt verifies', async () => {
    a.handler = (arrival, res, index) => {
      if (index < 2) {
        res.writeHead(503, { 'retry-after': '0' })
        res.end()
      } else ok(arrival, res, index)
    }
    const api = ky.create({
      prefix: a.origin,
      hooks: signetKyHooks(createSigner({ key: ed25519Jwk, now: tickingClock() })),
      retry: { limit: 3, methods: ['post'], statusCodes: [503], delay: () => 0 },
    })
    await api.post('pay', { body: 'amount=5' })
    expect(a.arrivals).toHaveLength(3)
    const nonces = new Set(a.arrivals.map((x) => param(x, 'nonce')))
    const created = new Set(a.arrivals.map((x) => param(x, 'created')))
    expect(nonces.size).toBe(3)
    expect(created.size).toBe(3)
    for (const arrival of a.arrivals) {
      expect(new TextDecoder().decode(arrival.body)).toBe('amount=5')
      // Exactly one signature per attempt: the stale one was replaced, not appended.
      expect(String(arrival.headers['signature-input']).match(/sig1=/g)).toHaveLength(1)
      await verifyArrival(arrival, () => Number(param(arrival, 'created')))
    }
  })

  it('kySigner: a cross-origin redirect arrives without signature headers', async () => {
    a.handler = (_arrival, res) => {
      res.writeHead(307, { location: `${b.origin}/landing` })
      res.end()
    }
    const api = ky.create({ prefix: a.origin, ...kySigner(createSigner({ key: ed25519Jwk })) })
    expect(await api.put('move', { body: 'data' }).text()).toBe('ok')
    expect(a.arrivals[0]!.headers['signature']).toBeDefined()
    await verifyArrival(a.arrivals[0]!)
    const arrived = b.arrivals[0]!
    expect(arrived.headers['signature']).toBeUndefined()
    expect(arrived.headers['signature-input']).toBeUndefined()
    expect(new TextDecoder().decode(arrived.body)).toBe('data')
  })

  it('kySigner: a same-origin redirect is re-signed', async () => {
    a.handler = (arrival, res) => {
      if (arrival.url === '/old') {
        res.writeHead(308, { location: '/new' })
        res.end()
      } else ok(arrival, res, 0)
    }
    const api = ky.create({ prefix: a.origin, ...kySigner(createSigner({ key: ed25519Jwk })) })
    await api.post('old', { body: 'z' })
    expect(a.arrivals.map((x) => x.url)).toEqual(['/old', '/new'])
    await verifyArrival(a.arrivals[0]!)
    await verifyArrival(a.arrivals[1]!)
    expect(param(a.arrivals[0]!, 'nonce')).not.toBe(param(a.arrivals[1]!, 'nonce'))
  })

  it('bare hooks send with redirect "manual": a cross-origin redirect comes back, nothing reaches the other origin', async () => {
    a.handler = (_arrival, res) => {
      res.writeHead(307, { location: `${b.origin}/steal` })
      res.end()
    }
    const api = ky.create({ prefix: a.origin, hooks: signetKyHooks(createSigner({ key: ed25519Jwk })), retry: 0 })
    const response = await api.post('x', { body: 'secret', throwHttpErrors: false })
    expect(response.status).toBe(307)
    expect(b.arrivals).toHaveLength(0)
  })

  it('kySigner: a clock-skew 401 teaches the offset and is retried once, signed afresh', async () => {
    a.handler = async (arrival, res) => {
      const serverNow = Math.floor(Date.now() / 1000) + 7200
      try {
        await verifyArrival(arrival, () => serverNow)
        ok(arrival, res, 0)
      } catch (err) {
        res.writeHead(401, { 'content-type': 'application/problem+json', date: new Date(serverNow * 1000).toUTCString() })
        res.end(JSON.stringify({ code: (err as { code: string }).code }))
      }
    }
    const signer = createSigner({ key: ed25519Jwk })
    const api = ky.create({ prefix: a.origin, ...kySigner(signer) })
    expect(await api.post('t', { json: { n: 1 } }).text()).toBe('ok')
    expect(a.arrivals).toHaveLength(2)
    expect(Math.abs(signer.clockOffsetSeconds - 7200)).toBeLessThanOrEqual(2)
    expect(param(a.arrivals[0]!, 'nonce')).not.toBe(param(a.arrivals[1]!, 'nonce'))
    expect(a.arrivals[1]!.body).toEqual(a.arrivals[0]!.body)
    expect(String(a.arrivals[1]!.headers['signature-input']).match(/sig1=/g)).toHaveLength(1)
  })

  it('kySigner: an Accept-Signature 401 is met once, without the stale signature', async () => {
    a.handler = async (arrival, res) => {
      try {
        await verifyMessage(
          arrivalMessage(arrival),
          { key: edPublic, label: 'wanted', requiredComponents: ['@method', '@path', 'content-digest'] },
        )
        ok(arrival, res, 0)
      } catch {
        res.writeHead(401, { 'accept-signature': 'wanted=("@method" "@path" "content-digest");created;nonce' })
        res.end()
      }
    }
    const api = ky.create({ prefix: a.origin, ...kySigner(createSigner({ key: ed25519Jwk })) })
    expect(await api.post('p', { body: 'b' }).text()).toBe('ok')
    expect(a.arrivals).toHaveLength(2)
    expect(String(a.arrivals[1]!.headers['signature-input'])).toMatch(/^wanted=\("@method" "@path" "content-digest"\);created=\d+;nonce="/)
  })

  it('a bad request fails in beforeRequest before anything is sent', async () => {
    const api = ky.create({ prefix: a.origin, hooks: signetKyHooks(createSigner({ key: ed25519Jwk, maxBodyBytes: 2 })), retry: 0 })
    await expect(api.post('x', { body: 'too long' })).rejects.toMatchObject({ code: 'ERR_BODY_TOO_LARGE' })
    expect(a.arrivals).toHaveLength(0)
  })
})
