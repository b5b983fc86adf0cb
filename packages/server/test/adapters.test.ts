import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import express from 'express'
import { Hono } from 'hono'
import { fromFetchResponse, verifyMessage } from '@signet/core'
import type { HttpRequestMessage, HttpResponseMessage, SignetKey } from '@signet/core'
import { createSigner, signedFetch } from '@signet/client'
import { createVerifier } from '../src/verifier.ts'
import type { VerificationEvent, Verifier } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import { withSignet } from '../src/adapters/fetch.ts'
import { signetHono } from '../src/adapters/hono.ts'
import { signetExpress, verifyNodeRequest, withSignetNode, writeProblem } from '../src/adapters/node.ts'
import type { SignetIncomingMessage } from '../src/adapters/node.ts'
import { problemFor } from '../src/problem.ts'
import { signResponse, signResponseFields } from '../src/response-signing.ts'
import { ed25519Pair, hmacKey, record, requestMessage, sign } from './helpers.ts'
import { send } from './http-client.ts'

let hmac: SignetKey
// A second caller whose key carries the `write` scope the first one lacks.
let writer: SignetKey
let serverKey: { privateKey: SignetKey; publicKey: SignetKey }
const servers: Server[] = []

beforeAll(async () => {
  hmac = (await hmacKey('k-hmac')).key
  writer = (await hmacKey('k-writer')).key
  serverKey = await ed25519Pair('server')
})

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve))
})

function makeVerifier(extra: Partial<Parameters<typeof createVerifier>[0]> = {}): Verifier {
  return createVerifier({
    keys: [record('k-hmac', hmac, { owner: 'acme', scopes: ['read'] }), record('k-writer', writer, { owner: 'globex', scopes: ['read', 'write'] })],
    nonces: new MemoryNonceStore(),
    ...extra,
  })
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

// Signed with the real time: these go over real sockets to servers using the default clock.
async function signedFor(port: number, spec: Parameters<typeof requestMessage>[0] = {}, key = hmac): Promise<HttpRequestMessage> {
  const m = await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http', target: '/orders?id=7', ...spec })
  return sign(m, key, { created: Math.floor(Date.now() / 1000) })
}

/** The onRejected events of a verifier, and a way to wait for the hook (it runs in a microtask). */
function auditLog(): { events: VerificationEvent[]; onRejected: (e: VerificationEvent) => void; settled: (count: number) => Promise<VerificationEvent[]> } {
  const events: VerificationEvent[] = []
  return {
    events,
    onRejected: (e) => void events.push(e),
    async settled(count) {
      for (let i = 0; i < 200 && events.length < count; i++) await new Promise((r) => setTimeout(r, 5))
      // One more turn: a second, unwanted event for the same refusal would show up here.
      await new Promise((r) => setTimeout(r, 20))
      return events
    },
  }
}

/** Send the head of a POST that promises `declared` bytes, a few of them, then reset the connection. */
function abortMidBody(port: number, declared: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST /orders HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n{"partial":`)
      setTimeout(() => {
        socket.destroy()
        resolve()
      }, 50)
    })
    socket.on('error', reject)
  })
}

// Hono has no Node listener in this workspace; this bridge plays @hono/node-server's part (tests only).
function honoBridge(app: Hono): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const headers = new Headers()
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string)
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
      const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method ?? 'GET', headers, body: body ?? null })
      const response = await app.fetch(request, { incoming: req })
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
  }
}

describe('Node http adapter on 127.0.0.1', () => {
  it('passes verified requests with req.signet and req.rawBody; refuses the rest with problem+json', async () => {
    const seen: SignetIncomingMessage[] = []
    const port = await listen(
      withSignetNode(makeVerifier(), (req, res) => {
        seen.push(req)
        res.end(JSON.stringify({ owner: req.signet.owner, body: Buffer.from(req.rawBody).toString() }))
      }),
    )
    const message = await signedFor(port, { body: '{"x":1}' })
    const ok = await send(port, message)
    expect(ok.status).toBe(200)
    expect(ok.json()).toEqual({ owner: 'acme', body: '{"x":1}' })
    expect(seen[0]?.signet.clientIp).toBe('127.0.0.1')

    const replay = await send(port, message)
    expect(replay.status).toBe(401)
    expect(replay.headers['content-type']).toBe('application/problem+json')
    expect(replay.json().code).toBe('ERR_NONCE_REPLAYED')

    const unsigned = await send(port, await requestMessage({ authority: `127.0.0.1:${port}` }))
    expect(unsigned.status).toBe(401)
    expect(unsigned.headers['accept-signature']).toContain('"@method"')
    expect(unsigned.headers['www-authenticate']).toBe('Signature realm="signet"')

    const tampered = await signedFor(port, { body: '{"x":1}' })
    const evil = await send(port, { ...tampered, body: new TextEncoder().encode('{"x":2}') })
    expect(evil.json().code).toBe('ERR_DIGEST_MISMATCH')
    expect(seen).toHaveLength(1)
  })

  it('never reads the global Request on the Node path', async () => {
    const port = await listen(withSignetNode(makeVerifier(), (req, res) => res.end(req.signet.keyid)))
    const message = await signedFor(port, { body: '{"x":1}' })
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'Request') as PropertyDescriptor
    let touched = 0
    Object.defineProperty(globalThis, 'Request', {
      configurable: true,
      get() {
        touched++
        return descriptor.value ?? descriptor.get?.call(globalThis)
      },
    })
    try {
      expect((await send(port, message)).body).toBe('k-hmac')
      expect((await send(port, message)).status).toBe(401)
    } finally {
      Object.defineProperty(globalThis, 'Request', descriptor)
    }
    expect(touched).toBe(0)
  })

  it('refuses a body over the limit with 413 without buffering it', async () => {
    const port = await listen(withSignetNode(makeVerifier({ limits: { maxBodyBytes: 16 } }), (_req, res) => res.end('no')))
    const reply = await send(port, await signedFor(port, { body: 'x'.repeat(1000) }))
    expect(reply.status).toBe(413)
    expect(reply.json().code).toBe('ERR_BODY_TOO_LARGE')
  })

  it('reports refusals decided before verify (413, client abort) to onRejected, naming the forwarded client', async () => {
    const audit = auditLog()
    const verifier = makeVerifier({ limits: { maxBodyBytes: 16 }, onRejected: audit.onRejected, trustedProxies: ['127.0.0.1'], forwardedHeader: 'x-forwarded-for' })
    const reached: string[] = []
    const port = await listen(withSignetNode(verifier, (_req, res) => {
      reached.push('handler')
      res.end('no')
    }))
    const big = await signedFor(port, { body: 'x'.repeat(1000), fields: [{ name: 'x-forwarded-for', value: '198.51.100.23' }] })
    expect((await send(port, big)).status).toBe(413)
    expect(await audit.settled(1)).toEqual([{ time: expect.any(Number), code: 'ERR_BODY_TOO_LARGE', ip: '198.51.100.23' }])

    // Declared within the limit, then the client goes away mid-body: ERR_MALFORMED_MESSAGE.
    await abortMidBody(port, 12)
    const events = await audit.settled(2)
    expect(events).toHaveLength(2)
    expect(events[1]).toEqual({ time: expect.any(Number), code: 'ERR_MALFORMED_MESSAGE', ip: '127.0.0.1' })
    expect(reached).toEqual([])
  })

  it('verifyNodeRequest reports a body it could not read to onRejected', async () => {
    const audit = auditLog()
    const verifier = makeVerifier({ limits: { maxBodyBytes: 16 }, onRejected: audit.onRejected })
    const codes: unknown[] = []
    const port = await listen((req, res) => {
      verifyNodeRequest(verifier, req).then(
        () => res.end('ok'),
        (error: { code?: string }) => {
          codes.push(error.code)
          writeProblem(res, problemFor(error))
        },
      )
    })
    expect((await send(port, await signedFor(port, { body: 'y'.repeat(100) }))).status).toBe(413)
    expect(codes).toEqual(['ERR_BODY_TOO_LARGE'])
    expect(await audit.settled(1)).toEqual([{ time: expect.any(Number), code: 'ERR_BODY_TOO_LARGE', ip: '127.0.0.1' }])
  })

  it('applies per-route scopes and IP lists (403)', async () => {
    const verifier = makeVerifier()
    const port = await listen(withSignetNode(verifier, (_req, res) => res.end('ok'), { requiredScopes: (req) => (req.method === 'POST' ? ['write'] : ['read']) }))
    expect((await send(port, await signedFor(port))).status).toBe(200)
    const post = await send(port, await signedFor(port, { body: 'b' }))
    expect(post.status).toBe(403)
    expect(post.json().code).toBe('ERR_SCOPE_DENIED')
    const ipPort = await listen(withSignetNode(createVerifier({ keys: [record('k-hmac', hmac, { allowIps: ['10.0.0.0/8'] })] }), (_req, res) => res.end('ok')))
    const denied = await send(ipPort, await signedFor(ipPort))
    expect(denied.status).toBe(403)
    expect(denied.json().code).toBe('ERR_IP_DENIED')
  })

  it('takes the scheme and client from a trusted proxy only', async () => {
    const verifier = makeVerifier({ trustedProxies: ['127.0.0.1'], forwardedHeader: 'x-forwarded-for', keys: [record('k-hmac', hmac, { allowIps: ['198.51.100.0/24'] })] })
    const port = await listen(withSignetNode(verifier, (req, res) => res.end(req.signet.clientIp)))
    const m = await sign(await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'https', fields: [{ name: 'x-forwarded-for', value: '198.51.100.3' }, { name: 'x-forwarded-proto', value: 'https' }] }), hmac, { created: Math.floor(Date.now() / 1000) })
    const reply = await send(port, m)
    expect(reply.status).toBe(200)
    expect(reply.body).toBe('198.51.100.3')
  })

  it('validates options at creation', () => {
    const v = makeVerifier()
    expect(() => withSignetNode(v, 5 as never)).toThrow(TypeError)
    expect(() => withSignetNode(v, () => {}, { requiredScopes: 'read' as never })).toThrow(TypeError)
    expect(() => signetExpress({} as Verifier)).toThrow(TypeError)
    expect(() => withSignet(v, () => new Response(), { clientIp: 3 as never })).toThrow(TypeError)
    expect(() => signetHono(v, { requiredScopes: [1] as never })).toThrow(TypeError)
  })
})

describe('Express middleware on 127.0.0.1', () => {
  it('sets req.signet, enforces route scopes, and leaves the raw body for the route', async () => {
    const audit = auditLog()
    const verifier = makeVerifier({ onRejected: audit.onRejected })
    const app = express()
    app.use('/orders', signetExpress(verifier))
    app.get('/orders', (req, res) => {
      res.json({ keyid: (req as unknown as SignetIncomingMessage).signet.keyid })
    })
    app.post('/orders', signetExpress(verifier, { requiredScopes: ['write'] }), (req, res) => {
      res.json({ keyid: req.signet.keyid, body: Buffer.from(req.rawBody).toString() })
    })
    const port = await listen(app as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    const ok = await send(port, await signedFor(port))
    expect(ok.status).toBe(200)
    expect(ok.json()).toEqual({ keyid: 'k-hmac' })
    // A key with the scope passes both mounts: verified once, not refused as its own replay.
    const written = await send(port, await signedFor(port, { body: '{"w":1}' }, writer))
    expect(written.status).toBe(200)
    expect(written.json()).toEqual({ keyid: 'k-writer', body: '{"w":1}' })
    const denied = await send(port, await signedFor(port, { body: '{}' }))
    expect(denied.status).toBe(403)
    expect(denied.json().code).toBe('ERR_SCOPE_DENIED')
    // The second mount's refusal reaches the audit hook once, with the identity the first found.
    expect(await audit.settled(1)).toEqual([{ time: expect.any(Number), keyid: 'k-hmac', label: 'sig1', ip: '127.0.0.1', code: 'ERR_SCOPE_DENIED' }])
    const unsigned = await send(port, await requestMessage({ authority: `127.0.0.1:${port}` }))
    expect(unsigned.status).toBe(401)
  })

  it('reports a body over the limit to onRejected', async () => {
    const audit = auditLog()
    const app = express()
    app.use(signetExpress(makeVerifier({ limits: { maxBodyBytes: 16 }, onRejected: audit.onRejected })))
    app.post('/orders', (_req, res) => res.json({ never: true }))
    const port = await listen(app as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    const reply = await send(port, await signedFor(port, { body: 'z'.repeat(500) }))
    expect(reply.status).toBe(413)
    expect(await audit.settled(1)).toEqual([{ time: expect.any(Number), code: 'ERR_BODY_TOO_LARGE', ip: '127.0.0.1' }])
  })
})

describe('two verifiers on one route: the second does not trust the identity the first left', () => {
  // A public verifier knows only `k-hmac`; an admin verifier knows only `k-writer`. A request
  // signed with the public key passes the public mount and must still be refused by the admin
  // mount: the identity left by another verifier proves nothing about the admin keys.
  const publicVerifier = () => createVerifier({ keys: [record('k-hmac', hmac, { owner: 'acme', scopes: ['read'] })], nonces: new MemoryNonceStore() })
  const adminVerifier = () => createVerifier({ keys: [record('k-writer', writer, { owner: 'globex', scopes: ['admin'] })], nonces: new MemoryNonceStore() })

  it('Hono', async () => {
    const app = new Hono()
    app.use('/api/*', signetHono(publicVerifier()))
    app.use('/api/admin/*', signetHono(adminVerifier(), { requiredScopes: ['admin'] }))
    app.get('/api/admin/x', (c) => c.json({ who: c.get('signet').keyid }))
    const port = await listen(honoBridge(app))
    const foreign = await send(port, await signedFor(port, { target: '/api/admin/x' }))
    expect(foreign.status).toBe(401)
    expect(foreign.json().code).toBe('ERR_KEY_NOT_FOUND')
    // A request signed with a key both know is verified by each (two stores, two nonces records).
    const both = new Hono()
    both.use('/api/*', signetHono(createVerifier({ keys: [record('k-writer', writer, { owner: 'globex', scopes: ['admin'] })], nonces: new MemoryNonceStore() })))
    both.use('/api/admin/*', signetHono(adminVerifier(), { requiredScopes: ['admin'] }))
    both.get('/api/admin/x', (c) => c.json({ who: c.get('signet').keyid }))
    const port2 = await listen(honoBridge(both))
    const ok = await send(port2, await signedFor(port2, { target: '/api/admin/x' }, writer))
    expect(ok.status).toBe(200)
    expect(ok.json()).toEqual({ who: 'k-writer' })
  })

  it('Express', async () => {
    const app = express()
    app.use('/api', signetExpress(publicVerifier()))
    app.use('/api/admin', signetExpress(adminVerifier()))
    app.post('/api/admin/x', (req, res) => res.json({ who: (req as unknown as SignetIncomingMessage).signet.keyid, body: Buffer.from((req as unknown as SignetIncomingMessage).rawBody).toString() }))
    const port = await listen(app as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    const foreign = await send(port, await signedFor(port, { target: '/api/admin/x', body: '{"a":1}' }))
    expect(foreign.status).toBe(401)
    expect(foreign.json().code).toBe('ERR_KEY_NOT_FOUND')
    const both = express()
    both.use('/api', signetExpress(createVerifier({ keys: [record('k-writer', writer, { owner: 'globex' })], nonces: new MemoryNonceStore() })))
    both.use('/api/admin', signetExpress(adminVerifier()))
    both.post('/api/admin/x', (req, res) => res.json({ who: (req as unknown as SignetIncomingMessage).signet.keyid, body: Buffer.from((req as unknown as SignetIncomingMessage).rawBody).toString() }))
    const port2 = await listen(both as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    // The body the first mount read is verified again by the second (digest included).
    const ok = await send(port2, await signedFor(port2, { target: '/api/admin/x', body: '{"a":1}' }, writer))
    expect(ok.status).toBe(200)
    expect(ok.json()).toEqual({ who: 'k-writer', body: '{"a":1}' })
  })
})

describe('Hono middleware on 127.0.0.1', () => {
  it('puts the identity on c.get("signet"); mounted twice it verifies once and checks the route scopes (200 / 403)', async () => {
    const audit = auditLog()
    const verifier = makeVerifier({ onRejected: audit.onRejected })
    const app = new Hono()
    // The pattern the adapter documents: verify under /api/*, add scopes on one route.
    app.use('/api/*', signetHono(verifier))
    app.get('/api/orders', (c) => c.json({ owner: c.get('signet').owner, ip: c.get('signet').clientIp }))
    app.post('/api/orders', signetHono(verifier, { requiredScopes: ['write'] }), async (c) => c.json({ owner: c.get('signet').owner, body: await c.req.text() }))
    const port = await listen(honoBridge(app))
    const ok = await send(port, await signedFor(port, { target: '/api/orders' }))
    expect(ok.status).toBe(200)
    expect(ok.json()).toEqual({ owner: 'acme', ip: '127.0.0.1' })

    const post = await signedFor(port, { target: '/api/orders', body: '{"w":1}' }, writer)
    const written = await send(port, post)
    expect(written.status).toBe(200)
    expect(written.json()).toEqual({ owner: 'globex', body: '{"w":1}' })
    // Its nonce was recorded once, by the first mount: the same request again is a replay.
    const replay = await send(port, post)
    expect(replay.status).toBe(401)
    expect(replay.json().code).toBe('ERR_NONCE_REPLAYED')

    const denied = await send(port, await signedFor(port, { target: '/api/orders', body: '{}' }))
    expect(denied.status).toBe(403)
    expect(denied.headers['content-type']).toBe('application/problem+json')
    expect(denied.json().code).toBe('ERR_SCOPE_DENIED')
    const events = await audit.settled(2)
    expect(events).toEqual([
      { time: expect.any(Number), keyid: 'k-writer', label: 'sig1', ip: '127.0.0.1', code: 'ERR_NONCE_REPLAYED' },
      { time: expect.any(Number), keyid: 'k-hmac', label: 'sig1', ip: '127.0.0.1', code: 'ERR_SCOPE_DENIED' },
    ])

    const unsigned = await send(port, await requestMessage({ authority: `127.0.0.1:${port}`, target: '/api/orders' }))
    expect(unsigned.status).toBe(401)
    expect(unsigned.json().code).toBe('ERR_SIGNATURE_MISSING')
  })
})

describe('fetch-handler wrapper', () => {
  it('hands the identity to the handler and finds Deno/Bun peer addresses', async () => {
    const verifier = makeVerifier({ keys: [record('k-hmac', hmac, { allowIps: ['192.0.2.0/24'] })] })
    const handler = withSignet(verifier, (request, identity, info: { remoteAddr: { hostname: string } }) => Response.json({ keyid: identity.keyid, ip: identity.clientIp, host: info.remoteAddr.hostname, url: request.url }))
    const m = await sign(await requestMessage({ authority: 'api.test' }), hmac, { created: Math.floor(Date.now() / 1000) })
    const headers = new Headers()
    for (const f of m.fields) headers.append(f.name, f.value)
    const request = new Request('https://api.test/orders?id=7', { headers })
    const ok = await handler(request, { remoteAddr: { hostname: '192.0.2.9' } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ keyid: 'k-hmac', ip: '192.0.2.9' })
    const bun = withSignet(verifier, (_r: Request, _i: unknown, _server: unknown) => new Response('ok'))
    const m2 = await sign(await requestMessage({ authority: 'api.test' }), hmac, { created: Math.floor(Date.now() / 1000) })
    const h2 = new Headers()
    for (const f of m2.fields) h2.append(f.name, f.value)
    const denied = await bun(new Request('https://api.test/orders?id=7', { headers: h2 }), { requestIP: () => ({ address: '203.0.113.1' }) })
    expect(denied.status).toBe(403)
    expect((await denied.json()).code).toBe('ERR_IP_DENIED')
  })

  it('enforces requiredScopes: 403 ERR_SCOPE_DENIED without the scope, the handler reached with it', async () => {
    const verifier = makeVerifier()
    const reached: string[] = []
    const handler = withSignet(verifier, (_request, identity) => {
      reached.push(identity.keyid)
      return new Response('ok')
    }, { requiredScopes: (request) => (request.method === 'GET' ? ['read'] : ['write']) })
    const request = async (key: SignetKey, body?: string): Promise<Request> => {
      const m = await sign(await requestMessage({ authority: 'api.test', ...(body === undefined ? {} : { body }) }), key, { created: Math.floor(Date.now() / 1000) })
      const headers = new Headers()
      for (const f of m.fields) headers.append(f.name, f.value)
      return new Request('https://api.test/orders?id=7', { method: m.method, headers, ...(body === undefined ? {} : { body }) })
    }
    expect((await handler(await request(hmac))).status).toBe(200)
    const denied = await handler(await request(hmac, '{"x":1}'))
    expect(denied.status).toBe(403)
    expect(denied.headers.get('content-type')).toBe('application/problem+json')
    expect(denied.headers.get('accept-signature')).toBeNull()
    expect((await denied.json()).code).toBe('ERR_SCOPE_DENIED')
    expect((await handler(await request(writer, '{"x":1}'))).status).toBe(200)
    expect(reached).toEqual(['k-hmac', 'k-writer'])
  })

  it('believes CF-Connecting-IP on Workers only when configured', async () => {
    const configured = makeVerifier({ cfConnectingIp: true, keys: [record('k-hmac', hmac, { allowIps: ['198.51.100.7'] })] })
    const plain = makeVerifier({ keys: [record('k-hmac', hmac, { allowIps: ['198.51.100.7'] })] })
    const build = async () => {
      const m = await sign(await requestMessage({ authority: 'api.test', fields: [{ name: 'cf-connecting-ip', value: '198.51.100.7' }] }), hmac, { created: Math.floor(Date.now() / 1000) })
      const headers = new Headers()
      for (const f of m.fields) headers.append(f.name, f.value)
      return new Request('https://api.test/orders?id=7', { headers })
    }
    const env = {}
    expect((await withSignet(configured, (_r: Request, _i: unknown, _env: unknown) => new Response('ok'))(await build(), env)).status).toBe(200)
    expect((await withSignet(plain, (_r: Request, _i: unknown, _env: unknown) => new Response('ok'))(await build(), env)).status).toBe(403)
  })
})

describe('response signing', () => {
  it('signs a response bound to the request (;req) so the client can verify it', async () => {
    const verifier = makeVerifier()
    const signed = await sign(await requestMessage({ authority: 'api.test', body: '{"q":1}' }), hmac, { created: Math.floor(Date.now() / 1000) })
    const headers = new Headers()
    for (const f of signed.fields) headers.append(f.name, f.value)
    const request = new Request('https://api.test/orders?id=7', { method: 'POST', headers, body: '{"q":1}' })
    const identity = await verifier.verify(request)
    const response = await signResponse(Response.json({ ok: true }, { status: 201 }), request, { key: serverKey.privateKey, requestLabel: identity.label })
    expect(response.status).toBe(201)
    expect(await response.clone().json()).toEqual({ ok: true })
    const message = await fromFetchResponse(response, signed)
    const [result] = await verifyMessage(message, { key: serverKey.publicKey })
    expect(result?.components).toEqual(['"@status"', '"content-digest"', '"content-type"', '"@method";req', '"@target-uri";req', '"signature";req;key="sig1"'])
    // Bound to this request: the same response does not verify as the answer to another request.
    const other = await sign(await requestMessage({ authority: 'api.test', body: '{"q":2}' }), hmac)
    await expect(verifyMessage(await fromFetchResponse(response, other), { key: serverKey.publicKey })).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
  })

  it('Node path: signResponseFields signs the answer and @signet/client verifies it over loopback; a changed body is ERR_DIGEST_MISMATCH', async () => {
    const verifier = makeVerifier()
    // The shape the README shows: verify, build the response as a message, add the fields.
    const port = await listen(async (req, res) => {
      try {
        const { identity, message } = await verifyNodeRequest(verifier, req)
        const body = new TextEncoder().encode(JSON.stringify({ caller: identity.owner, echo: new TextDecoder().decode(message.body ?? new Uint8Array()) }))
        const response: HttpResponseMessage = { kind: 'response', status: 200, fields: [{ name: 'content-type', value: 'application/json' }], trailers: [], body }
        const signature = await signResponseFields(response, message, { key: serverKey.privateKey, requestLabel: identity.label })
        res.setHeader('content-type', 'application/json')
        for (const [name, value] of signature) res.setHeader(name, value)
        // A man in the middle rewrites the answer after it was signed.
        const sent = req.url?.includes('tamper') === true ? new TextEncoder().encode(JSON.stringify({ caller: 'mallory', echo: '' })) : body
        res.end(sent)
      } catch (error) {
        writeProblem(res, problemFor(error))
      }
    })
    const fetchSigned = signedFetch(createSigner({ key: hmac }), { verifyResponse: { key: serverKey.publicKey } })
    const ok = await fetchSigned(`http://127.0.0.1:${port}/orders?id=7`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":1}' })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ caller: 'acme', echo: '{"q":1}' })
    // Bound to the request: its method, its target and its own signature are covered with ;req.
    const input = ok.headers.get('signature-input') as string
    for (const component of ['"@status"', '"content-digest"', '"@method";req', '"@target-uri";req', '"signature";req;key="sig1"']) expect(input).toContain(component)

    await expect(fetchSigned(`http://127.0.0.1:${port}/orders?tamper=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":2}' })).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
    })
    // The untampered answer, checked by another key than the server's, is refused too.
    const stranger = await ed25519Pair('server')
    const wrongKey = signedFetch(createSigner({ key: hmac }), { verifyResponse: { key: stranger.publicKey } })
    await expect(wrongKey(`http://127.0.0.1:${port}/orders?id=8`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":3}' })).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    })
  })
})
