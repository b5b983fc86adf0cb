/**
 * `DurableObjectNonceStore`, `SignetNonces`, `SignetKeyState` and `workersKvKeys` against the
 * in-process namespace of durable-object-fake.ts: the contract, sharding, eviction by alarm, and
 * failing closed. (Across real isolates in workerd: durable-objects.test.ts.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { exportJwk, generateKey } from '@signet/core'
import { DurableObjectNonceStore, SignetKeyState, SignetNonces, setWorkersKeyState, workersKvKeys } from '../src/index.ts'
import type { DurableObjectNamespaceLike, KVNamespaceLike } from '../src/index.ts'
import { fakeNamespace } from './durable-object-fake.ts'

afterEach(() => {
  vi.useRealTimers()
})

const nonces = () => fakeNamespace((state) => new SignetNonces(state))

describe('DurableObjectNonceStore on SignetNonces', () => {
  it('records a key once: concurrent records of one key, exactly one true', async () => {
    const store = new DurableObjectNonceStore(nonces())
    const results = await Promise.all(Array.from({ length: 50 }, () => store.record('k\u0000n1', 60_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await store.record('k\u0000n2', 60_000)).toBe(true)
  })

  it('shards by a hash of the key: one object per key, every shard used, one call per record', async () => {
    const ns = nonces()
    const store = new DurableObjectNonceStore(ns, { shards: 8 })
    for (let i = 0; i < 200; i++) expect(await store.record(`k\u0000n${i}`, 60_000)).toBe(true)
    expect(ns.calls).toBe(200)
    expect([...ns.objects.keys()].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `signet-nonces-${i}`).sort())
    // A second store (another isolate) on the same namespace finds each key in the same object.
    const other = new DurableObjectNonceStore(ns, { shards: 8 })
    for (let i = 0; i < 200; i++) expect(await other.record(`k\u0000n${i}`, 60_000)).toBe(false)
  })

  it('evicts expired entries by alarm, in batches Workers accept, and sets the next alarm', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] })
    const ns = nonces()
    const store = new DurableObjectNonceStore(ns, { shards: 1 })
    for (let i = 0; i < 300; i++) await store.record(`short-${i}`, 1000)
    await store.record('long', 10_000)
    const { instance, storage } = ns.objects.get('signet-nonces-0')!
    expect(storage.alarmAt).toBe(1_800_000_001_000)
    expect(storage.data.size).toBe(602) // an entry and an index line each
    vi.setSystemTime(1_800_000_001_000)
    await instance.alarm()
    // Every short entry is gone (fake storage refuses a delete of more than 128 keys); the long
    // one stays, and the alarm now points at its expiry.
    expect([...storage.data.keys()].filter((k) => k.startsWith('n:'))).toEqual(['n:long'])
    expect(storage.data.size).toBe(2)
    expect(storage.alarmAt).toBe(1_800_000_010_000)
    // An expired nonce may be recorded again; a live one may not.
    expect(await store.record('short-1', 1000)).toBe(true)
    expect(await store.record('long', 1000)).toBe(false)
  })

  it('an entry past its expiry but not yet evicted counts as gone', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] })
    const ns = nonces()
    const store = new DurableObjectNonceStore(ns, { shards: 1 })
    expect(await store.record('k', 500)).toBe(true)
    vi.setSystemTime(1_800_000_000_600)
    expect(await store.record('k', 500)).toBe(true)
    const { storage } = ns.objects.get('signet-nonces-0')!
    expect([...storage.data.keys()].filter((k) => k.startsWith('e:'))).toHaveLength(1)
  })

  it('fails closed: an object that throws, answers 500, answers nonsense or never answers is ERR_STORE_UNAVAILABLE', async () => {
    const answering = (fetch: () => Promise<Response>): DurableObjectNamespaceLike => ({ idFromName: (n) => n, get: () => ({ fetch }) })
    for (const ns of [
      answering(() => Promise.reject(new Error('object reset'))),
      answering(async () => new Response('boom', { status: 500 })),
      answering(async () => Response.json({ fresh: 'yes' })),
    ]) {
      await expect(new DurableObjectNonceStore(ns).record('k', 1000)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    }
    const started = Date.now()
    await expect(new DurableObjectNonceStore(answering(() => new Promise(() => undefined)), { timeoutMs: 100 }).record('k', 1000)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses bad construction and bad requests', async () => {
    expect(() => new DurableObjectNonceStore({} as DurableObjectNamespaceLike)).toThrow(TypeError)
    expect(() => new DurableObjectNonceStore(nonces(), { shards: 0 })).toThrow(RangeError)
    expect(() => new DurableObjectNonceStore(nonces(), { shards: 1.5 })).toThrow(RangeError)
    expect(() => new DurableObjectNonceStore(nonces(), { timeoutMs: -1 })).toThrow(RangeError)
    const object = new SignetNonces({ storage: (await import('./durable-object-fake.ts')).fakeStorage() })
    expect((await object.fetch(new Request('https://x/other', { method: 'POST' }))).status).toBe(404)
    expect((await object.fetch(new Request('https://x/signet/nonces/record', { method: 'POST', body: 'not json' }))).status).toBe(400)
    expect((await object.fetch(new Request('https://x/signet/nonces/record', { method: 'POST', body: '{"key":"","ttlMs":1}' }))).status).toBe(400)
    expect((await object.fetch(new Request('https://x/signet/nonces/record', { method: 'POST', body: '{"key":"k","ttlMs":-1}' }))).status).toBe(400)
  })
})

describe('workersKvKeys and SignetKeyState', () => {
  async function setup() {
    const key = await generateKey('ed25519', { kid: 'k1', extractable: true })
    const entries = new Map<string, string>([['k1', JSON.stringify({ ...(await exportJwk(key)), kid: 'k1', owner: 'acme', scopes: ['read'] })]])
    const kv: KVNamespaceLike & { reads: number } = { reads: 0, async get(name) { this.reads++; return entries.get(name) ?? null } }
    const state = fakeNamespace((s) => new SignetKeyState(s))
    return { kv, state, entries }
  }

  it('serves key material from KV, state from the key\'s object: a revocation applies to every resolver at once', async () => {
    const { kv, state } = await setup()
    const isolateA = workersKvKeys({ kv, state })
    const isolateB = workersKvKeys({ kv, state })
    expect(await isolateA.resolve('k1')).toMatchObject({ id: 'k1', owner: 'acme', scopes: ['read'] })
    expect((await isolateB.resolve('k1'))?.state).toBeUndefined()
    await setWorkersKeyState(state, 'k1', 'disabled')
    expect((await isolateA.resolve('k1'))?.state).toBe('disabled')
    await setWorkersKeyState(state, 'k1', 'active')
    expect((await isolateB.resolve('k1'))?.state).toBe('active')
    await setWorkersKeyState(state, 'k1', 'revoked')
    expect((await isolateA.resolve('k1'))?.state).toBe('revoked')
    expect((await isolateB.resolve('k1'))?.state).toBe('revoked')
    await expect(setWorkersKeyState(state, 'k1', 'active')).rejects.toMatchObject({ code: 'ERR_KEY_REVOKED' })
    // Key material was read from KV once per isolate (cached); the state object was asked on
    // each of the 6 resolves and took the 4 writes.
    expect(kv.reads).toBe(2)
    expect(state.calls).toBe(10)
  })

  it('an unknown key id is undefined; a KV entry that is not the key it is named for is refused', async () => {
    const { kv, state, entries } = await setup()
    const keys = workersKvKeys({ kv, state })
    expect(await keys.resolve('nope')).toBeUndefined()
    entries.set('k2', entries.get('k1')!)
    await expect(keys.resolve('k2')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
    entries.set('k3', '{')
    await expect(keys.resolve('k3')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
  })

  it('fails closed when KV or the state object fails', async () => {
    const { kv, state } = await setup()
    const brokenKv: KVNamespaceLike = { get: () => Promise.reject(new Error('kv down')) }
    await expect(workersKvKeys({ kv: brokenKv, state }).resolve('k1')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    const brokenState: DurableObjectNamespaceLike = { idFromName: (n) => n, get: () => ({ fetch: () => Promise.reject(new Error('reset')) }) }
    await expect(workersKvKeys({ kv, state: brokenState }).resolve('k1')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    expect(() => workersKvKeys({ kv, state: {} as DurableObjectNamespaceLike })).toThrow(TypeError)
    await expect(setWorkersKeyState(state, 'k1', 'gone' as 'revoked')).rejects.toThrow(TypeError)
  })
})
