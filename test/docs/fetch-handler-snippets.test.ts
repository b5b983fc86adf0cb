/**
 * The Deno, Bun and Workers snippets: fetch-style handlers called in-process with signed
 * `Request`s (they use only web APIs), and the Workers client snippet against a loopback API.
 */
import http from 'node:http'
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { exportJwk, generateKey, publicKey } from '@signet/core'
import { createSigner } from '@signet/client'
import type { Signer } from '@signet/client'
import { jwksKeys, createVerifier, SignetKeyState, SignetNonces, withSignetNode } from '@signet/server'
import type { KVNamespaceLike } from '@signet/server'
import { fakeNamespace } from '../../packages/server/test/durable-object-fake.ts'
import { clientKeyText, clientSigner, close, freePort, jwksText, listening, runSnippet } from './helpers.ts'

type Handler = (request: Request, ...rest: unknown[]) => Promise<Response>

const post = (url: string, body: unknown): Request =>
  new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

async function problemCode(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  return ((await response.json()) as { code: string }).code
}

describe('deno-server', () => {
  let fetchHandler: Handler
  const info = { remoteAddr: { transport: 'tcp', hostname: '127.0.0.1', port: 50000 } }
  beforeAll(async () => {
    fetchHandler = (await runSnippet<{ default: { fetch: Handler } }>('deno-server')).module.default.fetch
  })

  it('answers a signed GET and a signed POST with the caller', async () => {
    const get = await fetchHandler(await clientSigner().sign(new Request('http://127.0.0.1:8000/orders?status=open')), info)
    expect(get.status).toBe(200)
    expect(await get.json()).toEqual({ caller: 'acme', keyid: 'acme-backend-1', path: '/orders' })
    const created = await fetchHandler(await clientSigner().sign(post('http://127.0.0.1:8000/orders', { sku: 'A-1' })), info)
    expect(created.status).toBe(200)
  })

  it('refuses unsigned and replayed requests', async () => {
    expect(await problemCode(await fetchHandler(new Request('http://127.0.0.1:8000/orders'), info))).toBe('ERR_SIGNATURE_MISSING')
    const signed = await clientSigner().sign(new Request('http://127.0.0.1:8000/orders'))
    expect((await fetchHandler(signed.clone(), info)).status).toBe(200)
    expect(await problemCode(await fetchHandler(signed, info))).toBe('ERR_NONCE_REPLAYED')
  })
})

describe('bun-server', () => {
  let server: { fetch: Handler; port: number; hostname: string }
  const bunServer = { requestIP: (): { address: string; family: string; port: number } => ({ address: '127.0.0.1', family: 'IPv4', port: 50000 }) }
  beforeAll(async () => {
    server = (await runSnippet<{ default: typeof server }>('bun-server', { PORT: '3123' })).module.default
  })

  it('serves on loopback at the configured port', () => {
    expect(server.hostname).toBe('127.0.0.1')
    expect(server.port).toBe(3123)
  })

  it('creates an order from a signed POST and refuses a tampered body', async () => {
    const created = await server.fetch(await clientSigner().sign(post('http://127.0.0.1:3000/orders', { sku: 'A-1', quantity: 2 })), bunServer)
    expect(created.status).toBe(201)
    expect(await created.json()).toEqual({ caller: 'acme', keyid: 'acme-backend-1', order: { sku: 'A-1', quantity: 2 } })

    const signed = await clientSigner().sign(post('http://127.0.0.1:3000/orders', { sku: 'A-1', quantity: 2 }))
    const tampered = new Request(signed, { body: JSON.stringify({ sku: 'A-1', quantity: 200 }) })
    expect(await problemCode(await server.fetch(tampered, bunServer))).toBe('ERR_DIGEST_MISMATCH')
  })
})

describe('readme-worker', () => {
  let worker: { fetch: (request: Request, env: object) => Promise<Response> }
  const env = { CALLER_JWKS: jwksText, SIGNET_NONCES: fakeNamespace((state) => new SignetNonces(state)) }
  beforeAll(async () => {
    worker = (await runSnippet<{ default: typeof worker }>('readme-worker')).module.default
  })

  it('greets a signed caller with its owner and scopes', async () => {
    const response = await worker.fetch(await clientSigner().sign(post('https://api.example.workers.dev/orders', { sku: 'A-1' })), env)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ hello: 'acme', scopes: ['orders:read', 'orders:write'] })
  })

  it('refuses an unsigned request with a challenge, and a replay', async () => {
    const unsigned = await worker.fetch(new Request('https://api.example.workers.dev/orders'), env)
    expect(unsigned.status).toBe(401)
    expect(unsigned.headers.get('accept-signature')).toMatch(/"@method"/)
    const signed = await clientSigner().sign(new Request('https://api.example.workers.dev/orders'))
    expect((await worker.fetch(signed.clone(), env)).status).toBe(200)
    expect(await problemCode(await worker.fetch(signed, env))).toBe('ERR_NONCE_REPLAYED')
  })

  it('keeps its nonces in the Durable Object namespace: a second isolate (another module instance) refuses the replay', async () => {
    vi.resetModules()
    const other = (await runSnippet<{ default: typeof worker }>('readme-worker')).module
    expect(other.default).not.toBe(worker)
    const signed = await clientSigner().sign(new Request('https://api.example.workers.dev/orders'))
    expect((await worker.fetch(signed.clone(), env)).status).toBe(200)
    expect(await problemCode(await other.default.fetch(signed, env))).toBe('ERR_NONCE_REPLAYED')
  })
})

describe('workers-hono', () => {
  let app: { fetch: (request: Request, env: object) => Response | Promise<Response> }
  let env: object
  let reader: Signer
  beforeAll(async () => {
    // A second caller that may only read.
    const readerKey = await generateKey('ed25519', { kid: 'reader-1' })
    reader = createSigner({ key: readerKey })
    const jwks = JSON.parse(jwksText) as { keys: object[] }
    jwks.keys.push({ ...(await exportJwk(publicKey(readerKey))), owner: 'reporting', scopes: ['orders:read'] })
    env = { CALLER_JWKS: JSON.stringify(jwks), SIGNET_NONCES: fakeNamespace((state) => new SignetNonces(state)) }
    app = (await runSnippet<{ default: typeof app }>('workers-hono')).module.default
  })

  it('lists and creates orders for a signed caller', async () => {
    const list = await app.fetch(await clientSigner().sign(new Request('https://api.example.workers.dev/api/orders')), env)
    expect(list.status).toBe(200)
    expect(await list.json()).toEqual({ caller: 'acme', orders: [] })
    const created = await app.fetch(await clientSigner().sign(post('https://api.example.workers.dev/api/orders', { sku: 'A-1' })), env)
    expect(created.status).toBe(201)
    expect(await created.json()).toEqual({ caller: 'acme', order: { sku: 'A-1' } })
  })

  it('a read-only key may list but not create', async () => {
    const list = await app.fetch(await reader.sign(new Request('https://api.example.workers.dev/api/orders')), env)
    expect(list.status).toBe(200)
    expect(await list.json()).toEqual({ caller: 'reporting', orders: [] })
    const denied = await app.fetch(await reader.sign(post('https://api.example.workers.dev/api/orders', { sku: 'A-1' })), env)
    expect(denied.status).toBe(403)
    expect(await problemCode(denied)).toBe('ERR_SCOPE_DENIED')
  })

  it('refuses an unsigned request', async () => {
    const response = await app.fetch(new Request('https://api.example.workers.dev/api/orders'), env)
    expect(await problemCode(response)).toBe('ERR_SIGNATURE_MISSING')
  })
})

describe('workers-kv-keys', () => {
  it('serves keys from KV; an admin key revokes one through its SignetKeyState object; a plain key may not', async () => {
    const worker = (await runSnippet<{ default: { fetch: (request: Request, env: object) => Promise<Response> } }>('workers-kv-keys')).module.default
    const adminKey = await generateKey('ed25519', { kid: 'admin-1' })
    const entries = new Map<string, string>()
    const caller = (JSON.parse(jwksText) as { keys: { kid: string }[] }).keys[0]!
    entries.set(caller.kid, JSON.stringify(caller))
    entries.set('admin-1', JSON.stringify({ ...(await exportJwk(publicKey(adminKey))), owner: 'ops', scopes: ['keys:admin'] }))
    const kv: KVNamespaceLike = { get: async (name) => entries.get(name) ?? null }
    const env = { SIGNET_KEYS: kv, SIGNET_KEY_STATE: fakeNamespace((state) => new SignetKeyState(state)), SIGNET_NONCES: fakeNamespace((state) => new SignetNonces(state)) }
    const ok = await worker.fetch(await clientSigner().sign(new Request('https://api.example.workers.dev/orders')), env)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ hello: 'acme' })
    const revoke = (signer: Signer) => signer.sign(post('https://api.example.workers.dev/admin/keys/state', { keyid: caller.kid, state: 'revoked' }))
    expect(await problemCode(await worker.fetch(await revoke(clientSigner()), env))).toBe('ERR_SCOPE_DENIED')
    const done = await worker.fetch(await revoke(createSigner({ key: adminKey })), env)
    expect(done.status).toBe(200)
    expect(await done.json()).toEqual({ keyid: caller.kid, state: 'revoked', by: 'admin-1' })
    expect(await problemCode(await worker.fetch(await clientSigner().sign(new Request('https://api.example.workers.dev/orders')), env))).toBe('ERR_KEY_REVOKED')
  })
})

describe('workers-client', () => {
  let upstream: Server
  let origin: string
  beforeAll(async () => {
    const verifier = createVerifier({ keys: await jwksKeys(JSON.parse(jwksText)) })
    upstream = http.createServer(withSignetNode(verifier, (req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ keyid: req.signet.keyid, url: req.url, accept: req.headers.accept }))
    }))
    upstream.listen(await freePort(), '127.0.0.1')
    await listening(upstream)
    const address = upstream.address()
    origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  })
  afterAll(() => close(upstream))

  it('signs the upstream call with the Worker\'s key', async () => {
    const { module } = await runSnippet<{ default: { fetch: (request: Request, env: { SIGNET_KEY: string; ORDERS_API: string }) => Promise<Response> } }>('workers-client')
    const response = await module.default.fetch(new Request('https://edge.example/orders?status=open'), { SIGNET_KEY: clientKeyText, ORDERS_API: origin })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ keyid: 'acme-backend-1', url: '/orders?status=open', accept: 'application/json' })
  })
})
