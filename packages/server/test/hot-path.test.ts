/**
 * Correctness of the Node hot-path shortcuts (no timing here): a request without a body is
 * verified with no stream listener set up; a handler's synchronous throw and its rejected
 * promise are both answered; compiled IP lists follow a record edited in place; the per-peer
 * forwarding cache never lets one peer's answer leak to another; identities share a frozen
 * component list without sharing anything a caller could change.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fromNodeRequest } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { createForwarding } from '../src/client-ip.ts'
import { ipAllowed } from '../src/ip-rules.ts'
import { createVerifier } from '../src/verifier.ts'
import type { Verifier } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import { verifyNodeRequest, withSignetNode } from '../src/adapters/node.ts'
import type { KeyRecord } from '../src/key-record.ts'
import { NOW_MS, NOW_S, hmacKey, record, rejection, requestMessage, sign } from './helpers.ts'
import { send } from './http-client.ts'

let hmac: SignetKey
const servers: Server[] = []

beforeAll(async () => {
  hmac = (await hmacKey('k-hmac')).key
})

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve))
})

function makeVerifier(keys: KeyRecord[] = [record('k-hmac', hmac, { owner: 'acme', scopes: ['read'] })]): Verifier {
  return createVerifier({ keys, nonces: new MemoryNonceStore() })
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

async function signedFor(port: number, spec: Parameters<typeof requestMessage>[0] = {}): Promise<HttpRequestMessage> {
  const m = await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http', target: '/orders?id=7', ...spec })
  return sign(m, hmac, { created: Math.floor(Date.now() / 1000) })
}

describe('Node adapter: requests without a body', () => {
  it('verifies a GET with no data/end listener on the request and an empty rawBody', async () => {
    const seen: { data: number; end: number; body: number; owner: string | undefined }[] = []
    const port = await listen(
      withSignetNode(makeVerifier(), (req, res) => {
        seen.push({ data: req.listenerCount('data'), end: req.listenerCount('end'), body: req.rawBody.length, owner: req.signet.owner })
        res.end('ok')
      }),
    )
    const reply = await send(port, await signedFor(port))
    expect(reply.status).toBe(200)
    expect(seen).toEqual([{ data: 0, end: 0, body: 0, owner: 'acme' }])
  })

  it('still reads and digests a body, and treats Content-Length: 0 as none', async () => {
    const bodies: string[] = []
    const port = await listen(
      withSignetNode(makeVerifier(), (req, res) => {
        bodies.push(Buffer.from(req.rawBody).toString())
        res.end('ok')
      }),
    )
    expect((await send(port, await signedFor(port, { method: 'POST', body: '{"x":1}' }))).status).toBe(200)
    // An empty body with a declared length of 0: no listener, no digest required.
    const empty = await signedFor(port, { method: 'POST' })
    expect((await send(port, empty, { extraHeaders: [['content-length', '0']] })).status).toBe(200)
    expect(bodies).toEqual(['{"x":1}', ''])
    // A body whose digest does not match is still refused, and nothing reaches the handler.
    const tampered = await signedFor(port, { method: 'POST', body: '{"x":1}' })
    const reply = await send(port, { ...tampered, body: new TextEncoder().encode('{"x":2}') })
    expect(reply.status).toBe(401)
    expect(reply.json().code).toBe('ERR_DIGEST_MISMATCH')
    expect(bodies).toHaveLength(2)
  })

  it('answers a handler that throws, synchronously or by rejecting, with a 500 problem', async () => {
    const verifier = makeVerifier()
    const syncPort = await listen(
      withSignetNode(verifier, () => {
        throw new Error('secret internals')
      }),
    )
    const asyncPort = await listen(withSignetNode(verifier, () => Promise.reject(new Error('secret internals'))))
    for (const port of [syncPort, asyncPort]) {
      const reply = await send(port, await signedFor(port))
      expect(reply.status).toBe(500)
      expect(reply.json().code).toBe('ERR_INTERNAL')
      expect(reply.body).not.toContain('secret')
    }
  })

  it('rejects (never throws) for a malformed request, and verifyNodeRequest still returns the message', async () => {
    const verifier = makeVerifier()
    const sock = { remoteAddress: '127.0.0.1', encrypted: false }
    const twoHosts = { method: 'GET', url: '/', rawHeaders: ['Host', 'a', 'Host', 'b'], rawTrailers: [], socket: sock } as unknown as IncomingMessage
    let promise: Promise<unknown> | undefined
    expect(() => {
      promise = verifyNodeRequest(verifier, twoHosts)
    }).not.toThrow()
    expect((await rejection(promise as Promise<unknown>)).code).toBe('ERR_MALFORMED_MESSAGE')
    const m = await signedFor(8080)
    const rawHeaders = m.fields.flatMap((f) => [f.name, f.value])
    const ok = await verifyNodeRequest(verifier, { method: 'GET', url: m.target, rawHeaders, rawTrailers: [], socket: sock } as unknown as IncomingMessage)
    expect(ok.identity.keyid).toBe('k-hmac')
    expect(ok.message).toEqual(fromNodeRequest({ method: 'GET', url: m.target, rawHeaders }, { scheme: 'http' }))
    expect(ok.body).toEqual(new Uint8Array(0))
  })
})

describe('compiled IP lists follow the record', () => {
  it('applies a list edited in place from the next call on', () => {
    const allow = ['10.0.0.0/8']
    expect(ipAllowed('10.1.2.3', allow)).toBe(true)
    expect(ipAllowed('192.0.2.1', allow)).toBe(false)
    allow[0] = '192.0.2.0/24'
    expect(ipAllowed('10.1.2.3', allow)).toBe(false)
    expect(ipAllowed('192.0.2.1', allow)).toBe(true)
    allow.push('10.0.0.0/8')
    expect(ipAllowed('10.1.2.3', allow)).toBe(true)
    const deny = ['192.0.2.7']
    expect(ipAllowed('192.0.2.7', undefined, deny)).toBe(false)
    deny.length = 0
    expect(ipAllowed('192.0.2.7', undefined, deny)).toBe(true)
  })

  it('a verifier sees a record whose deny list was edited in place', async () => {
    const rec = record('k-hmac', hmac, { denyIps: [] as string[] }) as KeyRecord & { denyIps: string[] }
    const verifier = createVerifier({ keys: [rec], nonces: new MemoryNonceStore({ now: () => NOW_MS }), clock: () => NOW_MS })
    const signed = async (): Promise<HttpRequestMessage> => sign(await requestMessage(), hmac, { created: NOW_S })
    expect((await verifier.verify(await signed(), { clientIp: '198.51.100.9' })).keyid).toBe('k-hmac')
    rec.denyIps.push('198.51.100.0/24')
    expect((await rejection(verifier.verify(await signed(), { clientIp: '198.51.100.9' }))).code).toBe('ERR_IP_DENIED')
    rec.denyIps.pop()
    expect((await verifier.verify(await signed(), { clientIp: '198.51.100.9' })).keyid).toBe('k-hmac')
  })

  it('gives the same answers past the address cache bound, junk included', () => {
    const allow = ['10.0.0.0/16']
    for (let i = 0; i < 5000; i++) {
      const inside = `10.0.${i % 256}.${(i >> 8) % 256}`
      expect(ipAllowed(inside, allow)).toBe(true)
      expect(ipAllowed(`10.${1 + (i % 200)}.0.1`, allow)).toBe(false)
    }
    for (const junk of ['', 'not-an-ip', '10.0.0', '0x0a.0.0.1', '10.0.0.1.', '::ffff:10.0.0.1x']) {
      expect(ipAllowed(junk, allow)).toBe(false)
      expect(ipAllowed(junk, allow)).toBe(false)
    }
    expect(ipAllowed('::ffff:10.0.3.4', allow)).toBe(true)
  })
})

describe('forwarding: the per-peer cache', () => {
  it('reads the forwarding fields of every request from a trusted peer, never from another', () => {
    const fwd = createForwarding({ trustedProxies: ['10.0.0.1'], forwardedHeader: 'x-forwarded-for' })
    for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.1']) {
      expect(fwd.resolve('10.0.0.1', [{ name: 'x-forwarded-for', value: client }])).toEqual({ clientIp: client, proto: undefined })
      expect(fwd.resolve('::ffff:10.0.0.1', [{ name: 'x-forwarded-for', value: client }]).clientIp).toBe(client)
      expect(fwd.resolve('10.0.0.2', [{ name: 'x-forwarded-for', value: client }]).clientIp).toBe('10.0.0.2')
    }
    expect(fwd.resolve('10.0.0.1', []).clientIp).toBe('10.0.0.1')
    expect(fwd.resolve(undefined, [{ name: 'x-forwarded-for', value: '198.51.100.1' }]).clientIp).toBeUndefined()
    expect(fwd.resolve('junk', [{ name: 'x-forwarded-for', value: '198.51.100.1' }]).clientIp).toBeUndefined()
  })

  it('stays right past its bound, and its answers cannot be altered by a caller', () => {
    const fwd = createForwarding({ trustedProxies: ['10.0.0.0/24'], forwardedHeader: 'x-forwarded-for' })
    for (let i = 0; i < 1500; i++) {
      const peer = `10.0.${i % 2}.${i % 250}`
      const got = fwd.resolve(peer, [{ name: 'x-forwarded-for', value: '203.0.113.5' }])
      expect(got.clientIp).toBe(i % 2 === 0 ? '203.0.113.5' : peer)
    }
    const first = fwd.resolve('192.0.2.1', [])
    expect(Object.isFrozen(first)).toBe(true)
    expect(() => {
      ;(first as { clientIp: string | undefined }).clientIp = '10.0.0.9'
    }).toThrow(TypeError)
    expect(fwd.resolve('192.0.2.1', []).clientIp).toBe('192.0.2.1')
  })
})

describe('identity', () => {
  it('shares a frozen component list and copies the scopes, so callers cannot reach the caches', async () => {
    const verifier = createVerifier({ keys: [record('k-hmac', hmac, { scopes: ['read'] })], nonces: new MemoryNonceStore({ now: () => NOW_MS }), clock: () => NOW_MS })
    const one = await verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S }))
    expect(Object.isFrozen(one.components)).toBe(true)
    expect(() => (one.components as string[]).push('"x"')).toThrow(TypeError)
    ;(one.scopes as string[]).push('admin')
    const two = await verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S }))
    expect(two.components).toEqual(one.components)
    expect(two.scopes).toEqual(['read'])
    expect(two.params).toEqual({ ...two.params, created: NOW_S, keyid: 'k-hmac' })
  })
})

describe('memory nonce store: expiries kept relative to its first clock reading', () => {
  it('expires and refuses exactly as with absolute times, whatever the clock does', () => {
    let now = NOW_MS
    const store = new MemoryNonceStore({ now: () => now })
    expect(store.record('k\u0000a', 5000)).toBe(true)
    now += 4999
    expect(store.record('k\u0000a', 5000)).toBe(false)
    now += 1
    expect(store.record('k\u0000a', 5000)).toBe(true)
    // A clock stepped back before the first reading: a live entry stays live.
    now = NOW_MS - 60_000
    expect(store.record('k\u0000a', 5000)).toBe(false)
    expect(store.record('k\u0000b', 1000)).toBe(true)
    now += 999
    expect(store.record('k\u0000b', 1000)).toBe(false)
    now += 1
    expect(store.record('k\u0000b', 1000)).toBe(true)
    // Far beyond small-integer range of offsets (weeks of uptime): still exact.
    now = NOW_MS + 40 * 86_400_000
    expect(store.record('k\u0000a', 5000)).toBe(true)
    now += 4999
    expect(store.record('k\u0000a', 5000)).toBe(false)
    expect(store.size).toBeGreaterThan(0)
  })
})
