/**
 * `DenoKvNonceStore` in Deno: two `deno` processes verify requests with their nonces in one
 * local KV file (`Deno.openKv(path)`), and Node sends them 100 concurrent copies of one signed
 * request: exactly 1 is accepted. Then the store's handling of entries that expired but that KV
 * has not collected yet, in Deno and against a scripted KV.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignetKey } from '@signet/core'
import { DenoKvNonceStore } from '@signet/server'
import type { DenoKvAtomicLike, DenoKvKey, DenoKvLike } from '@signet/server'
import { runtimeBinary, startService } from '../../../test/support/service.ts'
import type { Service } from '../../../test/support/service.ts'
import { hmacKey, requestMessage, sign } from './helpers.ts'
import { send } from './http-client.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const deno = runtimeBinary('deno')
if (deno === undefined) {
  if (process.env['CI']) throw new Error('deno is missing: CI must run the Deno KV test')
  console.log('deno not installed: skipping the Deno KV test')
}

const services: Service[] = []
const temp = mkdtempSync(join(tmpdir(), 'signet-denokv-'))
let origins: string[] = []
let key: SignetKey

function startDeno(bundle: string, kvPath: string): Promise<string> {
  const service = startService(deno!, ['run', '--unstable-kv', '--allow-net', '--allow-env', '--allow-read', '--allow-write', '--no-prompt', bundle], { SIGNET_KV_PATH: kvPath })
  services.push(service)
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`deno did not start: ${service.output()}`)), 30_000)
    service.child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening (\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${m[1]}`)
      }
    })
    service.child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`deno exited ${code}: ${service.output()}`))
    })
  })
}

beforeAll(async () => {
  if (deno === undefined) return
  const generated = await hmacKey('k-deno')
  key = generated.key
  const jwks = JSON.stringify({ keys: [{ ...generated.jwk, owner: 'acme' }] })
  const outDir = join(root, '.tmp', 'server-tests')
  mkdirSync(outDir, { recursive: true })
  const bundle = join(outDir, `deno-kv-server-${process.pid}.mjs`)
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/deno-kv-server.ts', import.meta.url))],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'es2022',
    alias: { '@signet/core': join(root, 'packages/core/src/entries/index.ts'), '@signet/core/verifying': join(root, 'packages/core/src/entries/verifying.ts'), '@signet/server': join(root, 'packages/server/src/index.ts') },
    define: { __JWKS__: JSON.stringify(jwks) },
    logLevel: 'silent',
  })
  const kvPath = join(temp, 'nonces.sqlite')
  origins = await Promise.all([startDeno(bundle, kvPath), startDeno(bundle, kvPath)])
}, 60_000)

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  rmSync(temp, { recursive: true, force: true })
  rmSync(join(root, '.tmp', 'server-tests', `deno-kv-server-${process.pid}.mjs`), { force: true })
})

describe.runIf(deno !== undefined)('DenoKvNonceStore in Deno, two processes on one KV file', () => {
  it('100 concurrent copies of one signed request over both processes: exactly 1 accepted', async () => {
    const message = await sign(await requestMessage({ authority: 'api.test', scheme: 'http', body: '{"n":1}' }), key, { created: Math.floor(Date.now() / 1000) })
    const ports = origins.map((o) => Number(new URL(o).port))
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => send(ports[i % 2]!, message)))
    const accepted = replies.filter((r) => r.status === 200)
    const tally = replies.reduce<Record<string, number>>((m, r) => ((m[`${r.status} ${String(r.json()['code'] ?? '')}`] = (m[`${r.status} ${String(r.json()['code'] ?? '')}`] ?? 0) + 1), m), {})
    expect(accepted, `${JSON.stringify(tally)} ${services.map((s) => s.output()).join(' | ')}`).toHaveLength(1)
    expect(replies.filter((r) => r.status === 401 && r.json()['code'] === 'ERR_NONCE_REPLAYED')).toHaveLength(99)
    // One request, one copy to each process: the second process sees what the first recorded.
    const fresh = await sign(await requestMessage({ authority: 'api.test', scheme: 'http', body: '{"n":2}' }), key, { created: Math.floor(Date.now() / 1000) })
    const both = await Promise.all(ports.map((port) => send(port, fresh)))
    expect(both.map((r) => r.status).sort(), services.map((s) => s.output()).join(' | ')).toEqual([200, 401])
  }, 30_000)

  it('an entry recorded by one process is a replay for the other until it expires, then fresh again', async () => {
    const probe = (origin: string, key: string, ttlMs: number) =>
      fetch(`${origin}/probe`, { method: 'POST', body: JSON.stringify({ key, ttlMs }) }).then(async (r) => ((await r.json()) as { fresh: boolean }).fresh)
    expect(await probe(origins[0]!, 'k\u0000short', 300)).toBe(true)
    expect(await probe(origins[1]!, 'k\u0000short', 300)).toBe(false)
    await new Promise((r) => setTimeout(r, 500))
    expect(await probe(origins[1]!, 'k\u0000short', 300)).toBe(true)
    expect(await probe(origins[0]!, 'k\u0000short', 300)).toBe(false)
  }, 30_000)
})

/** A scripted KV: entries outlive their expiry (as Deno KV's lazy collection allows). */
function lazyKv(): DenoKvLike & { entries: Map<string, { value: unknown; versionstamp: string }> } {
  const entries = new Map<string, { value: unknown; versionstamp: string }>()
  let version = 0
  const id = (key: DenoKvKey) => JSON.stringify(key)
  return {
    entries,
    async get(key) {
      return entries.get(id(key)) ?? { value: null, versionstamp: null }
    },
    atomic(): DenoKvAtomicLike {
      const checks: { key: DenoKvKey; versionstamp: string | null }[] = []
      const sets: { key: DenoKvKey; value: unknown }[] = []
      const op: DenoKvAtomicLike = {
        check: (...c) => (checks.push(...c), op),
        set: (key, value) => (sets.push({ key, value }), op),
        async commit() {
          if (checks.some((c) => (entries.get(id(c.key))?.versionstamp ?? null) !== c.versionstamp)) return { ok: false }
          for (const s of sets) entries.set(id(s.key), { value: s.value, versionstamp: String(++version) })
          return { ok: true }
        },
      }
      return op
    },
  }
}

describe('DenoKvNonceStore against a scripted KV', () => {
  it('replaces an expired entry KV has not collected yet, and keeps a live one', async () => {
    const kv = lazyKv()
    const store = new DenoKvNonceStore(kv)
    expect(await store.record('a', 60_000)).toBe(true)
    expect(await store.record('a', 60_000)).toBe(false)
    kv.entries.set(JSON.stringify(['signet', 'nonce', 'b']), { value: Date.now() - 1, versionstamp: 'old' })
    expect(await store.record('b', 60_000)).toBe(true)
    expect(await store.record('b', 60_000)).toBe(false)
  })

  it('fails closed: a KV that throws or never answers is ERR_STORE_UNAVAILABLE', async () => {
    const broken: DenoKvLike = { get: () => Promise.reject(new Error('down')), atomic: () => { throw new Error('down') } }
    await expect(new DenoKvNonceStore(broken).record('a', 1000)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    const hanging = lazyKv()
    hanging.atomic = () => ({ check: function () { return this }, set: function () { return this }, commit: () => new Promise(() => undefined) }) as DenoKvAtomicLike
    const started = Date.now()
    await expect(new DenoKvNonceStore(hanging, { timeoutMs: 200 }).record('a', 1000)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('retries an operation that threw (a busy local KV file) within the timeout', async () => {
    const kv = lazyKv()
    const atomic = kv.atomic.bind(kv)
    let failures = 2
    kv.atomic = () => {
      if (failures-- > 0) throw new Error('database is locked')
      return atomic()
    }
    expect(await new DenoKvNonceStore(kv).record('busy', 1000)).toBe(true)
    expect(failures).toBe(-1)
    expect(await new DenoKvNonceStore(kv).record('busy', 1000)).toBe(false)
  })

  it('refuses what is not a KV', () => {
    expect(() => new DenoKvNonceStore({} as DenoKvLike)).toThrow(TypeError)
    expect(() => new DenoKvNonceStore(lazyKv(), { timeoutMs: 0 })).toThrow(RangeError)
  })
})
