/**
 * Issue 11, defect 3: authority pinning. A request signed for another service that shares the
 * keys (its Host, an absolute-form target of another origin) is refused with 421
 * ERR_AUTHORITY_MISMATCH; over HTTP/2 the authority is `:authority`, and a request without Host
 * verifies.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { createVerifier } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import { statusForCode } from '../src/problem.ts'
import { withSignetNode } from '../src/adapters/node.ts'
import { exchangeRaw } from '../../cli/test/serve-harness.ts'
import { NOW_MS, hmacKey, record, requestMessage, sign } from './helpers.ts'

let key: SignetKey
beforeAll(async () => {
  key = (await hmacKey('k-auth')).key
})

const verifierFor = (authorities?: string[]) =>
  createVerifier({ keys: [record('k-auth', key)], nonces: new MemoryNonceStore(), clock: () => NOW_MS, ...(authorities === undefined ? {} : { authorities }) })

describe('defect 3: authority pinning in the verifier', () => {
  it('refuses a request signed for another service (421 ERR_AUTHORITY_MISMATCH) and accepts its own', async () => {
    const verifier = verifierFor(['api.example', 'api.example:8443'])
    const other = await sign(await requestMessage({ authority: 'payments.internal.example' }), key)
    await expect(verifier.verify(other)).rejects.toMatchObject({ code: 'ERR_AUTHORITY_MISMATCH' })
    expect(statusForCode('ERR_AUTHORITY_MISMATCH')).toBe(421)
    // Case and the scheme's default port do not matter (RFC 9110 section 4.2.3).
    await expect(verifier.verify(await sign(await requestMessage({ authority: 'API.example:443' }), key))).resolves.toMatchObject({ keyid: 'k-auth' })
    await expect(verifier.verify(await sign(await requestMessage({ authority: 'api.example:8443' }), key))).resolves.toMatchObject({ keyid: 'k-auth' })
    await expect(verifier.verify(await sign(await requestMessage({ authority: 'api.example:8080' }), key))).rejects.toMatchObject({ code: 'ERR_AUTHORITY_MISMATCH' })
    // Without the option every authority is accepted, as before.
    await expect(verifierFor().verify(await sign(await requestMessage({ authority: 'payments.internal.example' }), key))).resolves.toBeDefined()
  })

  it('validates the option at creation', () => {
    for (const bad of [[], ['https://api.example'], ['api.example/x'], ['user@api.example'], [''], [42]] as unknown[]) {
      expect(() => verifierFor(bad as string[]), JSON.stringify(bad)).toThrow(TypeError)
    }
    expect(() => verifierFor(['[::1]:8080', 'localhost', '127.0.0.1:1'])).not.toThrow()
  })
})

describe('defect 3: over the Node adapters', () => {
  let h1: Server
  let h2: http2.Http2Server
  let h1Port: number
  let h2Port: number
  beforeAll(async () => {
    const clock = () => Date.now()
    const make = (authorities?: string[]) =>
      createVerifier({ keys: [record('k-auth', key)], nonces: new MemoryNonceStore(), clock, ...(authorities === undefined ? {} : { authorities }) })
    h1 = createServer((req, res) => handlerH1(req, res))
    await new Promise<void>((resolve) => h1.listen(0, '127.0.0.1', resolve))
    h1Port = (h1.address() as AddressInfo).port
    const handlerH1 = withSignetNode(make([`127.0.0.1:${h1Port}`]), (_req, res) => res.end('ok'))
    h2 = http2.createServer()
    await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve))
    h2Port = (h2.address() as AddressInfo).port
    const handlerH2 = withSignetNode(make([`127.0.0.1:${h2Port}`]), (req, res) => res.end(JSON.stringify({ keyid: req.signet.keyid, body: Buffer.from(req.rawBody).toString() })))
    h2.on('request', (req, res) => handlerH2(req as never, res as never))
  })
  afterAll(async () => {
    h1.closeAllConnections()
    await new Promise((resolve) => h1.close(resolve))
    await new Promise((resolve) => h2.close(resolve))
  })

  it('an absolute-form target of another origin is refused with 421, though Host names this server', async () => {
    const m = await sign(await requestMessage({ authority: 'payments.internal.example', scheme: 'http', target: '/orders?id=7' }), key, { created: Math.floor(Date.now() / 1000) })
    const lines = m.fields.filter((f) => f.name !== 'host').map((f) => `${f.name}: ${f.value}\r\n`).join('')
    const answer = await exchangeRaw(h1Port, `GET http://payments.internal.example/orders?id=7 HTTP/1.1\r\nHost: 127.0.0.1:${h1Port}\r\n${lines}Connection: close\r\n\r\n`)
    expect(answer.status).toBe(421)
    expect(JSON.parse(answer.body).code).toBe('ERR_AUTHORITY_MISMATCH')
  })

  async function h2Request(message: HttpRequestMessage, extra: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const client = http2.connect(`http://127.0.0.1:${h2Port}`)
    try {
      return await new Promise((resolve, reject) => {
        const headers: Record<string, string | string[]> = { ':method': message.method, ':path': message.target, ':authority': message.authority, ...extra }
        for (const f of message.fields) headers[f.name] = f.value
        const stream = client.request(headers)
        let status = 0
        let body = ''
        stream.on('response', (h) => (status = Number(h[':status'])))
        stream.on('data', (c: Buffer) => (body += c.toString()))
        stream.on('end', () => resolve({ status, body }))
        stream.on('error', reject)
        stream.end(message.body === undefined ? undefined : Buffer.from(message.body))
      })
    } finally {
      client.close()
    }
  }

  function h2Message(authority: string, body?: string): Promise<HttpRequestMessage> {
    return requestMessage({ authority, scheme: 'http', target: '/orders?id=7', ...(body === undefined ? {} : { body }) }).then((m) =>
      // No Host field: HTTP/2 carries the authority in :authority only.
      sign({ ...m, fields: m.fields.filter((f) => f.name !== 'host') }, key, { created: Math.floor(Date.now() / 1000) }),
    )
  }

  it('over HTTP/2 a request with no Host verifies, its authority taken from :authority (with a body without Content-Length)', async () => {
    const get = await h2Request(await h2Message(`127.0.0.1:${h2Port}`))
    expect(get.status).toBe(200)
    expect(JSON.parse(get.body)).toEqual({ keyid: 'k-auth', body: '' })
    const post = await h2Request(await h2Message(`127.0.0.1:${h2Port}`, '{"a":1}'))
    expect(post.status).toBe(200)
    expect(JSON.parse(post.body)).toEqual({ keyid: 'k-auth', body: '{"a":1}' })
  })

  it('over HTTP/2 a signature for another :authority gets 421, and a Host that disagrees with :authority gets 400', async () => {
    const other = await h2Message('payments.internal.example')
    const refused = await h2Request(other)
    expect(refused.status).toBe(421)
    expect(JSON.parse(refused.body).code).toBe('ERR_AUTHORITY_MISMATCH')
    // Signed for this server, but a Host field names another: the client's Host is not the authority.
    const mine = await h2Message(`127.0.0.1:${h2Port}`)
    const confused = await h2Request(mine, { host: 'payments.internal.example' })
    expect(confused.status).toBe(400)
    expect(JSON.parse(confused.body).code).toBe('ERR_MALFORMED_MESSAGE')
  })
})
