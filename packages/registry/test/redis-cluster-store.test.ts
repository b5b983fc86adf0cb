/**
 * The Redis registry store on a Redis Cluster (three primaries, started by the test through
 * test/support/redis-cluster.ts): the whole lifecycle, master key rewrap (a two-key script),
 * usage (a two-key script) and the audit log run as on one node, because every key of a
 * registry shares one hash tag and so one slot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from 'ioredis'
import { connectRedisStore, generateKeyId, generateMasterKey, openRegistry } from '@signet/registry'
import type { Registry } from '@signet/registry'
import { codeOf, roundTrip, signerOf } from './helpers.ts'
import { clusterAvailable, startRedisCluster } from '../../../test/support/redis-cluster.ts'
import type { RedisCluster } from '../../../test/support/redis-cluster.ts'

if (!clusterAvailable) {
  if (process.env['CI']) throw new Error('redis-server and redis-cli are required in CI for the Redis Cluster store tests')
  console.log('redis-server not found: skipping the Redis Cluster store tests (required when CI is set)')
}

describe.runIf(clusterAvailable)('RedisStore on a Redis Cluster', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  const open = async (prefix: string, masterKey: string): Promise<Registry> =>
    openRegistry({ store: await connectRedisStore({ url: cluster.url, prefix }), masterKey, actor: 'test' })

  it('runs the lifecycle, usage, audit and a master key rewrap; every key of the registry is in one slot', async () => {
    const mk = generateMasterKey()
    const r = await open('cluster-a', mk)
    try {
      const now = Math.floor(Date.now() / 1000)
      const k = await r.create({ owner: 'acme', scopes: ['s'] })
      expect(await roundTrip(r, await signerOf(k), now)).toBe('ok')
      const next = await r.rotate(k.keyid, { overlapSeconds: 100 })
      expect(await roundTrip(r, await signerOf(next), now)).toBe('ok')
      await r.disable(next.keyid)
      expect(await roundTrip(r, await signerOf(next), now)).toBe('ERR_KEY_DISABLED')
      await r.enable(next.keyid)
      await r.revoke(next.keyid)
      expect(await roundTrip(r, await signerOf(next), now)).toBe('ERR_KEY_REVOKED')
      r.recordUsage({ keyid: k.keyid, ip: '192.0.2.4', time: now * 1000 })
      r.recordUsage({ keyid: k.keyid, time: now * 1000, code: 'ERR_SIGNATURE_INVALID' })
      r.recordUsage({ keyid: generateKeyId(), time: now * 1000 })
      await r.flushUsage()
      expect(await r.usage(k.keyid)).toMatchObject({ keyid: k.keyid, requests: 1, lastIp: '192.0.2.4', rejections: { ERR_SIGNATURE_INVALID: 1 } })
      const mk2 = generateMasterKey()
      await r.rewrapMasterKey(mk2)
      expect((await r.audit()).map((e) => e.action).slice(0, 6)).toEqual(['create', 'rotate', 'create', 'disable', 'enable', 'revoke'])
    } finally {
      await r.close()
    }

    // Where the keys are: one slot, on one primary.
    const probe = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), { lazyConnect: true })
    try {
      await probe.connect()
      const slot = (await probe.cluster('KEYSLOT', '{cluster-a}:keys')) as number
      const names = (await probe.nodes('master').reduce<Promise<string[]>>(async (all, node) => [...(await all), ...((await node.cluster('GETKEYSINSLOT', slot, 1000)) as string[])], Promise.resolve([]))).sort()
      expect(names.filter((n) => !n.startsWith('{cluster-a}:usage:') && !n.startsWith('{cluster-a}:ub:'))).toEqual(['{cluster-a}:audit', '{cluster-a}:keys', '{cluster-a}:meta'])
      expect(names.some((n) => n.startsWith('{cluster-a}:usage:'))).toBe(true)
      // Issue 17: the usage buckets (minute, hour, day) are in the same slot.
      expect(names.filter((n) => n.startsWith('{cluster-a}:ub:')).map((n) => n.split(':')[3]).sort()).toEqual(['day', 'hour', 'minute'])
    } finally {
      probe.disconnect()
    }
  }, 30_000)

  it('a second process sees a revocation through pub/sub on the cluster', async () => {
    const mk = generateMasterKey()
    const writer = await open('cluster-b', mk)
    const reader = await open('cluster-b', mk)
    try {
      const now = Math.floor(Date.now() / 1000)
      const k = await writer.create({ owner: 'acme' })
      const signer = await signerOf(k)
      expect(await roundTrip(reader, signer, now)).toBe('ok')
      expect(await roundTrip(reader, signer, now)).toBe('ok') // from the reader's cache
      const started = Date.now()
      await writer.revoke(k.keyid)
      let code = ''
      while ((code = await roundTrip(reader, signer, now)) !== 'ERR_KEY_REVOKED' && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 5))
      expect(code).toBe('ERR_KEY_REVOKED')
      expect(Date.now() - started).toBeLessThan(1000)
      expect(await codeOf(writer.enable(k.keyid))).toBe('ERR_INVALID_STATE')
    } finally {
      await Promise.all([writer.close(), reader.close()])
    }
  }, 30_000)
})
