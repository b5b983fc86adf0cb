/**
 * Issue 11, defect 5: one key holder floods the default nonce store to lock every other key
 * out. With per-key quotas (`maxEntriesPerOwner` / `signet serve --nonce-quota`, set to 200
 * here so the flood stays small; the default store's own numbers are tested in
 * packages/server/test/nonce-flood.test.ts), the flooding key gets 429 once its share is full,
 * other keys are still served, and its own captured requests are still replays. The same signed
 * flood goes to every target (each has its own store), pipelined on one connection for the
 * socket targets.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { HttpRequestMessage } from '@signet/core'
import { TARGETS, attackHarness, signed } from './harness.ts'

const QUOTA = 200
const h = attackHarness({ nonceQuota: QUOTA })
let flood: HttpRequestMessage[]

beforeAll(async () => {
  flood = []
  for (let i = 0; i < QUOTA; i++) flood.push(await signed(h.keys.other, { params: { nonce: `flood-${i}-${'n'.repeat(200)}` } }))
})

describe('issue 11 defect 5: nonce flooding', () => {
  it.each(TARGETS)('%s: past its quota the flooding key gets 429 ERR_RATE_LIMITED, another key is served, a replay stays ERR_NONCE_REPLAYED', async (target) => {
    const outcomes = await h.sendMany(target, flood)
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(QUOTA)
    expect(await h.send(target, await signed(h.keys.other))).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED' })
    expect(await h.send(target, await signed(h.keys.hmac))).toMatchObject({ status: 200, keyid: 'k-hmac' })
    expect(await h.send(target, flood[0]!)).toMatchObject({ status: 401, code: 'ERR_NONCE_REPLAYED' })
  })
})
