/**
 * Issue 17 items 1-5 against every store (memory, encrypted file, Redis, Redis Cluster): rate
 * limits with 429 fields, refusals that use no quota, per-owner limits, credits decremented
 * exactly once (across processes on Redis), `update` seen by a second verifier within 1 s,
 * rotation keeping the lifetime, and usage buckets.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseHttpMessage, signMessage } from '@signet/core'
import type { HttpMessage, SignetKey } from '@signet/core'
import {
  FileStore, MemoryStore, connectRedisStore, formatRateLimit, gcra, generateMasterKey, openRegistry, parseRateLimit,
} from '@signet/registry'
import type { CreatedKey, Registry, RegistryOptions, RegistryStore } from '@signet/registry'
import { createVerifier, problemFor, rateLimitHeaders } from '@signet/server'
import type { Verifier } from '@signet/server'
import { signerOf } from './helpers.ts'
import { findRedisServer, startRedis } from './redis-server.ts'
import type { RedisHandle } from './redis-server.ts'
import { clusterAvailable, startRedisCluster } from '../../../test/support/redis-cluster.ts'
import type { RedisCluster } from '../../../test/support/redis-cluster.ts'

const redisBinary = findRedisServer()
if (redisBinary === undefined && process.env['CI']) throw new Error('redis-server is required in CI for the limits tests')

let counter = 0
/** A request signed with `key`, as a verifier receives it. */
async function signed(key: SignetKey, scopesPath = '/orders'): Promise<HttpMessage> {
  const raw = `GET ${scopesPath}?n=${counter++} HTTP/1.1\r\nHost: api.example\r\n`
  const result = await signMessage(parseHttpMessage(`${raw}\r\n`), { key, created: Math.floor(Date.now() / 1000) })
  return parseHttpMessage(`${raw}Signature-Input: ${result.signatureInput}\r\nSignature: ${result.signature}\r\n\r\n`)
}

function verifierOf(registry: Registry): Verifier {
  return createVerifier({
    keys: registry.resolver(), nonces: false, admit: registry.admission(),
    onVerified: (e) => registry.recordUsage(e), onRejected: (e) => registry.recordUsage(e),
  })
}

/** 'ok' or the refusal's code; the problem response of the last refusal is kept in `last`. */
let last: ReturnType<typeof problemFor> | undefined
async function outcome(verifier: Verifier, message: Promise<HttpMessage>, options: { clientIp?: string; requiredScopes?: string[] } = {}): Promise<string> {
  try {
    // A key with an IP list needs a known client address: a default one outside every list here.
    await verifier.verify(await message, { clientIp: '203.0.113.5', ...options })
    return 'ok'
  } catch (err) {
    last = problemFor(err)
    return (err as { code?: string }).code ?? String(err)
  }
}

/** Wait until `registry` sees `keyid` (a file reader re-reads the file at most every 200 ms). */
async function seen(registry: Registry, keyid: string): Promise<void> {
  for (let i = 0; i < 50 && (await registry.resolve(keyid).catch(() => undefined)) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20))
}

interface Target {
  readonly name: string
  /** Two registries on one store, as two processes would open it. */
  open(options?: Partial<RegistryOptions>): Promise<{ a: Registry; b: Registry; close(): Promise<void> }>
  readonly shared: boolean
}

describe('N/PERIOD and GCRA', () => {
  it('parses and prints limits; refuses anything else with ERR_USAGE', () => {
    expect(parseRateLimit('100/1m')).toEqual({ limit: 100, periodSeconds: 60 })
    expect(parseRateLimit('5/s')).toEqual({ limit: 5, periodSeconds: 1 })
    expect(formatRateLimit({ limit: 10, periodSeconds: 3600 })).toBe('10/1h')
    for (const bad of ['0/1m', '10', '10/0s', '-1/1m', '10/1y', '1.5/1m']) expect(() => parseRateLimit(bad)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }))
  })

  it('lets N through at once, then one every PERIOD/N; a refusal does not move the bucket', () => {
    const spec = { limit: 3, periodSeconds: 3 }
    let tat = 0
    const t = 1_000_000
    for (let i = 0; i < 3; i++) {
      const step = gcra(tat, t, spec)
      expect(step.allowed).toBe(true)
      expect(step.remaining).toBe(2 - i)
      tat = step.tat
    }
    const refused = gcra(tat, t, spec)
    expect(refused).toMatchObject({ allowed: false, tat, remaining: 0, retryAfterSeconds: 1 })
    expect(gcra(tat, t + 999, spec).allowed).toBe(false)
    expect(gcra(tat, t + 1000, spec).allowed).toBe(true)
  })
})

function suite(target: Target): void {
  describe(`limits on ${target.name}`, () => {
    it('a key over its rate limit gets 429 ERR_RATE_LIMITED with RateLimit-Policy, RateLimit and Retry-After', async () => {
      const { a, close } = await target.open()
      try {
        const k = await a.create({ owner: 'acme', rateLimit: '3/1h' })
        expect(k.rateLimit).toBe('3/1h')
        const v = verifierOf(a)
        const signer = await signerOf(k)
        for (let i = 0; i < 3; i++) expect(await outcome(v, signed(signer))).toBe('ok')
        expect(await outcome(v, signed(signer))).toBe('ERR_RATE_LIMITED')
        expect(last?.status).toBe(429)
        expect(last?.headers['ratelimit-policy']).toBe('"key";q=3;w=3600')
        expect(last?.headers['ratelimit']).toMatch(/^"key";r=0;t=(3[0-5]\d\d|3600)$/)
        const retry = Number(last?.headers['retry-after'])
        expect(retry).toBeGreaterThan(1100)
        expect(retry).toBeLessThanOrEqual(1200)
      } finally {
        await close()
      }
    })

    it('an admitted request carries what is left of its limits (identity.rateLimits, the RateLimit fields)', async () => {
      const { a, close } = await target.open()
      try {
        const k = await a.create({ owner: 'acme', rateLimit: '10/1m', credits: { amount: 5, refill: 'daily' } })
        const v = verifierOf(a)
        const identity = await v.verify(await signed(await signerOf(k)), { clientIp: '203.0.113.5' })
        expect(identity.rateLimits).toMatchObject([
          { name: 'key', quota: 10, windowSeconds: 60, remaining: 9 },
          { name: 'credits', quota: 5, windowSeconds: 86_400, remaining: 4 },
        ])
        const fields = rateLimitHeaders(identity)
        expect(fields['ratelimit-policy']).toBe('"key";q=10;w=60, "credits";q=5;w=86400')
        expect(fields['ratelimit']).toMatch(/^"key";r=9;t=\d+, "credits";r=4;t=\d+$/)
        const free = await a.create({ owner: 'other' })
        const plain = await v.verify(await signed(await signerOf(free)), { clientIp: '203.0.113.5' })
        expect(plain.rateLimits).toBeUndefined()
      } finally {
        await close()
      }
    })

    it('requests refused for their IP, signature or scope use no quota and no credits', async () => {
      const { a, close } = await target.open()
      try {
        const k = await a.create({ owner: 'acme', rateLimit: '2/1h', credits: 2, scopes: ['orders:read'], denyIps: ['192.0.2.0/24'] })
        const v = verifierOf(a)
        const signer = await signerOf(k)
        for (let i = 0; i < 4; i++) {
          expect(await outcome(v, signed(signer), { clientIp: '192.0.2.9' })).toBe('ERR_IP_DENIED')
          expect(await outcome(v, signed(signer), { requiredScopes: ['orders:write'] })).toBe('ERR_SCOPE_DENIED')
          const tampered = await signed(signer)
          const bad = { ...tampered, target: tampered.kind === 'request' ? tampered.target.replace('n=', 'm=') : '' } as HttpMessage
          expect(await outcome(v, Promise.resolve(bad))).toBe('ERR_SIGNATURE_INVALID')
        }
        expect(await outcome(v, signed(signer))).toBe('ok')
        expect(await outcome(v, signed(signer))).toBe('ok')
        expect(await outcome(v, signed(signer))).toBe('ERR_RATE_LIMITED')
        expect((await a.limits(k.keyid)).credits?.remaining).toBe(0)
      } finally {
        await close()
      }
    })

    it('an owner limit spans the owner\'s keys, and no other owner\'s', async () => {
      const { a, close } = await target.open({ ownerRateLimits: { acme: '3/1h' } })
      try {
        const k1 = await a.create({ owner: 'acme' })
        const k2 = await a.create({ owner: 'acme' })
        const other = await a.create({ owner: 'globex' })
        const v = verifierOf(a)
        expect(await outcome(v, signed(await signerOf(k1)))).toBe('ok')
        expect(await outcome(v, signed(await signerOf(k2)))).toBe('ok')
        expect(await outcome(v, signed(await signerOf(k1)))).toBe('ok')
        expect(await outcome(v, signed(await signerOf(k2)))).toBe('ERR_RATE_LIMITED')
        expect(last?.headers['ratelimit-policy']).toBe('"owner";q=3;w=3600')
        for (let i = 0; i < 5; i++) expect(await outcome(v, signed(await signerOf(other)))).toBe('ok')
      } finally {
        await close()
      }
    })

    it('credits: none left is 429 ERR_CREDITS_EXHAUSTED; update --credits N gives N more; removing them lifts the cap', async () => {
      const { a, close } = await target.open()
      try {
        const k = await a.create({ owner: 'acme', credits: { amount: 2, refill: 'daily' } })
        const v = verifierOf(a)
        const signer = await signerOf(k)
        expect(await outcome(v, signed(signer))).toBe('ok')
        expect((await a.limits(k.keyid)).credits).toMatchObject({ amount: 2, refill: 'daily', remaining: 1 })
        expect(await outcome(v, signed(signer))).toBe('ok')
        expect(await outcome(v, signed(signer))).toBe('ERR_CREDITS_EXHAUSTED')
        expect(last?.status).toBe(429)
        expect(last?.headers['ratelimit-policy']).toBe('"credits";q=2;w=86400')
        const untilMidnight = 86_400 - (Math.floor(Date.now() / 1000) % 86_400)
        expect(Math.abs(Number(last?.headers['retry-after']) - untilMidnight)).toBeLessThanOrEqual(2)
        await a.update(k.keyid, { credits: 1 })
        expect(await outcome(v, signed(signer))).toBe('ok')
        expect(await outcome(v, signed(signer))).toBe('ERR_CREDITS_EXHAUSTED')
        await a.update(k.keyid, { credits: null })
        expect(await outcome(v, signed(signer))).toBe('ok')
        expect((await a.get(k.keyid)).credits).toBeUndefined()
      } finally {
        await close()
      }
    })

    if (target.shared) {
      it('credits are used exactly once per accepted request across processes (one atomic step)', async () => {
        const { a, b, close } = await target.open()
        try {
          const k = await a.create({ owner: 'acme', credits: 7 })
          await seen(b, k.keyid)
          const signer = await signerOf(k)
          const va = verifierOf(a)
          const vb = verifierOf(b)
          const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(i % 2 === 0 ? va : vb, signed(signer))))
          expect(results.filter((r) => r === 'ok')).toHaveLength(7)
          expect(results.filter((r) => r === 'ERR_CREDITS_EXHAUSTED')).toHaveLength(13)
          expect((await b.limits(k.keyid)).credits?.remaining).toBe(0)
        } finally {
          await close()
        }
      })

      it('a rate limit is shared by every process', async () => {
        const { a, b, close } = await target.open()
        try {
          const k = await a.create({ owner: 'acme', rateLimit: '4/1h' })
          await seen(b, k.keyid)
          const signer = await signerOf(k)
          const results = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(i % 2 === 0 ? verifierOf(a) : verifierOf(b), signed(signer))))
          expect(results.filter((r) => r === 'ok')).toHaveLength(4)
        } finally {
          await close()
        }
      })
    }

    it('update changes scopes, IP lists, label, expiry and limits, is audited, and a second verifier sees it within 1 s', async () => {
      const { a, b, close } = await target.open()
      try {
        const k = await a.create({ owner: 'acme', scopes: ['orders:read'], expiresIn: 3600 })
        const signer = await signerOf(k)
        const vb = verifierOf(b)
        // A file reader re-reads the file at most every 200 ms: wait for it to see the new key.
        // (A registry opened before the first write learns the data key from that write's message.)
        for (let i = 0; i < 50 && (await b.resolve(k.keyid).catch(() => undefined)) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20))
        expect(await outcome(vb, signed(signer), { requiredScopes: ['orders:write'] })).toBe('ERR_SCOPE_DENIED')
        const t0 = Date.now()
        const updated = await a.update(k.keyid, { scopes: ['orders:read', 'orders:write'], label: 'checkout', rateLimit: '1/1h', denyIps: ['198.51.100.0/24'], expiresIn: 7200 })
        expect(updated).toMatchObject({ scopes: ['orders:read', 'orders:write'], labels: { name: 'checkout' }, rateLimit: '1/1h', denyIps: ['198.51.100.0/24'] })
        expect(updated.expires).toBeGreaterThan(k.expires as number)
        let seen = 'pending'
        while (Date.now() - t0 < 1000) {
          const r = await b.resolve(k.keyid)
          if (r?.scopes?.includes('orders:write') === true) {
            seen = 'seen'
            break
          }
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        expect(seen).toBe('seen')
        expect(Date.now() - t0).toBeLessThan(1000)
        expect(await outcome(vb, signed(signer), { clientIp: '198.51.100.7' })).toBe('ERR_IP_DENIED')
        expect(await outcome(vb, signed(signer), { requiredScopes: ['orders:write'] })).toBe('ok')
        expect(await outcome(vb, signed(signer))).toBe('ERR_RATE_LIMITED')
        const audit = (await a.audit()).filter((e) => e.keyid === k.keyid)
        expect(audit.map((e) => e.action)).toEqual(['create', 'update'])
        expect(audit[1]?.details).toMatchObject({ changed: 'scopes denyIps expires rateLimit labels', rateLimit: '1/1h', label: 'checkout' })
        expect(JSON.stringify(audit)).not.toContain('sgn_sk_')
        await a.revoke(k.keyid)
        await expect(a.update(k.keyid, { label: 'x' })).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' })
      } finally {
        await close()
      }
    })

    it('rotation keeps the remaining lifetime, the limits and the credits amount', async () => {
      const { a, close } = await target.open()
      try {
        const k: CreatedKey = await a.create({ owner: 'acme', expiresIn: 30 * 86_400, rateLimit: '10/1m', credits: 5 })
        const next = await a.rotate(k.keyid)
        expect(next.expires).toBe(k.expires)
        expect(next).toMatchObject({ rateLimit: '10/1m', credits: { amount: 5, refill: 'none' } })
        const given = await a.rotate(next.keyid, { expiresIn: 3600 })
        expect(given.expires).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3601)
      } finally {
        await close()
      }
    })

    it('rotation carries over what is left of the credits; during the overlap both keys draw on one counter', async () => {
      const { a, close } = await target.open()
      try {
        const k = await a.create({ owner: 'acme', credits: 3 })
        const v = verifierOf(a)
        const oldSigner = await signerOf(k)
        expect(await outcome(v, signed(oldSigner))).toBe('ok')
        const next = await a.rotate(k.keyid, { overlapSeconds: 600 })
        expect((await a.limits(next.keyid)).credits).toMatchObject({ amount: 3, remaining: 2 })
        const newSigner = await signerOf(next)
        expect(await outcome(v, signed(newSigner))).toBe('ok')
        expect(await outcome(v, signed(oldSigner))).toBe('ok')
        expect(await outcome(v, signed(newSigner))).toBe('ERR_CREDITS_EXHAUSTED')
        expect(await outcome(v, signed(oldSigner))).toBe('ERR_CREDITS_EXHAUSTED')
        // A second rotation still draws on the first key's counter; new credits start afresh.
        const third = await a.rotate(next.keyid, { overlapSeconds: 600 })
        expect((await a.limits(third.keyid)).credits).toMatchObject({ remaining: 0 })
        await a.update(third.keyid, { credits: 2 })
        expect((await a.limits(third.keyid)).credits).toMatchObject({ amount: 2, remaining: 2 })
        expect(await outcome(v, signed(await signerOf(third)))).toBe('ok')
        expect(await outcome(v, signed(newSigner))).toBe('ERR_CREDITS_EXHAUSTED')
      } finally {
        await close()
      }
    })

    it('usage buckets by minute, hour and day count accepted requests and refusals by code, 429s included', async () => {
      const { a, close } = await target.open()
      try {
        const k = await a.create({ owner: 'acme', rateLimit: '2/1h', denyIps: ['192.0.2.0/24'] })
        const v = verifierOf(a)
        const signer = await signerOf(k)
        for (let i = 0; i < 3; i++) await outcome(v, signed(signer))
        await outcome(v, signed(signer), { clientIp: '192.0.2.1' })
        await new Promise((resolve) => setTimeout(resolve, 10))
        await a.flushUsage()
        const now = Math.floor(Date.now() / 1000)
        for (const by of ['minute', 'hour', 'day'] as const) {
          const buckets = await a.usageBuckets(k.keyid, { by, since: now - 120 })
          const total = buckets.reduce((n, b) => n + b.requests, 0)
          expect(total, by).toBe(2)
          const rejections = buckets.reduce<Record<string, number>>((all, b) => {
            for (const [code, n] of Object.entries(b.rejections)) all[code] = (all[code] ?? 0) + n
            return all
          }, {})
          expect(rejections, by).toEqual({ ERR_RATE_LIMITED: 1, ERR_IP_DENIED: 1 })
          const size = { minute: 60, hour: 3600, day: 86_400 }[by]
          for (const b of buckets) expect(b.start % size).toBe(0)
        }
        expect(await a.usageBuckets(k.keyid, { by: 'minute', since: now + 600 })).toEqual([])
        await expect(a.usageBuckets(k.keyid, { by: 'week' as never })).rejects.toThrow(RangeError)
      } finally {
        await close()
      }
    })
  })
}

suite({
  name: 'memory',
  shared: false,
  async open(options = {}) {
    const store = new MemoryStore()
    const masterKey = generateMasterKey()
    const a = await openRegistry({ store, masterKey, ...options })
    const b = await openRegistry({ store, masterKey, ...options })
    return { a, b, close: async () => void (await Promise.all([a.flushUsage(), b.flushUsage()])) }
  },
})

suite({
  name: 'the encrypted file',
  shared: true,
  async open(options = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'signet-limits-'))
    const path = join(dir, 'keys.signet')
    const masterKey = generateMasterKey()
    const a = await openRegistry({ store: new FileStore(path), masterKey, ...options })
    const b = await openRegistry({ store: new FileStore(path), masterKey, ...options })
    return {
      a, b,
      close: async () => {
        await a.close()
        await b.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  },
})

let redis: RedisHandle | undefined
let prefixes = 0
describe.runIf(redisBinary !== undefined)('on Redis', () => {
  beforeAll(async () => {
    redis = await startRedis(redisBinary as string)
  })
  afterAll(() => redis?.stop())
  suite({
    name: 'Redis',
    shared: true,
    async open(options = {}) {
      const prefix = `limits-${prefixes++}`
      const masterKey = generateMasterKey()
      const stores: RegistryStore[] = [await connectRedisStore({ url: (redis as RedisHandle).url, prefix }), await connectRedisStore({ url: (redis as RedisHandle).url, prefix })]
      const a = await openRegistry({ store: stores[0] as RegistryStore, masterKey, ...options })
      const b = await openRegistry({ store: stores[1] as RegistryStore, masterKey, ...options })
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) }
    },
  })
})

let cluster: RedisCluster | undefined
describe.runIf(clusterAvailable)('on a Redis Cluster', () => {
  beforeAll(async () => {
    cluster = await startRedisCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })
  suite({
    name: 'a Redis Cluster',
    shared: true,
    async open(options = {}) {
      const prefix = `climits-${prefixes++}`
      const masterKey = generateMasterKey()
      const url = (cluster as RedisCluster).url
      const a = await openRegistry({ store: await connectRedisStore({ url, prefix }), masterKey, ...options })
      const b = await openRegistry({ store: await connectRedisStore({ url, prefix }), masterKey, ...options })
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) }
    },
  })
})
