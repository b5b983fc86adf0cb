/**
 * `signet console` without a browser: the inspector's verdicts and marked lines, the key view
 * (no secret ever), rotation chains, the console's usage series, and the HTTP boundary (Host,
 * origin, session token, confirmation, clean shutdown) through real requests to the console run
 * in-process by the dispatcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJwk, generateKey, importKey } from '@signet/core'
import { inspectRequest } from '../src/console/inspect.ts'
import type { RegistryLookup } from '../src/console/inspect.ts'
import { keyView, rotationChain } from '../src/console/key-view.ts'
import { UsageHistory } from '../src/console/usage-series.ts'
import { consoleAuthorities, createGuard } from '../src/console/guard.ts'
import { openRegistryFromSpec } from '@signet/registry'
import { findRedisServer, startRedis } from '../../registry/test/redis-server.ts'
import type { RedisHandle } from '../../registry/test/redis-server.ts'
import { ed25519Key, registryFixture, signedRequest, startConsoleCommand } from './console-support.ts'
import type { ConsoleRun, Fixture } from './console-support.ts'

let fixture: Fixture
let signer: Awaited<ReturnType<typeof ed25519Key>>
let lookup: RegistryLookup
const now = (): number => Date.now() / 1000

beforeAll(async () => {
  fixture = await registryFixture()
  signer = await ed25519Key(fixture.registry)
  lookup = async (keyid) => fixture.registry.resolve(keyid)
})

afterAll(async () => {
  await fixture.registry.close()
})

describe('inspector', () => {
  it('calls a request valid when the server sees what the client signed, with each base line', async () => {
    const request = await signedRequest(signer.signing, signer.keyid)
    const result = await inspectRequest({ request, key: JSON.stringify(signer.publicJwk), serverScheme: 'https' }, lookup, now())
    expect(result.verdict).toBe('valid')
    expect(result.code).toBeUndefined()
    expect(result.reason).toMatch(/^valid/)
    expect(result.lines.map((l) => l.component)).toEqual(['"@method"', '"@target-uri"', '"@authority"', '"content-digest"', '"content-type"', '"@signature-params"'])
    expect(result.lines.find((l) => l.component === '"@target-uri"')?.value).toBe('https://api.example.com/orders?x=1')
    expect(result.lines.every((l) => !l.failed)).toBe(true)
    expect(result.server).toEqual({ targetUri: 'https://api.example.com/orders?x=1', authority: 'api.example.com' })
  })

  it('marks content-digest when the body was changed after signing', async () => {
    const request = (await signedRequest(signer.signing, signer.keyid)).replace('{"item":42}', '{"item":43}')
    const result = await inspectRequest({ request, key: JSON.stringify(signer.publicJwk), serverScheme: 'https' }, lookup, now())
    expect(result.verdict).toBe('invalid')
    expect(result.code).toBe('ERR_DIGEST_MISMATCH')
    expect(result.lines.filter((l) => l.failed).map((l) => l.component)).toEqual(['"content-digest"'])
  })

  it('marks @target-uri and @authority when the server rebuilds another URI than the client signed', async () => {
    const request = await signedRequest(signer.signing, signer.keyid)
    const result = await inspectRequest({ request, key: JSON.stringify(signer.publicJwk), serverScheme: 'http', serverAuthority: '127.0.0.1:8080' }, lookup, now())
    expect(result.verdict).toBe('invalid')
    expect(result.code).toBe('ERR_SIGNATURE_INVALID')
    expect(result.server?.targetUri).toBe('http://127.0.0.1:8080/orders?x=1')
    expect(result.client?.targetUri).toBe('https://api.example.com/orders?x=1')
    expect(result.lines.filter((l) => l.failed).map((l) => l.component)).toEqual(['"@target-uri"', '"@authority"'])
    expect(result.reason).toContain("holds over the client's base")
  })

  it('blames no line when the key is not the signer', async () => {
    const other = await exportJwk(await generateKey('ed25519'))
    const request = await signedRequest(signer.signing, signer.keyid)
    const result = await inspectRequest({ request, key: JSON.stringify({ ...other, kid: undefined }), serverScheme: 'https' }, lookup, now())
    expect(result.code).toBe('ERR_SIGNATURE_INVALID')
    expect(result.lines.some((l) => l.failed)).toBe(false)
  })

  it("uses the registry's key when none is pasted, and its state counts", async () => {
    const request = await signedRequest(signer.signing, signer.keyid)
    const ok = await inspectRequest({ request, serverScheme: 'https' }, lookup, now())
    expect([ok.verdict, ok.keySource]).toEqual(['valid', 'registry'])
    const other = await ed25519Key(fixture.registry, 'globex')
    await fixture.registry.disable(other.keyid)
    const refused = await inspectRequest({ request: await signedRequest(other.signing, other.keyid), serverScheme: 'https' }, lookup, now())
    expect(refused.code).toBe('ERR_KEY_DISABLED')
  })

  it('verifies an HMAC signature with the pasted secret JWK, or with the registry secret it never shows', async () => {
    const hmac = await fixture.registry.create({ owner: 'hmac-client' })
    const request = await signedRequest(await importKey(hmac.jwk as JsonWebKey & { kid: string }), hmac.keyid)
    const pasted = await inspectRequest({ request, key: JSON.stringify(hmac.jwk), serverScheme: 'https' }, lookup, now())
    expect([pasted.verdict, pasted.keySource, pasted.alg ?? null]).toEqual(['valid', 'pasted', null])
    const fromRegistry = await inspectRequest({ request, serverScheme: 'https' }, lookup, now())
    expect([fromRegistry.verdict, fromRegistry.keySource]).toEqual(['valid', 'registry'])
    expect(JSON.stringify(fromRegistry)).not.toContain((hmac.jwk as { k: string }).k)
    const expired = await inspectRequest({ request: await signedRequest(signer.signing, signer.keyid, { expires: Math.floor(now()) - 10 }), serverScheme: 'https' }, lookup, now())
    expect(expired.code).toBe('ERR_SIGNATURE_EXPIRED')
    expect(expired.lines.find((l) => l.failed)?.component).toBe('"@signature-params"')
  })

  it('reports a keyid that is not the pasted key, an expired signature and a request it cannot read', async () => {
    const request = await signedRequest(signer.signing, signer.keyid)
    const other = await exportJwk(await generateKey('ed25519'))
    const mismatch = await inspectRequest({ request, key: JSON.stringify({ ...other, kid: 'someone-else' }), serverScheme: 'https' }, lookup, now())
    expect(mismatch.code).toBe('ERR_KEY_ID_MISMATCH')
    expect(mismatch.lines.find((l) => l.failed)?.component).toBe('"@signature-params"')
    const old = await signedRequest(signer.signing, signer.keyid, { created: Math.floor(now()) - 3600 })
    const aged = await inspectRequest({ request: old, key: JSON.stringify(signer.publicJwk), serverScheme: 'https' }, lookup, now())
    expect(aged.verdict).toBe('valid')
    expect(aged.notes.join(' ')).toContain('ERR_SIGNATURE_TOO_OLD')
    const broken = await inspectRequest({ request: 'not a request' }, lookup, now())
    expect(broken.code).toBe('ERR_MALFORMED_MESSAGE')
    const badKey = await inspectRequest({ request, key: '{"kty": "oct", "k": "c2VjcmV0"' }, lookup, now())
    expect(badKey.code).toBe('ERR_KEY_INVALID')
    expect(badKey.reason).not.toContain('c2VjcmV0')
  })
})

describe('key view and rotation chain', () => {
  it('never copies a secret, and shows limits only when the registry has them', async () => {
    const created = await fixture.registry.create({ owner: 'acme' })
    const view = keyView({ ...created, rateLimit: '10/1m', credits: 5, creditsRefill: 'daily', secretLimit: undefined, unrelated: 1 })
    const text = JSON.stringify(view)
    expect(created.secret).toMatch(/^sgn_sk_/)
    expect(text).not.toContain(created.secret as string)
    expect(view['jwk']).toBeUndefined()
    expect(view['limits']).toEqual({ rateLimit: '10/1m', credits: 5, creditsRefill: 'daily' })
    expect(view['unrelated']).toBeUndefined()
    expect(keyView(created)['limits']).toEqual({})
  })

  it('walks a rotation chain oldest first with the overlap window', async () => {
    const first = await fixture.registry.create({ owner: 'chain' })
    const second = await fixture.registry.rotate(first.keyid, { overlapSeconds: 3600 })
    const third = await fixture.registry.rotate(second.keyid, { overlapSeconds: 600 })
    const chain = rotationChain(await fixture.registry.list(), second.keyid)
    expect(chain.map((s) => s.keyid)).toEqual([first.keyid, second.keyid, third.keyid])
    expect(chain[0]?.overlap).toEqual({ from: second.created, until: second.previous.overlapUntil })
    expect((chain[0]?.overlap?.until ?? 0) - (chain[0]?.overlap?.from ?? 0)).toBe(3600)
    expect(chain[2]?.overlap).toBeNull()
    expect(rotationChain([], 'sgn_k_none')).toEqual([])
  })
})

describe('usage series', () => {
  it("buckets the differences of a registry's totals, and passes a registry's own buckets through", async () => {
    let clock = 1_800_000_000
    let totals = { requests: 10, rejections: { ERR_SIGNATURE_INVALID: 1 } }
    const history = new UsageHistory(async () => totals, () => clock)
    expect((await history.series('k', 'minute')).buckets).toEqual([])
    totals = { requests: 13, rejections: { ERR_SIGNATURE_INVALID: 3 } }
    clock += 61
    const series = await history.series('k', 'minute')
    expect(series.source).toBe('console')
    expect(series.buckets).toEqual([{ start: clock - (clock % 60), requests: 3, rejections: { ERR_SIGNATURE_INVALID: 2 } }])
    // A key created after the console started counts from zero: its first sample is all new use.
    const fresh = new UsageHistory(async () => ({ requests: 2, rejections: {} }), () => clock, () => clock)
    expect((await fresh.series('new', 'minute')).buckets).toEqual([{ start: clock - (clock % 60), requests: 2, rejections: {} }])
    const buckets = [{ start: clock - 60, requests: 4, rejections: { ERR_RATE_LIMITED: 1 } }]
    const fromRegistry = await new UsageHistory(async () => buckets, () => clock).series('k', 'minute')
    expect([fromRegistry.source, fromRegistry.buckets]).toEqual(['registry', buckets])
  })
})

describe('console authorities', () => {
  it('accept the address, localhost for loopback, the name given, and every interface for a wildcard bind', () => {
    expect(consoleAuthorities('127.0.0.1', 8081)).toEqual(['127.0.0.1:8081', '[::1]:8081', 'localhost:8081'])
    expect(consoleAuthorities('192.0.2.5', 9000, { given: 'Console.example' })).toEqual(['192.0.2.5:9000', 'console.example:9000'])
    expect(consoleAuthorities('0.0.0.0', 1, { interfaces: ['192.0.2.5', 'fe80::1'] })).toEqual(
      expect.arrayContaining(['192.0.2.5:1', '[fe80::1]:1', 'localhost:1']),
    )
    expect(consoleAuthorities('192.0.2.5', 9000)).not.toContain('localhost:9000')
  })
})

describe('guard', () => {
  const token = 'a'.repeat(43)
  const check = createGuard(consoleAuthorities('127.0.0.1', 8081), token)
  const post = (headers: Record<string, string>): ReturnType<typeof check> => check({ method: 'POST', headers: { host: '127.0.0.1:8081', ...headers } })
  it('refuses another Host (DNS rebinding), another origin, and a missing or wrong token', () => {
    expect(check({ method: 'GET', headers: { host: 'evil.example:8081' } })?.code).toBe('ERR_HOST_NOT_ALLOWED')
    expect(check({ method: 'GET', headers: { host: 'localhost:8081' } })).toBeUndefined()
    expect(post({ origin: 'http://evil.example', 'x-signet-console-token': token })?.code).toBe('ERR_CROSS_ORIGIN')
    expect(post({ 'x-signet-console-token': token })?.code).toBe('ERR_CROSS_ORIGIN')
    expect(post({ 'sec-fetch-site': 'cross-site', 'x-signet-console-token': token })?.code).toBe('ERR_CROSS_ORIGIN')
    expect(post({ origin: 'http://127.0.0.1:8081' })?.code).toBe('ERR_CONSOLE_TOKEN')
    expect(post({ origin: 'http://127.0.0.1:8081', 'x-signet-console-token': 'b'.repeat(43) })?.code).toBe('ERR_CONSOLE_TOKEN')
    expect(post({ origin: 'http://127.0.0.1:8081', 'x-signet-console-token': token })).toBeUndefined()
    expect(post({ 'sec-fetch-site': 'same-origin', 'x-signet-console-token': token })).toBeUndefined()
  })
})

describe('signet console over HTTP', () => {
  let run: ConsoleRun
  let token: string
  let origin: string
  beforeAll(async () => {
    run = await startConsoleCommand(fixture)
    origin = run.url
    const page = await (await fetch(`${run.url}/`)).text()
    token = /name="signet-console-token" content="([^"]+)"/.exec(page)?.[1] ?? ''
  })
  afterAll(async () => {
    await run?.stop()
  })

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${run.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin, 'x-signet-console-token': token, ...headers }, body: JSON.stringify(body) })

  it('binds to loopback, serves the page with a session token and strict headers', async () => {
    expect(run.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(token.length).toBeGreaterThanOrEqual(43)
    const page = await fetch(`${run.url}/`)
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    const script = await fetch(`${run.url}/app.js`)
    expect(script.headers.get('content-type')).toContain('javascript')
    expect((await script.text()).length).toBeGreaterThan(10_000) // uPlot is bundled in
  })

  it('lists keys without any secret, and refuses a foreign Host', async () => {
    const created = await fixture.registry.create({ owner: 'listed' })
    const answer = await fetch(`${run.url}/api/keys`)
    const text = await answer.text()
    expect(answer.status).toBe(200)
    expect(text).toContain(created.keyid)
    expect(text).not.toContain(created.secret as string)
    expect(text).not.toContain('sgn_sk_')
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(run.url)
      request({ host: url.hostname, port: url.port, path: '/api/keys', headers: { host: 'attacker.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
        .on('error', reject)
        .end()
    })
    expect(status).toBe(421)
  })

  it('changes nothing without the token, the origin or the confirmation; revokes when confirmed', async () => {
    const created = await fixture.registry.create({ owner: 'victim' })
    const path = `/api/keys/${created.keyid}/revoke`
    expect((await post(path, { confirm: created.keyid }, { 'x-signet-console-token': 'x'.repeat(43) })).status).toBe(403)
    expect((await post(path, { confirm: created.keyid }, { origin: 'http://evil.example' })).status).toBe(403)
    const unconfirmed = await post(path, {})
    expect(unconfirmed.status).toBe(400)
    expect(((await unconfirmed.json()) as { code: string }).code).toBe('ERR_USAGE')
    expect((await fixture.registry.get(created.keyid)).state).toBe('active')
    const done = await post(path, { confirm: created.keyid })
    expect(done.status).toBe(200)
    expect((await fixture.registry.get(created.keyid)).state).toBe('revoked')
    const again = await post(`/api/keys/${created.keyid}/enable`, { confirm: created.keyid })
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([409, 'ERR_INVALID_STATE'])
  })

  it('rotates: the successor secret is in that one answer and never in a listing', async () => {
    const created = await fixture.registry.create({ owner: 'rotating' })
    const answer = (await (await post(`/api/keys/${created.keyid}/rotate`, { confirm: created.keyid, overlap: '1h' })).json()) as {
      key: { keyid: string; replaces: string }
      once: { secret?: string }
      previous: { overlapUntil: number }
    }
    expect(answer.key.replaces).toBe(created.keyid)
    expect(answer.once.secret).toMatch(/^sgn_sk_/)
    expect(JSON.stringify(answer.key)).not.toContain(answer.once.secret as string)
    expect(await (await fetch(`${run.url}/api/keys`)).text()).not.toContain(answer.once.secret as string)
    const chain = (await (await fetch(`${run.url}/api/keys/${answer.key.keyid}/rotation`)).json()) as { chain: Array<{ keyid: string; overlap: unknown }> }
    expect(chain.chain.map((s) => s.keyid)).toEqual([created.keyid, answer.key.keyid])
    const history = (await (await fetch(`${run.url}/api/keys/${created.keyid}/audit`)).json()) as { entries: Array<{ action: string; details: { successor: string } }> }
    expect(history.entries.map((e) => e.action)).toEqual(['rotate', 'create'])
    expect(history.entries[0]?.details.successor).toBe(answer.key.keyid)
  })

  it("charts usage recorded by a verifier since the console started", async () => {
    const before = (await (await fetch(`${run.url}/api/keys/${signer.keyid}/usage?by=minute`)).json()) as { source: string; buckets: unknown[] }
    expect(before.source).toBe('console')
    const t = Math.floor(now())
    for (let i = 0; i < 3; i++) fixture.registry.recordUsage({ keyid: signer.keyid, time: t * 1000, ip: '10.0.0.1' })
    fixture.registry.recordUsage({ keyid: signer.keyid, time: t * 1000, code: 'ERR_SIGNATURE_INVALID' })
    await fixture.registry.flushUsage()
    const after = (await (await fetch(`${run.url}/api/keys/${signer.keyid}/usage?by=hour`)).json()) as { buckets: Array<{ requests: number; rejections: Record<string, number> }> }
    const sum = after.buckets.reduce((n, b) => n + b.requests, 0)
    expect(sum).toBe(3)
    expect(after.buckets.reduce((n, b) => n + (b.rejections['ERR_SIGNATURE_INVALID'] ?? 0), 0)).toBe(1)
    const bad = await fetch(`${run.url}/api/keys/${signer.keyid}/usage?by=week`)
    expect(bad.status).toBe(400)
  })

  it('inspects over HTTP and never echoes the pasted key', async () => {
    const hmac = await fixture.registry.create({ owner: 'hmac' })
    const keyText = JSON.stringify(hmac.jwk)
    const answer = await post('/api/inspect', { request: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', key: keyText })
    const text = await answer.text()
    expect(answer.status).toBe(200)
    expect(JSON.parse(text).code).toBe('ERR_SIGNATURE_MISSING')
    expect(text).not.toContain((hmac.jwk as { k: string }).k)
    expect(run.stderr()).not.toContain((hmac.jwk as { k: string }).k)
  })

  it('finishes a request in flight when aborted (SIGINT), then exits 0', async () => {
    const second = await startConsoleCommand(fixture)
    const page = await (await fetch(`${second.url}/`)).text()
    const secondToken = /name="signet-console-token" content="([^"]+)"/.exec(page)?.[1] ?? ''
    const { connect } = await import('node:net')
    const url = new URL(second.url)
    const body = JSON.stringify({ request: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' })
    const socket = connect(Number(url.port), url.hostname)
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk.toString()
    })
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
    socket.write(
      `POST /api/inspect HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${second.url}\r\nX-Signet-Console-Token: ${secondToken}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    const exit = second.stop()
    await new Promise((resolve) => setTimeout(resolve, 100))
    socket.end(body.slice(10))
    await closed
    expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    expect(answer).toContain('ERR_SIGNATURE_MISSING')
    expect(await exit).toBe(0)
  })

  it('finishes and exits 0 on abort (SIGINT)', async () => {
    const second = await startConsoleCommand(fixture)
    expect(await second.stop()).toBe(0)
    await expect(fetch(`${second.url}/`)).rejects.toThrow()
  })
})

describe('signet console usage errors', () => {
  it('needs an existing registry and a valid port', async () => {
    const missing = startConsoleCommand({ ...fixture, file: `${fixture.dir}/nothing.signet` })
    await expect(missing).rejects.toThrow(/ERR_IO/)
    await expect(startConsoleCommand(fixture, ['--port', '99999'])).rejects.toThrow(/ERR_USAGE/)
  })
})

const redisServer = findRedisServer()
if (redisServer === undefined) {
  if (process.env['CI'] === 'true') throw new Error('redis-server is required in CI for the console test on a Redis registry')
  console.log('redis-server not found: skipping the signet console test on a Redis registry (required when CI=true)')
}

describe.skipIf(redisServer === undefined)('signet console on a Redis registry', () => {
  let redis: RedisHandle
  beforeAll(async () => {
    redis = await startRedis(redisServer as string)
  })
  afterAll(() => redis?.stop())

  it('lists, charts and revokes keys of a Redis registry', async () => {
    const env = { SIGNET_MASTER_KEY: fixture.env.SIGNET_MASTER_KEY as string }
    const registry = await openRegistryFromSpec(redis.url, { env, actor: 'console-test' })
    try {
      const created = await registry.create({ owner: 'redis-owner', scopes: ['a:b'] })
      const run = await startConsoleCommand({ dir: fixture.dir, file: redis.url, env, registry })
      try {
        const listed = await (await fetch(`${run.url}/api/keys`)).text()
        expect(listed).toContain(created.keyid)
        expect(listed).not.toContain(created.secret as string)
        const t = Math.floor(now())
        registry.recordUsage({ keyid: created.keyid, time: t * 1000, ip: '10.0.0.2' })
        registry.recordUsage({ keyid: created.keyid, time: t * 1000, ip: '10.0.0.2' })
        await registry.flushUsage()
        const usage = (await (await fetch(`${run.url}/api/keys/${created.keyid}/usage?by=day`)).json()) as { buckets: Array<{ requests: number }> }
        expect(usage.buckets.reduce((n, b) => n + b.requests, 0)).toBe(2)
        const page = await (await fetch(`${run.url}/`)).text()
        const token = /name="signet-console-token" content="([^"]+)"/.exec(page)?.[1] ?? ''
        const answer = await fetch(`${run.url}/api/keys/${created.keyid}/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: run.url, 'x-signet-console-token': token },
          body: JSON.stringify({ confirm: created.keyid }),
        })
        expect(answer.status).toBe(200)
        expect((await registry.get(created.keyid)).state).toBe('revoked')
        const audit = await registry.audit()
        expect(audit.at(-1)).toMatchObject({ action: 'revoke', keyid: created.keyid, actor: expect.stringContaining('console') })
      } finally {
        expect(await run.stop()).toBe(0)
      }
    } finally {
      await registry.close()
    }
  })
})
