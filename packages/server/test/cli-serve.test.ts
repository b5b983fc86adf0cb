/**
 * `signet serve` (CLI.md), run in-process through the CLI dispatcher with real requests on
 * 127.0.0.1: echo mode, reverse-proxy mode, policy flags, Redis, and every start-up failure
 * (one line on stderr, exit 2, nothing left listening).
 */
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importKey } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { serveInProcess } from '../../cli/test/serve-harness.ts'
import type { ServeExited, ServeRunning } from '../../cli/test/serve-harness.ts'
import { freshNonce, hmacKey, requestMessage, sign } from './helpers.ts'
import { send } from './http-client.ts'
import { available, freePort, redisProcess, sleep } from './redis-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'signet-serve-'))
let key: SignetKey
let jwksPath: string

beforeAll(async () => {
  const generated = await hmacKey('k-serve')
  key = await importKey(generated.jwk, { kid: 'k-serve' })
  jwksPath = join(dir, 'keys.json')
  writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...generated.jwk, owner: 'acme', scopes: ['read'] }] }))
})

type Running = ServeRunning

/** Start `signet serve ARGS` in-process; resolves once it prints its address (or exits). */
function serve(args: string[]): Promise<ServeRunning | ServeExited> {
  return serveInProcess(['serve', ...args], dir)
}

async function running(args: string[]): Promise<Running> {
  const r = await serve(args)
  if (!('port' in r)) throw new Error(`serve exited ${r.exit}: ${r.stderr.join('')}`)
  return r
}

async function signedFor(port: number, spec: Parameters<typeof requestMessage>[0] = {}, signSpec: Parameters<typeof sign>[2] = {}): Promise<HttpRequestMessage> {
  const m = await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http', target: '/orders?id=7', ...spec })
  return sign(m, key, { created: Math.floor(Date.now() / 1000), ...signSpec })
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

describe('signet serve: echo mode', () => {
  it('prints its address, answers 200 with the identity, refuses replays and unsigned requests, and shuts down on abort', async () => {
    const port = await freePort()
    const s = await running(['--jwks', 'keys.json', '--port', String(port)])
    expect(s.port).toBe(port)
    expect(s.stdout).toEqual([`listening on http://127.0.0.1:${port}\n`])
    const message = await signedFor(port, { body: '{"a":1}' })
    const ok = await send(port, message)
    expect(ok.status).toBe(200)
    const body = ok.json()
    expect(Object.keys(body).sort()).toEqual(['alg', 'components', 'keyid', 'label', 'owner', 'params', 'scopes'])
    expect(body).toMatchObject({ keyid: 'k-serve', label: 'sig1', alg: 'hmac-sha256', owner: 'acme', scopes: ['read'] })
    expect(body['components']).toEqual(['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'])
    expect((body['params'] as Record<string, unknown>)['keyid']).toBe('k-serve')

    const replay = await send(port, message)
    expect(replay.status).toBe(401)
    expect(replay.headers['content-type']).toBe('application/problem+json')
    expect(replay.json().code).toBe('ERR_NONCE_REPLAYED')

    // A nonce store is always set: a signature without a nonce is refused.
    const { signMessage } = await import('@signet/core')
    const bare = await requestMessage({ authority: `127.0.0.1:${port}`, scheme: 'http' })
    const r = await signMessage(bare, { key })
    const noNonce = await send(port, { ...bare, fields: [...bare.fields, { name: 'signature-input', value: r.signatureInput }, { name: 'signature', value: r.signature }] })
    expect(noNonce.json().code).toBe('ERR_REQUIRED_PARAMETER')

    const unsigned = await send(port, await requestMessage({ authority: `127.0.0.1:${port}` }))
    expect(unsigned.status).toBe(401)
    expect(unsigned.headers['accept-signature']).toContain('nonce')

    expect(await s.stop()).toBe(0)
    expect(await portIsFree(port)).toBe(true)
    expect(s.stderr).toEqual([])
  })

  it('--require replaces the default components; --max-age sets the age limit', async () => {
    const s = await running(['--jwks', jwksPath, '--port', '0', '--require', '"@method" "@path"', '--max-age', '10'])
    try {
      expect((await send(s.port, await signedFor(s.port, {}, { components: ['@method', '@path'] }))).status).toBe(200)
      const missing = await send(s.port, await signedFor(s.port, {}, { components: ['@method'] }))
      expect(missing.json().code).toBe('ERR_REQUIRED_COMPONENT')
      const old = await send(s.port, await signedFor(s.port, {}, { components: ['@method', '@path'], created: Math.floor(Date.now() / 1000) - 60 }))
      expect(old.json().code).toBe('ERR_SIGNATURE_TOO_OLD')
    } finally {
      await s.stop()
    }
  })
})

describe('signet serve: reverse proxy', () => {
  let upstream: Server
  let upstreamPort: number
  const seen: Array<{ method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders; body: string }> = []

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() })
        res.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' })
        res.end(`created for ${req.headers['signet-key-id']}`)
      })
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    upstreamPort = (upstream.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise((resolve) => upstream.close(resolve))
  })

  it('forwards verified requests with Signet-Key-Id (client copies removed) and relays the answer', async () => {
    const s = await running(['--jwks', jwksPath, '--port', '0', '--upstream', `http://127.0.0.1:${upstreamPort}/base`])
    try {
      const forged = await signedFor(s.port, { body: 'payload', fields: [{ name: 'signet-key-id', value: 'admin' }] })
      const reply = await send(s.port, forged)
      expect(reply.status).toBe(201)
      expect(reply.body).toBe('created for k-serve')
      expect(reply.headers['x-upstream']).toBe('yes')
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/base/orders?id=7', body: 'payload' })
      expect(seen[0]?.headers['signet-key-id']).toBe('k-serve')
      // Only covered fields, framing and serve's own are forwarded: not the signature itself.
      expect(seen[0]?.headers['signature']).toBeUndefined()
      expect(seen[0]?.headers['content-digest']).toBeDefined()
      const refused = await send(s.port, await requestMessage({ authority: `127.0.0.1:${s.port}` }))
      expect(refused.status).toBe(401)
      expect(seen).toHaveLength(1)
    } finally {
      await s.stop()
    }
  })

  it('answers 502 when the upstream is down', async () => {
    const dead = await freePort()
    const s = await running(['--jwks', jwksPath, '--port', '0', '--upstream', `http://127.0.0.1:${dead}`])
    try {
      const reply = await send(s.port, await signedFor(s.port))
      expect(reply.status).toBe(502)
    } finally {
      await s.stop()
    }
  })
})

describe('signet serve: bad input is one line on stderr, exit 2, nothing started', () => {
  const cases: Array<[string, () => Promise<string[]>, string]> = [
    ['missing JWKS file', async () => ['--jwks', 'nope.json', '--port', '0'], 'ERR_IO'],
    ['malformed JWKS', async () => {
      writeFileSync(join(dir, 'bad.json'), '{"keys": [{"kty": "oct"}]}')
      return ['--jwks', 'bad.json', '--port', '0']
    }, 'ERR_KEY_INVALID'],
    ['JWKS that is not JSON', async () => {
      writeFileSync(join(dir, 'text.json'), 'not json')
      return ['--jwks', 'text.json', '--port', '0']
    }, 'ERR_KEY_INVALID'],
    ['no key source', async () => ['--port', '0'], 'ERR_USAGE'],
    ['both key sources', async () => ['--jwks', 'keys.json', '--registry', 'r.db'], 'ERR_USAGE'],
    ['bad port', async () => ['--jwks', 'keys.json', '--port', '70000'], 'ERR_USAGE'],
    ['bad max age', async () => ['--jwks', 'keys.json', '--max-age', '-1'], 'ERR_USAGE'],
    ['bad nonce store', async () => ['--jwks', 'keys.json', '--nonce-store', 'memcached://x'], 'ERR_USAGE'],
    ['bad upstream', async () => ['--jwks', 'keys.json', '--upstream', 'ftp://x'], 'ERR_USAGE'],
    ['bad --require', async () => ['--jwks', 'keys.json', '--require', '"@method'], 'ERR_USAGE'],
    ['unknown option', async () => ['--jwks', 'keys.json', '--tls'], 'ERR_USAGE'],
    ['unreachable Redis', async () => ['--jwks', 'keys.json', '--port', '0', '--nonce-store', `redis://127.0.0.1:${await freePort()}`], 'ERR_STORE_UNAVAILABLE'],
  ]
  for (const [name, args, code] of cases) {
    it(name, async () => {
      const r = await serve(await args())
      expect('exit' in r && r.exit).toBe(2)
      if (!('exit' in r)) return
      expect(r.stdout).toEqual([])
      expect(r.stderr).toHaveLength(1)
      expect(r.stderr[0]?.endsWith('\n')).toBe(true)
      expect(r.stderr[0]?.trim().includes('\n')).toBe(false)
      expect(JSON.parse(r.stderr[0] as string).code).toBe(code)
      expect(r.ms).toBeLessThan(3000)
    })
  }

  it('port in use', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as AddressInfo).port
    try {
      const r = await serve(['--jwks', 'keys.json', '--port', String(port)])
      expect('exit' in r && r.exit).toBe(2)
      if ('exit' in r) {
        expect(r.stdout).toEqual([])
        expect(JSON.parse(r.stderr[0] as string)).toMatchObject({ code: 'ERR_IO' })
        expect(JSON.parse(r.stderr[0] as string).message).toContain('EADDRINUSE')
      }
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })
})

describe.runIf(available)('signet serve --nonce-store redis://', () => {
  it('verifies with Redis, answers 503 within 2 s while it is down, and resumes', async () => {
    const redis = redisProcess(await freePort())
    await redis.start()
    const s = await running(['--jwks', jwksPath, '--port', '0', '--nonce-store', `redis://127.0.0.1:${redis.port}`])
    try {
      const m = await signedFor(s.port)
      expect((await send(s.port, m)).status).toBe(200)
      expect((await send(s.port, m)).json().code).toBe('ERR_NONCE_REPLAYED')
      redis.stop()
      await sleep(200)
      for (let i = 0; i < 5; i++) {
        const started = Date.now()
        const reply = await send(s.port, await signedFor(s.port, {}, { nonce: freshNonce() }))
        expect(reply.status).toBe(503)
        expect(Date.now() - started).toBeLessThan(2000)
      }
      await redis.start()
      let status = 0
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await send(s.port, await signedFor(s.port))).status
        if (status !== 200) await sleep(100)
      }
      expect(status).toBe(200)
    } finally {
      expect(await s.stop()).toBe(0)
      redis.stop()
    }
  }, 30_000)
})
