import { describe, expect, it } from 'vitest'
import { importKey, parseHttpMessage, signMessage } from '@signet/core'
import type { HttpMessage, SignetKey } from '@signet/core'
import { MemoryStore, UsageRecorder, generateKeyId, generateMasterKey, openRegistry } from '@signet/registry'
import type { UsageDelta } from '@signet/registry'
import { createVerifier } from '@signet/server'
import type { Verifier } from '@signet/server'
import { clock, signerOf } from './helpers.ts'

/** A request signed with `key` at `now`, as a verifier receives it. */
async function signed(key: SignetKey, now: number): Promise<HttpMessage> {
  const raw = 'GET /orders?id=7 HTTP/1.1\r\nHost: api.example\r\n'
  const result = await signMessage(parseHttpMessage(`${raw}\r\n`), { key, created: now })
  return parseHttpMessage(`${raw}Signature-Input: ${result.signatureInput}\r\nSignature: ${result.signature}\r\n\r\n`)
}

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
    let failures = 0
    const real = store.addUsage.bind(store)
    // Throws synchronously, not even a rejected promise: the worst a broken store can do.
    store.addUsage = (d) => {
      if (failing) {
        failures++
        throw new Error('disk full')
      }
      return real(d)
    }
    const c = clock()
    // A flush after every event, so the store fails while requests are being verified.
    const registry = await openRegistry({ store, masterKey: generateMasterKey(), now: c.now, usage: { flushIntervalMs: 10, maxPendingEvents: 1 } })
    const good = await registry.create({ owner: 'o', scopes: ['s'] })
    const revoked = await registry.create({ owner: 'o' })
    await registry.revoke(revoked.keyid)
    const common = { keys: registry.resolver(), nonces: false as const, clock: () => c.t * 1000, policy: { requiredComponents: ['@method'] } }
    // The same verifier twice: without usage hooks, and with the registry's recorder on both.
    const plain = createVerifier(common)
    const recording = createVerifier({ ...common, onVerified: (e) => registry.recordUsage(e), onRejected: (e) => registry.recordUsage(e) })
    const outcome = async (verifier: Verifier, message: HttpMessage): Promise<unknown> => {
      try {
        return { ok: await verifier.verify(message, { clientIp: '192.0.2.7' }) }
      } catch (err) {
        return { code: (err as { code?: string }).code ?? String(err) }
      }
    }
    const forged = await importKey({ ...(good.jwk as JsonWebKey), kid: revoked.keyid }) // good's secret, revoked's id
    const requests = [
      await signed(await signerOf(good), c.t),
      await signed(await signerOf(revoked), c.t),
      await signed(await importKey({ ...(good.jwk as JsonWebKey), kid: generateKeyId() }), c.t),
      await signed(forged, c.t),
    ]
    const expected = ['ok', 'ERR_KEY_REVOKED', 'ERR_KEY_NOT_FOUND', 'ERR_KEY_REVOKED']
    for (let round = 0; round < 5; round++) {
      for (const [i, message] of requests.entries()) {
        const want = await outcome(plain, message)
        const got = await outcome(recording, message)
        expect(got).toEqual(want)
        expect('ok' in (got as object) ? 'ok' : (got as { code: string }).code).toBe(expected[i])
        await new Promise((r) => setTimeout(r, 0)) // let the hooks and their flush run
      }
    }
    await registry.flushUsage()
    expect(failures).toBeGreaterThan(0) // the store really failed while requests were verified
    expect(await store.getUsage(good.keyid)).toBeUndefined()
    failing = false
    await registry.flushUsage()
    expect(await registry.usage(good.keyid)).toMatchObject({ requests: 5, lastIp: '192.0.2.7' })
    expect((await registry.usage(revoked.keyid)).rejections).toEqual({ ERR_KEY_REVOKED: 10 })
    await registry.close()
  })

  it('a sink that throws synchronously is a failed flush, not a stuck recorder', async () => {
    const batches: UsageDelta[][] = []
    let failing = true
    const recorder = new UsageRecorder((d) => {
      if (failing) throw new Error('not even a promise')
      batches.push(d)
      return Promise.resolve()
    }, { flushIntervalMs: 60_000 })
    const id = generateKeyId()
    recorder.record({ keyid: id, time: Date.now() })
    await recorder.flush()
    expect(recorder.failedFlushes).toBe(1)
    recorder.record({ keyid: id, time: Date.now() })
    failing = false
    // Before the fix this flush chained itself forever on the settled failed attempt.
    await recorder.flush()
    expect(batches.length).toBe(1)
    expect(batches[0]?.[0]?.requests).toBe(2) // the failed batch was kept and written with the next
    await recorder.close()
  })

  it('record() never throws, whatever it is given', () => {
    const recorder = new UsageRecorder(async () => undefined)
    for (const bad of [undefined, null, 7, 'x', {}, { keyid: 5 }, { keyid: generateKeyId(), time: NaN }, { keyid: generateKeyId(), time: 0, code: {} }]) {
      expect(() => recorder.record(bad as never)).not.toThrow()
    }
    void recorder.close()
  })
})
