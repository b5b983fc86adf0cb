/**
 * RedisNonceStore's per-key quota on a three-primary Redis Cluster: the quota script touches two
 * keys (the nonce and the key's live set), which a cluster runs only when both hash to one slot.
 * Both carry the key id as a hash tag, so several key ids (spread over the slots) each get their
 * quota, and a replay is still a replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from 'ioredis'
import { RedisNonceStore } from '../src/nonce-stores/redis.ts'
import { clusterAvailable, startRedisCluster } from '../../../test/support/redis-cluster.ts'
import type { RedisCluster } from '../../../test/support/redis-cluster.ts'

if (!clusterAvailable) {
  if (process.env['CI']) throw new Error('redis-server and redis-cli are required in CI for the Redis Cluster nonce quota test')
  console.log('redis-server not found: skipping the Redis Cluster nonce quota test (required when CI is set)')
}

describe.runIf(clusterAvailable)('RedisNonceStore quota on a Redis Cluster', () => {
  let cluster: RedisCluster
  let client: Cluster
  beforeAll(async () => {
    cluster = await startRedisCluster()
    client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), { enableOfflineQueue: true, redisOptions: { maxRetriesPerRequest: 1 } })
    client.on('error', () => {})
  }, 60_000)
  afterAll(async () => {
    client?.disconnect()
    await cluster?.stop()
  })

  it('each of 12 key ids gets exactly its quota of 3 from 8 concurrent nonces; replays stay replays', async () => {
    const store = new RedisNonceStore(client, { maxEntriesPerOwner: 3 })
    const owners = Array.from({ length: 12 }, (_, i) => `key-${i}`)
    const slots = new Set<number>()
    for (const owner of owners) {
      const settled = await Promise.allSettled(Array.from({ length: 8 }, (_, n) => store.record(`${owner}\u0000n${n}`, 5_000, owner)))
      expect(settled.filter((r) => r.status === 'fulfilled' && r.value === true), owner).toHaveLength(3)
      for (const r of settled) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_RATE_LIMITED' })
      const first = settled.findIndex((r) => r.status === 'fulfilled' && r.value === true)
      expect(await store.record(`${owner}\u0000n${first}`, 5_000, owner)).toBe(false)
      slots.add(Number(await client.cluster('KEYSLOT', `{${owner}}`)))
    }
    // The owners really were spread over more than one slot (and so, likely, several primaries).
    expect(slots.size).toBeGreaterThan(1)
  })
})
