/**
 * Issue 11, defect 5: one key holder flooding the default MemoryNonceStore must not lock other
 * keys out. Per-owner quotas, a bounded key length, no live nonce evicted, replays still caught.
 */
import { describe, expect, it } from 'vitest'
import { hasErrorCode } from '@signet/core'
import { createVerifier } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import { NOW_MS, hmacKey, record, requestMessage, sign } from './helpers.ts'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('defect 5: nonce flooding', () => {
  it('the default store: 40k 200-character nonces from one key leave every other key served', () => {
    const now = 1_000_000
    const store = new MemoryNonceStore({ now: () => now })
    const pad = 'n'.repeat(200)
    let refusedAt = -1
    for (let i = 0; i < 40_000; i++) {
      const error = thrown(() => store.record(`flooder\u0000${pad}${i}`, 330_000, 'flooder'))
      if (error !== undefined) {
        expect(hasErrorCode(error, 'ERR_RATE_LIMITED')).toBe(true)
        refusedAt = i
        break
      }
    }
    // The flooder hit its own quota (before the fix the store filled up for everyone, ~34k).
    expect(refusedAt).toBeGreaterThan(0)
    expect(hasErrorCode(thrown(() => store.record(`flooder\u0000${pad}fresh`, 330_000, 'flooder')), 'ERR_RATE_LIMITED')).toBe(true)
    // Every other key still records.
    for (let k = 0; k < 5; k++) expect(store.record(`other-${k}\u0000abc`, 330_000, `other-${k}`)).toBe(true)
    // The flooder's own replays are still replays, not evicted nonces and not 429s.
    expect(store.record(`flooder\u0000${pad}0`, 330_000, 'flooder')).toBe(false)
    expect(store.record(`flooder\u0000${pad}${refusedAt - 1}`, 330_000, 'flooder')).toBe(false)
  })

  it('a quota frees as its entries expire; accounting follows expiry and clear()', () => {
    let now = 0
    const store = new MemoryNonceStore({ maxEntriesPerOwner: 2, now: () => now })
    expect(store.record('a\u00001', 5000, 'a')).toBe(true)
    expect(store.record('a\u00002', 100, 'a')).toBe(true)
    expect(hasErrorCode(thrown(() => store.record('a\u00003', 100, 'a')), 'ERR_RATE_LIMITED')).toBe(true)
    expect(store.record('b\u00001', 100, 'b')).toBe(true)
    now = 2000
    // The first entry expired behind a longer-lived one: the full sweep finds it.
    expect(store.record('a\u00003', 100, 'a')).toBe(true)
    expect(store.entriesOf('a')).toBe(2)
    expect(store.record('a\u00001', 100, 'a')).toBe(false)
    store.clear()
    expect(store.entriesOf('a')).toBe(0)
  })

  it('bounds the key length', () => {
    const store = new MemoryNonceStore({ maxKeyLength: 64 })
    expect(store.record(`k\u0000${'x'.repeat(62)}`, 1000, 'k')).toBe(true)
    expect(hasErrorCode(thrown(() => store.record(`k\u0000${'x'.repeat(63)}`, 1000, 'k')), 'ERR_INVALID_PARAMETER')).toBe(true)
    expect(() => new MemoryNonceStore({ maxEntriesPerOwner: 0 })).toThrow(RangeError)
    expect(() => new MemoryNonceStore({ maxKeyLength: -1 })).toThrow(RangeError)
  })

  it('through a verifier: the flooding key gets 429 (ERR_RATE_LIMITED), another key does not, a replay stays ERR_NONCE_REPLAYED', async () => {
    const a = await hmacKey('k-flood')
    const b = await hmacKey('k-other')
    const nonces = new MemoryNonceStore({ maxEntriesPerOwner: 3, now: () => NOW_MS })
    const verifier = createVerifier({ keys: [record('k-flood', a.key), record('k-other', b.key)], nonces, clock: () => NOW_MS })
    const signed = []
    for (let i = 0; i < 4; i++) signed.push(await sign(await requestMessage(), a.key))
    for (let i = 0; i < 3; i++) await expect(verifier.verify(signed[i]!)).resolves.toMatchObject({ keyid: 'k-flood' })
    await expect(verifier.verify(signed[3]!)).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' })
    await expect(verifier.verify(signed[0]!)).rejects.toMatchObject({ code: 'ERR_NONCE_REPLAYED' })
    await expect(verifier.verify(await sign(await requestMessage(), b.key))).resolves.toMatchObject({ keyid: 'k-other' })
  })
})
