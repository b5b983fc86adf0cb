/**
 * The verify hot path keeps a few one-entry memos between calls: the last inner list the
 * Signature-Input scan read, the last prepared component list, the last member checked for ASCII.
 * Each is sound only if "the same text means the same components". This property test verifies
 * many messages one after another, with component lists alternating at random, and checks that
 * every genuine signature verifies with exactly its own components, and that a signature moved
 * onto a message signed over another list (or with its Signature-Input swapped) never does.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { importKey, signMessage, verifyMessage } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'

const LISTS: readonly (readonly string[])[] = [
  ['@method', '@target-uri'],
  ['@method', '@authority', '@path'],
  ['@method', '@target-uri', 'content-type'],
  ['@authority', '@method'],
  ['"@query-param";name="id"', '@method'],
  [],
]

function message(i: number): HttpRequestMessage {
  return {
    kind: 'request',
    method: i % 2 === 0 ? 'GET' : 'DELETE',
    scheme: 'https',
    authority: `api${i % 3}.example`,
    target: `/orders/${i}?id=${i}`,
    fields: [
      { name: 'host', value: `api${i % 3}.example` },
      { name: 'content-type', value: 'application/json' },
    ],
    trailers: [],
    body: undefined,
  }
}

function withSignature(m: HttpRequestMessage, input: string, signature: string): HttpRequestMessage {
  return { ...m, fields: [...m.fields, { name: 'signature-input', value: input }, { name: 'signature', value: signature }] }
}

const serialized = (list: readonly string[]): string[] =>
  list.map((c) => (c.startsWith('"') ? c : `"${c}"`))

describe('verify memos across calls', () => {
  it('alternating component lists: genuine signatures verify with their own components, swapped ones never', async () => {
    const key = await importKey({ kty: 'oct', k: 'c2lnbmV0LXByb3BlcnR5LXRlc3Qtc2VjcmV0LW9mLTMyLWJ5dGVz', kid: 'k' })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ list: fc.nat(LISTS.length - 1), msg: fc.nat(20) }), { minLength: 2, maxLength: 12 }),
        async (steps) => {
          const signed = []
          for (const step of steps) {
            const m = message(step.msg)
            const components = LISTS[step.list] as readonly string[]
            // The same parameters for all, so two Signature-Inputs differ only in their lists and a
            // crossed pair fails only if the components are really taken from the text.
            const r = await signMessage(m, { key, components: [...components], created: 1000, nonce: 'n' })
            signed.push({ m, components, input: r.signatureInput, signature: r.signature })
          }
          // Genuine: each verifies and reports its own list, in the order they were signed.
          for (const s of signed) {
            const [v] = await verifyMessage(withSignature(s.m, s.input, s.signature), { key, now: () => 2000 })
            expect(v?.components).toEqual(serialized(s.components))
          }
          // Crossed: the signature of one with the Signature-Input of another (a different list
          // or message), verified right after the genuine one primed every memo.
          for (let i = 1; i < signed.length; i++) {
            const a = signed[i - 1]!
            const b = signed[i]!
            if (a.input === b.input) continue
            await verifyMessage(withSignature(a.m, a.input, a.signature), { key, now: () => 2000 })
            const crossed = withSignature(a.m, b.input, a.signature)
            await expect(verifyMessage(crossed, { key, now: () => 2000 })).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
