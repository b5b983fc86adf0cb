/**
 * Replay protection and key state across Worker isolates, in workerd (miniflare 4): two
 * Workers, each its own isolate, share one Durable Object namespace of `SignetNonces` and one of
 * `SignetKeyState`, and one KV namespace.
 *
 * - 100 concurrent copies of one signed request, spread over both Workers: exactly 1 accepted
 *   with `DurableObjectNonceStore`; with `MemoryNonceStore` more than 1 (one per isolate), which
 *   shows the test can tell the difference.
 * - A key served from KV and revoked through its `SignetKeyState` object is refused by the other
 *   Worker on its next request (the latency is measured and printed).
 */
import { readFileSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSigner } from '@signet/client'
import type { Signer } from '@signet/client'
import { exportJwk, generateKey } from '@signet/core'

const root = fileURLToPath(new URL('../../../', import.meta.url))

interface WorkerLike {
  fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; json(): Promise<unknown>; text(): Promise<string> }>
}
interface MiniflareLike {
  ready: Promise<unknown>
  getWorker(name: string): Promise<WorkerLike>
  getKVNamespace(binding: string, worker?: string): Promise<{ put(key: string, value: string): Promise<void> }>
  dispose(): Promise<void>
}

let script = ''
let jwks = ''
let signer: Signer
let privateJwk: JsonWebKey
const outDir = join(root, '.tmp', 'server-tests')
const outfile = join(outDir, `durable-worker-${process.pid}.mjs`)
const running: MiniflareLike[] = []

beforeAll(async () => {
  const key = await generateKey('ed25519', { kid: 'k-do', extractable: true })
  privateJwk = await exportJwk(key, { private: true })
  const publicJwk = await exportJwk(key)
  jwks = JSON.stringify({ keys: [{ ...publicJwk, kid: 'k-do', owner: 'acme' }] })
  signer = createSigner({ key: privateJwk, keyId: 'k-do' })
  mkdirSync(outDir, { recursive: true })
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/durable-worker.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    alias: { '@signet/core': join(root, 'packages/core/src/entries/index.ts'), '@signet/core/verifying': join(root, 'packages/core/src/entries/verifying.ts'), '@signet/server': join(root, 'packages/server/src/index.ts') },
    define: { __JWKS__: JSON.stringify(jwks) },
    logLevel: 'silent',
  })
  script = readFileSync(outfile, 'utf8')
}, 60_000)

afterAll(async () => {
  await Promise.all(running.map((mf) => mf.dispose()))
  rmSync(outfile, { force: true })
})

/** Two Workers, `a` and `b`; `a` defines the Durable Object classes, `b` binds to them. */
async function twoWorkers(nonces: 'durable-object' | 'memory', keys: 'jwks' | 'kv'): Promise<{ a: WorkerLike; b: WorkerLike; mf: MiniflareLike }> {
  const { Miniflare } = (await import('miniflare')) as unknown as { Miniflare: new (options: object) => MiniflareLike }
  const common = { modules: true, script, compatibilityDate: '2026-07-01', kvNamespaces: { SIGNET_KEYS: 'signet-keys' } }
  const mf = new Miniflare({
    workers: [
      {
        ...common,
        name: 'a',
        bindings: { NAME: 'a', NONCES: nonces, KEYS: keys },
        // SQLite-backed, as the Workers guide's migration (new_sqlite_classes) makes them.
        durableObjects: { SIGNET_NONCES: { className: 'SignetNonces', useSQLite: true }, SIGNET_KEY_STATE: { className: 'SignetKeyState', useSQLite: true } },
      },
      {
        ...common,
        name: 'b',
        bindings: { NAME: 'b', NONCES: nonces, KEYS: keys },
        durableObjects: {
          SIGNET_NONCES: { className: 'SignetNonces', scriptName: 'a', useSQLite: true },
          SIGNET_KEY_STATE: { className: 'SignetKeyState', scriptName: 'a', useSQLite: true },
        },
      },
    ],
  })
  running.push(mf)
  await mf.ready
  return { a: await mf.getWorker('a'), b: await mf.getWorker('b'), mf }
}

async function signed(url: string, body = '{"n":1}'): Promise<{ url: string; init: { method: string; headers: Record<string, string>; body: string } }> {
  const request = await signer.sign(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
  return { url: request.url, init: { method: 'POST', headers: Object.fromEntries(request.headers), body } }
}

/** Send `copies` copies of one signed request at once, alternating between the Workers. */
async function replayStorm(workers: WorkerLike[], copies: number): Promise<{ accepted: number; codes: Record<string, number>; byWorker: Record<string, number> }> {
  const { url, init } = await signed('https://api.example.test/orders')
  const replies = await Promise.all(Array.from({ length: copies }, (_, i) => workers[i % workers.length]!.fetch(url, init)))
  const codes: Record<string, number> = {}
  const byWorker: Record<string, number> = {}
  let accepted = 0
  for (const reply of replies) {
    const body = (await reply.json()) as { worker?: string; code?: string }
    if (reply.status === 200) {
      accepted++
      byWorker[body.worker!] = (byWorker[body.worker!] ?? 0) + 1
    } else codes[`${reply.status} ${body.code}`] = (codes[`${reply.status} ${body.code}`] ?? 0) + 1
  }
  return { accepted, codes, byWorker }
}

describe('Durable Objects in workerd: two Workers, two isolates', () => {
  it('DurableObjectNonceStore: 100 concurrent copies over both Workers, exactly 1 accepted; fresh requests all accepted', async () => {
    const { a, b } = await twoWorkers('durable-object', 'jwks')
    // Warm both isolates (the verifier is built on the first request) with requests of their own.
    for (const w of [a, b]) {
      const { url, init } = await signed('https://api.example.test/orders')
      expect((await w.fetch(url, init)).status).toBe(200)
    }
    const storm = await replayStorm([a, b], 100)
    expect(storm.accepted).toBe(1)
    expect(storm.codes).toEqual({ '401 ERR_NONCE_REPLAYED': 99 })
    // Distinct nonces spread over the shards: none is refused.
    const fresh = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const { url, init } = await signed('https://api.example.test/orders')
      return (await (i % 2 === 0 ? a : b).fetch(url, init)).status
    }))
    expect(fresh).toEqual(Array(20).fill(200))
  }, 60_000)

  it('MemoryNonceStore: the same storm is accepted once per isolate (more than 1)', async () => {
    const { a, b } = await twoWorkers('memory', 'jwks')
    const storm = await replayStorm([a, b], 100)
    expect(storm.accepted).toBeGreaterThan(1)
    expect(storm.byWorker).toEqual({ a: 1, b: 1 })
  }, 60_000)

  it('workersKvKeys: key material from KV; a revocation through SignetKeyState reaches the other isolate at once', async () => {
    const { a, b, mf } = await twoWorkers('durable-object', 'kv')
    const kv = await mf.getKVNamespace('SIGNET_KEYS', 'a')
    await kv.put('k-do', JSON.stringify((JSON.parse(jwks) as { keys: unknown[] }).keys[0]))
    for (const w of [a, b]) {
      const { url, init } = await signed('https://api.example.test/orders')
      const reply = await w.fetch(url, init)
      expect(reply.status).toBe(200)
      expect(await reply.json()).toMatchObject({ keyid: 'k-do', owner: 'acme' })
    }
    const unknown = createSigner({ key: privateJwk, keyId: 'k-unknown' })
    const stranger = await unknown.sign(new Request('https://api.example.test/orders'))
    const refusedUnknown = await a.fetch(stranger.url, { method: 'GET', headers: Object.fromEntries(stranger.headers) })
    expect(refusedUnknown.status).toBe(401)

    expect((await a.fetch('https://api.example.test/admin/state?kid=k-do&state=revoked', { method: 'PUT' })).status).toBe(200)
    const revokedAt = performance.now()
    const { url, init } = await signed('https://api.example.test/orders')
    const reply = await b.fetch(url, init)
    const latencyMs = performance.now() - revokedAt
    expect(reply.status).toBe(401)
    expect(((await reply.json()) as { code: string }).code).toBe('ERR_KEY_REVOKED')
    expect(latencyMs).toBeLessThan(1000)
    console.log(`workerd: revocation through SignetKeyState refused by the other isolate ${latencyMs.toFixed(1)} ms after the write returned (its first request)`)
    // Revocation is final.
    const again = await a.fetch('https://api.example.test/admin/state?kid=k-do&state=active', { method: 'PUT' })
    expect(again.status).toBe(409)
    expect(await again.json()).toEqual({ code: 'ERR_KEY_REVOKED' })
  }, 60_000)
})
