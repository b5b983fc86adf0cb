/**
 * Replay protection shared through a real Redis by two verifier processes.
 *
 * Starts `redis-server` on a free loopback port (no persistence), bundles a small verifying
 * server with esbuild and runs two copies of it as child processes. Without redis-server the
 * suite says so on one line and is skipped, except in CI, where that is a failure.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Redis from 'ioredis'
import { build } from 'esbuild'
import { importKey } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { RedisNonceStore } from '../src/nonce-stores/redis.ts'
import { hmacKey, requestMessage, sign } from './helpers.ts'
import { send } from './http-client.ts'
import { available, freePort, redisProcess, sleep } from './redis-process.ts'
import type { RedisProcess } from './redis-process.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))

describe.runIf(available)('Redis nonce store with a real redis-server', () => {
  let redis: RedisProcess
  let client: Redis
  let bundle: string
  let key: SignetKey
  let jwks: string
  const children: ChildProcess[] = []

  beforeAll(async () => {
    redis = redisProcess(await freePort())
    await redis.start()
    client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: (n) => Math.min(50 * n, 300) })
    client.on('error', () => {})
    await client.connect()
    const outDir = join(root, '.tmp', 'server-tests')
    mkdirSync(outDir, { recursive: true })
    bundle = join(outDir, `verify-server-${process.pid}.mjs`)
    const src = (pkg: string) => join(root, 'packages', pkg, 'src', ...(pkg === 'core' ? ['entries'] : []), 'index.ts')
    await build({
      entryPoints: [fileURLToPath(new URL('./fixtures/verify-server.ts', import.meta.url))],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      alias: { '@signet/core': src('core'), '@signet/core/verifying': join(root, 'packages/core/src/entries/verifying.ts'), '@signet/server': src('server') },
      external: ['ioredis'],
      logLevel: 'silent',
    })
    const generated = await hmacKey('k-shared')
    key = await importKey(generated.jwk, { kid: 'k-shared' })
    jwks = JSON.stringify({ keys: [{ ...generated.jwk, owner: 'acme' }] })
  }, 60_000)

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
    client?.disconnect()
    redis?.stop()
    if (redis) rmSync(redis.dir, { recursive: true, force: true })
    if (bundle) rmSync(bundle, { force: true })
  })

  it('records a nonce once, across clients, and lets it expire', async () => {
    const store = new RedisNonceStore(client)
    const results = await Promise.all(Array.from({ length: 50 }, () => store.record('k:once', 10_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
    const second = new Redis({ host: '127.0.0.1', port: redis.port })
    expect(await new RedisNonceStore(second).record('k:once', 10_000)).toBe(false)
    second.disconnect()
    expect(await store.record('k:short', 30)).toBe(true)
    await sleep(80)
    expect(await store.record('k:short', 30)).toBe(true)
    expect(await client.pttl('signet:nonce:k:once')).toBeGreaterThan(5_000)
  })

  it('a per-owner quota: replays first, then the quota, other keys still served, room again once nonces expire', async () => {
    const store = new RedisNonceStore(client, { prefix: 'quota-test:', maxEntriesPerOwner: 3 })
    // 20 concurrent fresh nonces of one key: exactly the quota is recorded, the rest refused as rate limited.
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.record(`flood\u0000n${i}`, 300, 'flood')))
    expect(settled.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(3)
    const refused = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(refused).toHaveLength(17)
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'ERR_RATE_LIMITED' })
    // A replay of a recorded nonce is a replay (false), not a quota refusal.
    const recorded = settled.findIndex((r) => r.status === 'fulfilled' && r.value === true)
    expect(await store.record(`flood\u0000n${recorded}`, 300, 'flood')).toBe(false)
    // Another key is untouched by the flood.
    expect(await store.record('calm\u0000n1', 300, 'calm')).toBe(true)
    // The owner's set and its nonces expire with the nonces: room again afterwards.
    await sleep(400)
    expect(await store.record('flood\u0000later', 300, 'flood')).toBe(true)
    expect(await client.pttl('quota-test:owner:{flood}')).toBeGreaterThan(0)
    // Braces in an owner cannot break the hash tag.
    expect(await store.record('x\u0000y', 300, 'we{i}rd')).toBe(true)
    expect(await client.exists('quota-test:owner:{we_i_rd}')).toBe(1)
  })

  it('an unreachable Redis is ERR_STORE_UNAVAILABLE within 2 s', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: await freePort(), enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null })
    dead.on('error', () => {})
    const started = Date.now()
    await expect(new RedisNonceStore(dead).record('x', 1000)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    expect(Date.now() - started).toBeLessThan(2000)
    dead.disconnect()
  })

  it('two verifier processes: one of 50 concurrent copies accepted; Redis down: all 503; Redis back: service resumes', async () => {
    const start = (): Promise<{ port: number; child: ChildProcess }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bundle], { env: { ...process.env, JWKS: jwks, REDIS_PORT: String(redis.port) }, stdio: ['ignore', 'pipe', 'pipe'], cwd: root })
        children.push(child)
        let out = ''
        let err = ''
        const timer = setTimeout(() => reject(new Error(`child did not start: ${err}`)), 15_000)
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /listening (\d+)/.exec(out)
          if (m) {
            clearTimeout(timer)
            resolve({ port: Number(m[1]), child })
          }
        })
        child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
        child.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)))
      })
    const [a, b] = await Promise.all([start(), start()])
    expect(a.child.pid).not.toBe(b.child.pid)
    // One signed request, valid at either process: both see the same Host.
    const signed = async (): Promise<HttpRequestMessage> => sign(await requestMessage({ authority: 'api.test', scheme: 'http', body: '{"pay":10}' }), key, { created: Math.floor(Date.now() / 1000) })

    const once = await signed()
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => send(i % 2 === 0 ? a.port : b.port, once)))
    const accepted = replies.filter((r) => r.status === 200)
    expect(accepted).toHaveLength(1)
    const others = replies.filter((r) => r.status !== 200)
    expect(others.every((r) => r.status === 401 && r.json().code === 'ERR_NONCE_REPLAYED')).toBe(true)
    // Both processes answered some of the copies (each reply names its process), so the one
    // acceptance was decided across processes, through Redis.
    const servedBy = replies.map((r) => Number(r.headers['x-served-by']))
    expect(new Set(servedBy)).toEqual(new Set([a.child.pid, b.child.pid]))

    redis.stop()
    await sleep(200)
    const down = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const started = Date.now()
        const reply = await send(i % 2 === 0 ? a.port : b.port, await signed())
        return { reply, ms: Date.now() - started }
      }),
    )
    expect(new Set(down.map(({ reply }) => Number(reply.headers['x-served-by'])))).toEqual(new Set([a.child.pid, b.child.pid]))
    for (const { reply, ms } of down) {
      expect(reply.status).toBe(503)
      expect(reply.json().code).toBe('ERR_STORE_UNAVAILABLE')
      expect(reply.headers['retry-after']).toBe('1')
      expect(ms).toBeLessThan(2000)
    }

    await redis.start()
    // Service resumes once each process has reconnected (ioredis retries in the background).
    for (const port of [a.port, b.port]) {
      let status = 0
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await send(port, await signed())).status
        if (status !== 200) await sleep(100)
      }
      expect(status).toBe(200)
    }
    const again = await signed()
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2 === 0 ? a.port : b.port, again)))
    expect(after.filter((r) => r.status === 200)).toHaveLength(1)
  }, 60_000)
})

describe('RedisNonceStore options', () => {
  const setOnly = { set: async () => 'OK' as const }
  it('refuses a quota that is not a positive integer, and a quota without eval', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new RedisNonceStore({ ...setOnly, eval: async () => 1 }, { maxEntriesPerOwner: bad })).toThrow(RangeError)
    expect(() => new RedisNonceStore(setOnly, { maxEntriesPerOwner: 10 })).toThrow(/eval/)
  })
  it('a reply of the wrong shape from the quota script is ERR_STORE_UNAVAILABLE (fail closed)', async () => {
    const store = new RedisNonceStore({ ...setOnly, eval: async () => 'OK' }, { maxEntriesPerOwner: 10 })
    await expect(store.record('k\u0000n', 1000, 'k')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
  })
})
