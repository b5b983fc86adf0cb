/**
 * The `Date` of a refusal comes from the verifier's clock, in every adapter: a client learns its
 * clock offset from that field (DESIGN.md "Client"), so it must be the clock that judged
 * `created`, not the host's. The verifier here runs 10 minutes ahead of the host.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import express from 'express'
import { Hono } from 'hono'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { createVerifier } from '../src/verifier.ts'
import type { Verifier } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import { withSignet } from '../src/adapters/fetch.ts'
import { signetHono } from '../src/adapters/hono.ts'
import { signetExpress, withSignetNode } from '../src/adapters/node.ts'
import { hmacKey, record, requestMessage, sign } from './helpers.ts'
import { send } from './http-client.ts'

const AHEAD_MS = 10 * 60 * 1000
// Fixed once, so the expected field is exact; whole seconds, as `Date` carries no more.
const VERIFIER_NOW_MS = Math.floor((Date.now() + AHEAD_MS) / 1000) * 1000
const EXPECTED_DATE = new Date(VERIFIER_NOW_MS).toUTCString()

let hmac: SignetKey
const servers: Server[] = []

beforeAll(async () => {
  hmac = (await hmacKey('k-hmac')).key
})

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve))
})

function aheadVerifier(): Verifier {
  return createVerifier({ keys: [record('k-hmac', hmac, { owner: 'acme' })], nonces: new MemoryNonceStore(), clock: () => VERIFIER_NOW_MS })
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** Signed with the host's clock: 10 minutes old to the verifier, so refused as stale. */
async function hostSigned(authority: string): Promise<HttpRequestMessage> {
  const m = await requestMessage({ authority, scheme: 'http', target: '/orders?id=7' })
  return sign(m, hmac, { created: Math.floor(Date.now() / 1000) })
}

function toRequest(message: HttpRequestMessage): Request {
  const headers = new Headers()
  for (const f of message.fields) headers.append(f.name, f.value)
  return new Request(`${message.scheme}://${message.authority}${message.target}`, { method: message.method, headers })
}

describe('verifier.now()', () => {
  it('reports the injected clock, and Date.now without one', () => {
    expect(aheadVerifier().now()).toBe(VERIFIER_NOW_MS)
    const plain = createVerifier({ keys: [record('k-hmac', hmac)] })
    const before = Date.now()
    const seen = plain.now()
    expect(seen).toBeGreaterThanOrEqual(before)
    expect(seen).toBeLessThanOrEqual(Date.now())
  })
})

describe('401 Date follows the verifier clock', () => {
  it('Node http adapter', async () => {
    const port = await listen(withSignetNode(aheadVerifier(), (_req, res) => res.end('ok')))
    for (const message of [await hostSigned(`127.0.0.1:${port}`), await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http' })]) {
      const reply = await send(port, message)
      expect(reply.status).toBe(401)
      expect(reply.headers['date']).toBe(EXPECTED_DATE)
    }
  })

  it('Node http adapter: a handler failure (500) is dated by the verifier clock too', async () => {
    const port = await listen(withSignetNode(aheadVerifier(), () => {
      throw new Error('boom')
    }))
    // Signed on the verifier's time, so it verifies and reaches the failing handler.
    const m = await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http', target: '/orders?id=7' })
    const reply = await send(port, await sign(m, hmac, { created: VERIFIER_NOW_MS / 1000 }))
    expect(reply.status).toBe(500)
    expect(reply.headers['date']).toBe(EXPECTED_DATE)
  })

  it('Express middleware', async () => {
    const app = express()
    app.use(signetExpress(aheadVerifier()))
    app.get('/orders', (_req, res) => {
      res.send('ok')
    })
    const port = await listen(app)
    for (const message of [await hostSigned(`127.0.0.1:${port}`), await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http' })]) {
      const reply = await send(port, message)
      expect(reply.status).toBe(401)
      expect(reply.headers['date']).toBe(EXPECTED_DATE)
    }
  })

  it('fetch adapter (withSignet)', async () => {
    const handler = withSignet(aheadVerifier(), () => new Response('ok'))
    for (const message of [await hostSigned('api.test'), await requestMessage({ authority: 'api.test', scheme: 'http' })]) {
      const response = await handler(toRequest(message))
      expect(response.status).toBe(401)
      expect(response.headers.get('date')).toBe(EXPECTED_DATE)
    }
  })

  it('Hono middleware', async () => {
    const app = new Hono()
    app.use('*', signetHono(aheadVerifier()))
    app.get('/orders', (c) => c.text('ok'))
    for (const message of [await hostSigned('api.test'), await requestMessage({ authority: 'api.test', scheme: 'http' })]) {
      const response = await app.fetch(toRequest(message))
      expect(response.status).toBe(401)
      expect(response.headers.get('date')).toBe(EXPECTED_DATE)
    }
  })
})
