import { describe, expect, it } from 'vitest'
import { hasErrorCode } from '@signet/core'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import { RedisNonceStore } from '../src/nonce-stores/redis.ts'
import type { RedisSetClient } from '../src/nonce-stores/redis.ts'

describe('MemoryNonceStore', () => {
  it('records a key once until it expires', () => {
    let now = 1_000_000
    const store = new MemoryNonceStore({ now: () => now })
    expect(store.record('k1:n1', 1000)).toBe(true)
    expect(store.record('k1:n1', 1000)).toBe(false)
    expect(store.record('k1:n2', 1000)).toBe(true)
    now += 999
    expect(store.record('k1:n1', 1000)).toBe(false)
    now += 1
    expect(store.record('k1:n1', 1000)).toBe(true)
  })

  it('is bounded in entries: full of live entries it refuses with ERR_RATE_LIMITED, and frees expired ones', () => {
    let now = 0
    const store = new MemoryNonceStore({ maxEntries: 3, now: () => now })
    expect(store.record('a', 100)).toBe(true)
    expect(store.record('b', 100)).toBe(true)
    expect(store.record('c', 5000)).toBe(true)
    let error: unknown
    try {
      store.record('d', 100)
    } catch (e) {
      error = e
    }
    expect(hasErrorCode(error, 'ERR_RATE_LIMITED')).toBe(true)
    // The live entries were not evicted to make room: their replays are still caught.
    expect(store.record('a', 100)).toBe(false)
    now = 200
    expect(store.record('d', 100)).toBe(true)
    expect(store.size).toBe(2)
    expect(store.record('c', 100)).toBe(false)
  })

  it('is bounded in bytes', () => {
    const store = new MemoryNonceStore({ maxBytes: 300, now: () => 0 })
    expect(store.record('x'.repeat(50), 1000)).toBe(true) // 164 bytes
    expect(() => store.record('y'.repeat(50), 1000)).toThrowError(expect.objectContaining({ code: 'ERR_RATE_LIMITED' }))
    expect(store.bytes).toBe(164)
    store.clear()
    expect(store.bytes).toBe(0)
  })

  it('sweeps expired entries over time so memory tracks the live window', () => {
    let now = 0
    const store = new MemoryNonceStore({ now: () => now })
    for (let i = 0; i < 1000; i++) store.record(`n${i}`, 500)
    expect(store.size).toBe(1000)
    now = 2000
    store.record('fresh', 500)
    expect(store.size).toBe(1)
  })

  it('validates its options', () => {
    expect(() => new MemoryNonceStore({ maxEntries: 0 })).toThrow(RangeError)
    expect(() => new MemoryNonceStore({ maxBytes: 1.5 })).toThrow(RangeError)
    expect(() => new MemoryNonceStore({ now: 5 as unknown as () => number })).toThrow(TypeError)
  })
})

describe('RedisNonceStore (adapter contract)', () => {
  function fakeRedis(): RedisSetClient & { calls: unknown[][] } {
    const data = new Map<string, number>()
    const calls: unknown[][] = []
    return {
      calls,
      async set(key, value, px, ttl, nx) {
        calls.push([key, value, px, ttl, nx])
        if (data.has(key)) return null
        data.set(key, ttl)
        return 'OK'
      },
    }
  }

  it('issues SET key 1 PX ttl NX with a prefix and maps OK/null', async () => {
    const redis = fakeRedis()
    const store = new RedisNonceStore(redis)
    expect(await store.record('k:n', 1500.2)).toBe(true)
    expect(await store.record('k:n', 1500)).toBe(false)
    expect(redis.calls[0]).toEqual(['signet:nonce:k:n', '1', 'PX', 1501, 'NX'])
  })

  it('fails closed: errors, hangs and odd replies are ERR_STORE_UNAVAILABLE', async () => {
    const failing = new RedisNonceStore({ set: () => Promise.reject(new Error('ECONNREFUSED')) })
    await expect(failing.record('a', 10)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    const hanging = new RedisNonceStore({ set: () => new Promise(() => {}) }, { timeoutMs: 50 })
    const started = Date.now()
    await expect(hanging.record('a', 10)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    expect(Date.now() - started).toBeLessThan(1000)
    const odd = new RedisNonceStore({ set: async () => 'QUEUED' })
    await expect(odd.record('a', 10)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
    const throwing = new RedisNonceStore({ set: () => { throw new Error('sync') } })
    await expect(throwing.record('a', 10)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
  })

  it('validates its client and options', () => {
    expect(() => new RedisNonceStore({} as RedisSetClient)).toThrow(TypeError)
    expect(() => new RedisNonceStore({ set: async () => 'OK' }, { timeoutMs: 0 })).toThrow(RangeError)
  })
})
