/**
 * Issue 11, defect 2: `signet serve --upstream` forwards only what the signature covers, plus
 * Content-Type/Content-Length framing and the Signet-* and forwarding fields serve sets itself
 * (CLI.md "Additions", `signet serve`). Requests go byte for byte on 127.0.0.1, so field names
 * with underscores reach serve as a client would send them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { hmacKey, requestMessage, sign } from '../../server/test/helpers.ts'
import { exchangeRaw, serveInProcess, startUpstream } from './serve-harness.ts'
import type { ServeRunning, Upstream } from './serve-harness.ts'

const dir = mkdtempSync(join(tmpdir(), 'signet-upstream-'))
let key: SignetKey
let upstream: Upstream
let serve: ServeRunning

beforeAll(async () => {
  const generated = await hmacKey('k-up')
  key = generated.key
  writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [generated.jwk] }))
  upstream = await startUpstream((req, res) => {
    req.resume()
    req.on('end', () => {
      const text = JSON.stringify({ rawHeaders: req.rawHeaders })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
      res.end(text)
    })
  })
  const s = await serveInProcess(['serve', '--port', '0', '--jwks', 'keys.json', '--upstream', `http://127.0.0.1:${upstream.port}`], dir)
  if (!('port' in s)) throw new Error(`serve exited ${s.exit}: ${s.stderr.join('')}`)
  serve = s
})

afterAll(async () => {
  await serve?.stop()
  await upstream?.close()
})

/** The raw HTTP/1.1 text of a signed message, with `extra` field lines the signature does not cover. */
function raw(message: HttpRequestMessage, extra: string[]): string {
  const lines = [`${message.method} ${message.target} HTTP/1.1`, ...message.fields.map((f) => `${f.name}: ${f.value}`), ...extra]
  if (message.body !== undefined) lines.push(`Content-Length: ${message.body.length}`)
  lines.push('Connection: close', '', '')
  return lines.join('\r\n') + (message.body === undefined ? '' : Buffer.from(message.body).toString())
}

async function upstreamFields(message: HttpRequestMessage, extra: string[]): Promise<{ status: number; all: (name: string) => string[]; names: string[] }> {
  const answer = await exchangeRaw(serve.port, raw(message, extra))
  if (answer.status !== 200) return { status: answer.status, all: () => [], names: [] }
  const rawHeaders = (JSON.parse(answer.body) as { rawHeaders: string[] }).rawHeaders
  const pairs: [string, string][] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([(rawHeaders[i] as string).toLowerCase(), rawHeaders[i + 1] as string])
  return { status: answer.status, all: (name) => pairs.filter(([n]) => n === name).map(([, v]) => v), names: pairs.map(([n]) => n) }
}

async function signed(fields: { name: string; value: string }[], components: string[]): Promise<HttpRequestMessage> {
  const m = await requestMessage({ authority: `127.0.0.1:${serve.port}`, scheme: 'http', target: '/orders?id=7', body: '{"a":1}', fields })
  return sign(m, key, { created: Math.floor(Date.now() / 1000), components })
}

describe('defect 2: signet serve --upstream forwards only what the signature vouches for', () => {
  it("underscore spellings of Signet-* and forwarding fields never reach the upstream (CGI's HTTP_SIGNET_KEY_ID)", async () => {
    const m = await signed([], ['@method', '@target-uri', 'content-digest', 'content-type'])
    const got = await upstreamFields(m, ['Signet_Key_Id: admin', 'X_Forwarded_For: 10.9.9.9', 'signet-KEY_id: admin', 'X_Real_IP: 10.9.9.9', 'Signet-Anything: x'])
    expect(got.status).toBe(200)
    for (const name of got.names) expect(name, name).not.toContain('_')
    expect(got.all('signet-key-id')).toEqual(['k-up'])
    expect(got.all('x-forwarded-for')).toEqual(['127.0.0.1'])
    expect(got.all('signet-anything')).toEqual([])
  })

  it('uncovered fields (X-HTTP-Method-Override, Authorization, Cookie, Signature) are not forwarded; covered ones are', async () => {
    const m = await signed([{ name: 'x-tenant', value: 'acme' }], ['@method', '@target-uri', 'content-digest', 'content-type', 'x-tenant'])
    const got = await upstreamFields(m, ['X-HTTP-Method-Override: DELETE', 'Authorization: Bearer stolen', 'Cookie: session=1', 'X-Custom: not covered'])
    expect(got.status).toBe(200)
    for (const name of ['x-http-method-override', 'authorization', 'cookie', 'x-custom', 'signature', 'signature-input']) expect(got.all(name), name).toEqual([])
    expect(got.all('x-tenant')).toEqual(['acme'])
    expect(got.all('content-digest')).toHaveLength(1)
    expect(got.all('content-type')).toEqual(['application/json'])
    expect(got.all('content-length')).toEqual(['7'])
  })

  it("a client's Connection cannot strip a covered field: the signed Content-Type and a covered field still arrive", async () => {
    const m = await signed([{ name: 'x-tenant', value: 'acme' }], ['@method', '@target-uri', 'content-digest', 'content-type', 'x-tenant'])
    const got = await upstreamFields(m, ['Connection: content-type, x-tenant, content-digest'])
    expect(got.status).toBe(200)
    expect(got.all('content-type')).toEqual(['application/json'])
    expect(got.all('x-tenant')).toEqual(['acme'])
    expect(got.all('content-digest')).toHaveLength(1)
  })
})

describe('signet serve --authority and --trust-proxy', () => {
  let pinned: ServeRunning
  beforeAll(async () => {
    const s = await serveInProcess(
      ['serve', '--port', '0', '--jwks', 'keys.json', '--upstream', `http://127.0.0.1:${upstream.port}`, '--authority', 'api.example', '--authority', 'API.example:8443', '--trust-proxy', '127.0.0.0/8'],
      dir,
    )
    if (!('port' in s)) throw new Error(`serve exited ${s.exit}: ${s.stderr.join('')}`)
    pinned = s
  })
  afterAll(async () => {
    await pinned?.stop()
  })

  async function to(authority: string, fields: { name: string; value: string }[] = []): Promise<{ status: number; body: string }> {
    const m = await requestMessage({ authority, scheme: 'http', target: '/orders?id=7', fields })
    const s = await sign(m, key, { created: Math.floor(Date.now() / 1000) })
    return exchangeRaw(pinned.port, raw(s, []))
  }

  it('accepts the pinned authorities and answers 421 ERR_AUTHORITY_MISMATCH for any other', async () => {
    expect((await to('api.example')).status).toBe(200)
    expect((await to('api.example:8443')).status).toBe(200)
    const other = await to('payments.internal.example')
    expect(other.status).toBe(421)
    expect(JSON.parse(other.body).code).toBe('ERR_AUTHORITY_MISMATCH')
    expect((await to(`127.0.0.1:${pinned.port}`)).status).toBe(421)
  })

  it("walks X-Forwarded-For from the right past trusted hops, and ignores a client's Forwarded", async () => {
    const answer = await to('api.example', [
      { name: 'forwarded', value: 'for=198.51.100.1;proto=https' },
      { name: 'x-forwarded-for', value: '10.9.9.9, 203.0.113.9, 127.0.0.5' },
    ])
    expect(answer.status).toBe(200)
    const rawHeaders = (JSON.parse(answer.body) as { rawHeaders: string[] }).rawHeaders
    const all = (name: string) => rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase() === name)
    expect(all('x-forwarded-for')).toEqual(['203.0.113.9'])
    expect(all('x-forwarded-proto')).toEqual(['http'])
    expect(all('forwarded')).toEqual(['for=203.0.113.9;proto=http;host="api.example"'])
  })

  it('refuses a bad --trust-proxy, --authority, --forwarded-header or --nonce-quota at start with ERR_USAGE', async () => {
    const bad = [['--trust-proxy', 'proxy.local'], ['--authority', 'https://api.example'], ['--forwarded-header', 'both'], ['--nonce-quota', '0'], ['--nonce-quota', '-3'], ['--nonce-quota', 'many']]
    for (const args of bad) {
      const s = await serveInProcess(['serve', '--port', '0', '--jwks', 'keys.json', ...args], dir)
      if ('port' in s) {
        await s.stop()
        throw new Error(`serve started with ${args.join(' ')}`)
      }
      expect(s.exit, args.join(' ')).toBe(2)
      expect(JSON.parse(s.stderr[0] as string).code, args.join(' ')).toBe('ERR_USAGE')
    }
  })
})
