import { describe, expect, it } from 'vitest'
import { MemoryStore, UsageRecorder, generateKeyId, generateMasterKey, openRegistry } from '@signet/registry'
import type { UsageDelta } from '@signet/registry'
import { clock, roundTrip, signerOf } from './helpers.ts'

describe('usage recording', () => {
  it('counts requests, last use (time, IP) and rejections by reason, off the request path', async () => {
    const registry = await openRegistry({ store: new MemoryStore(), masterKey: generateMasterKey(), usage: { flushIntervalMs: 60_000 } })
    const k = await registry.create({ owner: 'o' })
    const t = 1_800_000_000_000
    registry.recordUsage({ keyid: k.keyid, ip: '192.0.2.1', time: t })
    registry.recordUsage({ keyid: k.keyid, ip: '192.0.2.2', time: t + 5000 })
    registry.recordUsage({ keyid: k.keyid, ip: '192.0.2.3', time: t + 1000 }) // late arrival: not the last use
    registry.recordUsage({ keyid: k.keyid, ip: '192.0.2.9', time: t + 2000, code: 'ERR_SIGNATURE_INVALID' })
    registry.recordUsage({ keyid: k.keyid, time: t + 3000, code: 'ERR_IP_DENIED' })
    registry.recordUsage({ keyid: k.keyid, time: t + 4000, code: 'ERR_IP_DENIED' })
    // Nothing is written until a flush.
    expect((await registry.usage(k.keyid)).requests).toBe(0)
    await registry.flushUsage()
    expect(await registry.usage(k.keyid)).toEqual({
      keyid: k.keyid, requests: 3, lastUsed: (t + 5000) / 1000, lastIp: '192.0.2.2', lastRejected: (t + 4000) / 1000,
      rejections: { ERR_SIGNATURE_INVALID: 1, ERR_IP_DENIED: 2 },
    })
    expect((await registry.get(k.keyid))).toMatchObject({ lastUsed: (t + 5000) / 1000, lastIp: '192.0.2.2' })
  })

  it('ignores malformed and unknown key ids (no storage growth from random ids)', async () => {
    const store = new MemoryStore()
    const registry = await openRegistry({ store, masterKey: generateMasterKey() })
    const stranger = generateKeyId()
    registry.recordUsage({ keyid: 'garbage', time: Date.now(), code: 'ERR_KEY_ID_MALFORMED' })
    registry.recordUsage({ keyid: stranger, time: Date.now(), code: 'ERR_KEY_NOT_FOUND' })
    registry.recordUsage({ time: Date.now(), code: 'ERR_SIGNATURE_MISSING' })
    await registry.flushUsage()
    expect(await store.getUsage(stranger)).toBeUndefined()
    expect(await store.getUsage('garbage')).toBeUndefined()
  })

  it('flushes on size and on the interval', async () => {
    const batches: UsageDelta[][] = []
    const recorder = new UsageRecorder(async (d) => void batches.push(d), { flushIntervalMs: 50, maxPendingEvents: 3 })
    const id = generateKeyId()
    for (let i = 0; i < 3; i++) recorder.record({ keyid: id, time: Date.now() })
    await new Promise((r) => setTimeout(r, 0))
    expect(batches.length).toBe(1)
    expect(batches[0]?.[0]?.requests).toBe(3)
    recorder.record({ keyid: id, time: Date.now() })
    await new Promise((r) => setTimeout(r, 120))
    expect(batches.length).toBe(2)
    await recorder.close()
  })

  it('a failing store never changes a verification outcome, and counts are kept for the next flush', async () => {
    const store = new MemoryStore()
    let failing = true
    const real = store.addUsage.bind(store)
    store.addUsage = async (d) => {
      if (failing) throw new Error('disk full')
      return real(d)
    }
    const c = clock()
    const registry = await openRegistry({ store, masterKey: generateMasterKey(), now: c.now, usage: { flushIntervalMs: 10 } })
    const good = await registry.create({ owner: 'o' })
    const revoked = await registry.create({ owner: 'o' })
    await registry.revoke(revoked.keyid)
    // The verifier's hooks: called after the decision, never awaited.
    const verify = async (k: typeof good): Promise<string> => {
      const outcome = await roundTrip(registry, await signerOf(k), c.t)
      expect(() => registry.recordUsage({ keyid: k.keyid, time: Date.now(), ...(outcome === 'ok' ? {} : { code: outcome }) })).not.toThrow()
      return outcome
    }
    for (let i = 0; i < 5; i++) {
      expect(await verify(good)).toBe('ok')
      expect(await verify(revoked)).toBe('ERR_KEY_REVOKED')
    }
    await new Promise((r) => setTimeout(r, 50))
    await registry.flushUsage()
    expect(await store.getUsage(good.keyid)).toBeUndefined()
    failing = false
    await registry.flushUsage()
    expect((await registry.usage(good.keyid)).requests).toBe(5)
    expect((await registry.usage(revoked.keyid)).rejections).toEqual({ ERR_KEY_REVOKED: 5 })
    await registry.close()
  })

  it('record() never throws, whatever it is given', () => {
    const recorder = new UsageRecorder(async () => undefined)
    for (const bad of [undefined, null, 7, 'x', {}, { keyid: 5 }, { keyid: generateKeyId(), time: NaN }, { keyid: generateKeyId(), time: 0, code: {} }]) {
      expect(() => recorder.record(bad as never)).not.toThrow()
    }
    void recorder.close()
  })
})
