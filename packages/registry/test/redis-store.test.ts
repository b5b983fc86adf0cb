import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectRedisStore, generateKeyId, generateMasterKey, openRegistry, openRegistryFromSpec, openRegistryResolver } from '@signet/registry'
import type { Registry } from '@signet/registry'
import { buildFixture, run } from './child.ts'
import { codeOf, roundTrip, signerOf } from './helpers.ts'
import { findRedisServer, freePort, startRedis } from './redis-server.ts'
import type { RedisHandle } from './redis-server.ts'

const binary = findRedisServer()
if (binary === undefined) {
  if (process.env['CI'] === 'true') throw new Error('redis-server is required in CI (apt-get install -y redis-server)')
  console.log('redis-server not found: Redis store tests skipped (set CI=true to make this a failure)')
}
const describeRedis = binary === undefined ? describe.skip : describe

let redis: RedisHandle
let prefixCounter = 0
const prefix = (): string => `signet-test-${process.pid}-${++prefixCounter}`

describeRedis('RedisStore', () => {
  beforeAll(async () => {
    redis = await startRedis(binary as string)
  }, 30_000)
  afterAll(() => redis?.stop())

  async function open(p: string, masterKey: string): Promise<Registry> {
    return openRegistry({ store: await connectRedisStore({ url: redis.url, prefix: p }), masterKey, actor: 'test' })
  }

  it('runs the lifecycle: create, verify, rotate with overlap, disable, revoke, usage, audit', async () => {
    const mk = generateMasterKey()
    const p = prefix()
    const r = await open(p, mk)
    try {
      const now = Math.floor(Date.now() / 1000)
      const k = await r.create({ owner: 'acme', scopes: ['s'] })
      expect(await roundTrip(r, await signerOf(k), now)).toBe('ok')
      const next = await r.rotate(k.keyid, { overlapSeconds: 100 })
      expect(await roundTrip(r, await signerOf(k), now)).toBe('ok')
      expect(await roundTrip(r, await signerOf(next), now)).toBe('ok')
      expect(await roundTrip(r, await signerOf(k), next.previous.overlapUntil)).toBe('ERR_KEY_EXPIRED')
      await r.disable(next.keyid)
      expect(await roundTrip(r, await signerOf(next), now)).toBe('ERR_KEY_DISABLED')
      await r.enable(next.keyid)
      await r.revoke(next.keyid)
      expect(await roundTrip(r, await signerOf(next), now)).toBe('ERR_KEY_REVOKED')
      expect(await codeOf(r.enable(next.keyid))).toBe('ERR_INVALID_STATE')
      r.recordUsage({ keyid: k.keyid, ip: '192.0.2.4', time: now * 1000 })
      r.recordUsage({ keyid: k.keyid, time: now * 1000, code: 'ERR_SIGNATURE_INVALID' })
      r.recordUsage({ keyid: generateKeyId(), time: now * 1000 })
      await r.flushUsage()
      expect(await r.usage(k.keyid)).toEqual({ keyid: k.keyid, requests: 1, lastUsed: now, lastIp: '192.0.2.4', lastRejected: now, rejections: { ERR_SIGNATURE_INVALID: 1 } })
      expect((await r.audit()).map((e) => e.action)).toEqual(['create', 'rotate', 'create', 'disable', 'enable', 'revoke'])
      expect((await r.list({ owner: 'acme' })).length).toBe(2)
      // A second registry on the same Redis with another master key is refused.
      expect(await codeOf(open(p, generateMasterKey()))).toBe('ERR_MASTER_KEY')
    } finally {
      await r.close()
    }
  })

  it('rotates the master key in place (compare-and-set on the wrapped data key)', async () => {
    const p = prefix()
    const oldKey = generateMasterKey()
    const r = await open(p, oldKey)
    const k = await r.create({ owner: 'o' })
    const newKey = generateMasterKey()
    await r.rewrapMasterKey(newKey)
    expect(await codeOf(open(p, oldKey))).toBe('ERR_MASTER_KEY')
    const again = await open(p, newKey)
    expect(await roundTrip(again, await signerOf(k), Math.floor(Date.now() / 1000))).toBe('ok')
    // Audited in the same script as the swap: a registry-wide entry, no key, no owner.
    const log = await again.audit()
    expect(log.map((e) => e.action)).toEqual(['create', 'rewrap'])
    expect(log[1]).toMatchObject({ actor: 'test', action: 'rewrap', keyid: '', owner: '' })
    // A swap that lost its race writes neither the data key nor the audit entry.
    const meta = (await again.store.loadMeta())!
    const entry = { time: 1, actor: 'x', action: 'rewrap' as const, keyid: '', owner: '' }
    expect(await again.store.replaceMeta({ ...meta, dataKey: { ...meta.dataKey, ct: 'AAAA' } }, { ...meta, dataKey: { ...meta.dataKey, iv: 'BBBB' } }, [entry])).toBe(false)
    expect(await again.store.loadMeta()).toEqual(meta)
    expect((await again.audit()).length).toBe(2)
    await r.close()
    await again.close()
  })

  it('never stores a secret in plaintext', async () => {
    const mk = generateMasterKey()
    const p = prefix()
    const r = await open(p, mk)
    const k = await r.create({ owner: 'o' })
    await r.close()
    const { Redis } = await import('ioredis')
    const raw = new Redis(redis.url)
    try {
      const keys = await raw.keys(`{${p}}:*`) // the prefix is a hash tag (Redis Cluster slots)
      let dump = ''
      for (const key of keys) {
        const type = await raw.type(key)
        if (type === 'hash') dump += JSON.stringify(await raw.hgetall(key))
        else if (type === 'list') dump += JSON.stringify(await raw.lrange(key, 0, -1))
        else dump += String(await raw.get(key))
      }
      expect(dump).toContain(k.keyid)
      for (const needle of [k.secret as string, Buffer.from(k.secret as string).toString('base64url'), mk]) expect(dump).not.toContain(needle)
    } finally {
      raw.disconnect()
    }
  })

  it('revocation reaches another process within one second (pub/sub invalidation)', async () => {
    const mk = generateMasterKey()
    const p = prefix()
    const admin = await open(p, mk)
    const k = await admin.create({ owner: 'o' })
    const watcherFile = await buildFixture('redis-watcher')
    const env = { SIGNET_MASTER_KEY: mk, SIGNET_TEST_PREFIX: p }
    const watchers = [run(watcherFile, [redis.url, k.keyid], env), run(watcherFile, [redis.url, k.keyid], env)]
    try {
      for (const w of watchers) await w.waitFor((l) => l.includes('"active'), 15_000)
      // Both are now serving the key from their local cache.
      await new Promise((r) => setTimeout(r, 200))
      const revokedAt = Date.now()
      await admin.revoke(k.keyid)
      const delays: number[] = []
      for (const w of watchers) {
        const line = await w.waitFor((l) => l.includes('"revoked'), 2000)
        delays.push(JSON.parse(line).at - revokedAt)
      }
      console.log(`revocation seen by 2 processes after ${delays.map((d) => `${d} ms`).join(' and ')}`)
      for (const d of delays) expect(d).toBeLessThan(1000)
      // Rotation: both processes see the old key's overlap deadline folded into its expiry.
      const second = await admin.create({ owner: 'o' })
      const watchers2 = [run(watcherFile, [redis.url, second.keyid], env), run(watcherFile, [redis.url, second.keyid], env)]
      watchers.push(...watchers2)
      for (const w of watchers2) await w.waitFor((l) => l.includes('"active'), 15_000)
      const rotated = await admin.rotate(second.keyid, { overlapSeconds: 30 })
      for (const w of watchers2) {
        await w.waitFor((l) => l.includes(`"active:${rotated.previous.overlapUntil}"`), 1000)
      }
    } finally {
      for (const w of watchers) w.proc.kill('SIGTERM')
      await Promise.all(watchers.map((w) => w.exited))
      await admin.close()
    }
  }, 60_000)

  it('serves records from a local cache that each write invalidates', async () => {
    const mk = generateMasterKey()
    const p = prefix()
    const storeA = await connectRedisStore({ url: redis.url, prefix: p })
    const a = await openRegistry({ store: storeA, masterKey: mk })
    const b = await open(p, mk)
    try {
      const k = await b.create({ owner: 'o' })
      // Let the creation's own invalidation message arrive before warming the cache.
      await new Promise((r) => setTimeout(r, 50))
      await a.resolve(k.keyid)
      const misses = storeA.stats.misses
      for (let i = 0; i < 50; i++) expect((await a.resolve(k.keyid))?.state).toBe('active')
      expect(storeA.stats.misses).toBe(misses) // all 50 from the cache
      await b.disable(k.keyid)
      const started = Date.now()
      while ((await a.resolve(k.keyid))?.state !== 'disabled') {
        if (Date.now() - started > 1000) throw new Error('invalidation did not arrive within 1 s')
        await new Promise((r) => setTimeout(r, 2))
      }
      expect(storeA.stats.invalidations).toBeGreaterThan(0)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('bounds its local cache (least recently used out) and expires entries after cacheTtlMs', async () => {
    const mk = generateMasterKey()
    const p = prefix()
    const b = await open(p, mk)
    const store = await connectRedisStore({ url: redis.url, prefix: p, cacheSize: 2, cacheTtlMs: 1500 })
    try {
      const [k1, k2, k3] = [await b.create({ owner: 'o' }), await b.create({ owner: 'o' }), await b.create({ owner: 'o' })].map((k) => k.keyid) as [string, string, string]
      // Let the three creations' invalidation messages arrive before warming the cache.
      for (const started = Date.now(); store.stats.invalidations < 3;) {
        if (Date.now() - started > 2000) throw new Error('the creations were not announced within 2 s')
        await new Promise((r) => setTimeout(r, 5))
      }
      const reads = async (ids: string[]): Promise<number> => {
        const before = store.stats.misses
        for (const id of ids) expect((await store.getKey(id))?.id).toBe(id)
        return store.stats.misses - before
      }
      expect(await reads([k1, k2])).toBe(2) // cold
      expect(await reads([k1, k2, k1, k2])).toBe(0) // both fit
      expect(await reads([k3])).toBe(1) // a third entry evicts the least recently used, k1
      expect(await reads([k2, k3])).toBe(0)
      expect(await reads([k1])).toBe(1) // k1 was evicted; reading it back evicts k2
      expect(await reads([k3, k1])).toBe(0)
      expect(await reads([k2])).toBe(1)
      // The TTL is a backstop: a cached entry older than cacheTtlMs is read again.
      await new Promise((r) => setTimeout(r, 1600))
      expect(await reads([k2])).toBe(1)
      expect(await reads([k2])).toBe(0) // and cached afresh
    } finally {
      await store.close()
      await b.close()
    }
  })

  it('is unreachable -> ERR_STORE_UNAVAILABLE at open, promptly', async () => {
    const port = await freePort()
    const started = Date.now()
    expect(await codeOf(connectRedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 }))).toBe('ERR_STORE_UNAVAILABLE')
    expect(await codeOf(openRegistryFromSpec(`redis://127.0.0.1:${port}`, { env: { SIGNET_MASTER_KEY: generateMasterKey() }, redis: { connectTimeoutMs: 500 } }))).toBe('ERR_STORE_UNAVAILABLE')
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('a resolver whose Redis goes away fails closed with ERR_STORE_UNAVAILABLE', async () => {
    const own = await startRedis(binary as string)
    const mk = generateMasterKey()
    const keys = await openRegistryResolver(own.url, { SIGNET_MASTER_KEY: mk })
    const k = await keys.registry.create({ owner: 'o' })
    expect((await keys.resolve(k.keyid))?.state).toBe('active')
    own.stop()
    await new Promise((r) => setTimeout(r, 300))
    const started = Date.now()
    expect(await codeOf(keys.resolve(k.keyid))).toBe('ERR_STORE_UNAVAILABLE')
    expect(Date.now() - started).toBeLessThan(2000)
    // Usage recording during the outage neither throws nor blocks.
    keys.recordUsage({ keyid: k.keyid, time: Date.now() })
    await keys.close()
  }, 30_000)

  it('signet keys works over --registry redis://H:P', async () => {
    const { main } = await import('../../cli/src/main.ts')
    const mk = generateMasterKey()
    const cli = async (args: string[]) => {
      let out = ''
      let err = ''
      const code = await main(args, { stdin: async () => new Uint8Array(0), stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: { SIGNET_MASTER_KEY: mk }, cwd: process.cwd() })
      return { code, out, err }
    }
    // The CLI uses the default prefix: start from an empty database.
    const { Redis } = await import('ioredis')
    const raw = new Redis(redis.url)
    await raw.flushdb()
    raw.disconnect()
    const created = await cli(['keys', 'create', '--registry', redis.url, '--owner', 'acme', '--alg', 'hmac-sha256'])
    expect(created.code, created.err).toBe(0)
    const k = JSON.parse(created.out)
    const keys = await openRegistryResolver(redis.url, { SIGNET_MASTER_KEY: mk })
    try {
      expect((await keys.resolve(k.keyid))?.state).toBe('active')
      const revoked = await cli(['keys', 'revoke', '--registry', redis.url, k.keyid])
      expect(revoked.code, revoked.err).toBe(0)
      const started = Date.now()
      while ((await keys.resolve(k.keyid))?.state !== 'revoked') {
        if (Date.now() - started > 1000) throw new Error('revocation not seen within 1 s')
        await new Promise((r) => setTimeout(r, 5))
      }
      const list = await cli(['keys', 'list', '--registry', redis.url])
      expect(JSON.parse(list.out).map((x: { state: string }) => x.state)).toEqual(['revoked'])
      const audit = await cli(['keys', 'audit', '--registry', redis.url])
      expect(audit.out.trim().split('\n').map((l) => JSON.parse(l).action)).toEqual(['create', 'revoke'])
      const wrong = await cli(['keys', 'enable', '--registry', redis.url, k.keyid])
      expect(wrong.code).toBe(2)
      expect(JSON.parse(wrong.err).code).toBe('ERR_INVALID_STATE')
    } finally {
      await keys.close()
    }
  })

  it('after a reconnect, nothing cached before the outage is served', async () => {
    const first = await startRedis(binary as string)
    const mk = generateMasterKey()
    const keys = await openRegistryResolver(first.url, { SIGNET_MASTER_KEY: mk })
    try {
      const k = await keys.registry.create({ owner: 'o' })
      expect((await keys.resolve(k.keyid))?.state).toBe('active')
      expect((await keys.resolve(k.keyid))?.state).toBe('active') // cached
      // Redis restarts empty (no persistence): the key is gone, and invalidations sent while
      // this process was disconnected could have been lost.
      first.stop()
      await new Promise((r) => setTimeout(r, 200))
      const second = await startRedis(binary as string, first.port)
      try {
        const started = Date.now()
        let seen: unknown = 'active'
        while (Date.now() - started < 5000) {
          try {
            seen = (await keys.resolve(k.keyid))?.state
            if (seen === undefined) break
          } catch {
            // unreachable while reconnecting: fail closed
          }
          await new Promise((r) => setTimeout(r, 50))
        }
        expect(seen).toBeUndefined()
      } finally {
        second.stop()
      }
    } finally {
      await keys.close()
    }
  }, 30_000)

  it('refuses foreign data under the prefix', async () => {
    const p = prefix()
    const { Redis } = await import('ioredis')
    const raw = new Redis(redis.url)
    await raw.set(`{${p}}:meta`, 'not a hash')
    raw.disconnect()
    expect(await codeOf(openRegistry({ store: await connectRedisStore({ url: redis.url, prefix: p }), masterKey: generateMasterKey() }))).toBe('ERR_REGISTRY_CORRUPT')
  })
})
