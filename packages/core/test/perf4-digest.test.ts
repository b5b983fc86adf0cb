/**
 * The native digest fast paths: the digest as base64 text straight from node:crypto when making
 * a digest field, and the single-member field compared as text in constant time when checking
 * one. Checked against node:crypto's own createHash for random bodies (sha-256 and sha-512), with
 * every one-bit change of the digest or the body refused with the same coded error as before,
 * and with the pure backend (no native encoder) giving the same fields.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { digestBase64Direct } from '../src/backends/registry.ts'
import { nativeBackend } from '../src/backends/native.ts'
import { createContentDigest, createReprDigest, verifyContentDigest, verifyReprDigest, type DigestAlgorithm } from '../src/digest.ts'
import { registerBackend, unregisterBackend } from '../src/backends/registry.ts'
import { pureBackend } from '../src/entries/pure.ts'

const algs: readonly DigestAlgorithm[] = ['sha-256', 'sha-512']
const nodeName = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const
const reference = (alg: DigestAlgorithm, body: Uint8Array): string => createHash(nodeName[alg]).update(body).digest('base64')

/** The field with one bit of the decoded digest flipped, re-encoded canonically. */
function flipDigestBit(alg: DigestAlgorithm, body: Uint8Array, bit: number): string {
  const bytes = createHash(nodeName[alg]).update(body).digest()
  bytes[(bit >> 3) % bytes.length] ^= 1 << (bit & 7)
  return `${alg}=:${bytes.toString('base64')}:`
}

const bodyArb = fc.uint8Array({ minLength: 0, maxLength: 600 })

describe('digest as base64 text (native)', () => {
  it('nativeBackend.digestBase64 equals createHash for random bodies', () => {
    fc.assert(
      fc.property(bodyArb, (body) => {
        for (const alg of algs) {
          expect(nativeBackend.digestBase64(alg, body)).toBe(reference(alg, body))
          expect(digestBase64Direct(alg, body)).toBe(reference(alg, body))
        }
      }),
      { numRuns: 200 },
    )
  })

  it('createContentDigest / createReprDigest give the reference field values', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, async (body) => {
        expect(await createContentDigest(body)).toBe(`sha-256=:${reference('sha-256', body)}:`)
        expect(await createReprDigest(body, ['sha-512'])).toBe(`sha-512=:${reference('sha-512', body)}:`)
        expect(await createContentDigest(body, ['sha-512', 'sha-256'])).toBe(`sha-512=:${reference('sha-512', body)}:, sha-256=:${reference('sha-256', body)}:`)
      }),
      { numRuns: 100 },
    )
  })

  it('verifies the reference single-member fields, and refuses any one-bit change of digest or body', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, fc.nat(), async (body, bit) => {
        for (const alg of algs) {
          const field = `${alg}=:${reference(alg, body)}:`
          await expect(verifyContentDigest(field, body)).resolves.toBeUndefined()
          await expect(verifyReprDigest(field, body)).resolves.toBeUndefined()
          await expect(verifyContentDigest(flipDigestBit(alg, body, bit), body)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
          if (body.length > 0) {
            const changed = body.slice()
            changed[(bit >> 3) % changed.length] ^= 1 << (bit & 7)
            await expect(verifyContentDigest(field, changed)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
          }
        }
      }),
      { numRuns: 100 },
    )
  })

  it('keeps strict parsing for fields of the fast-path length that are not the digest', async () => {
    const body = new TextEncoder().encode('{"hello": "world"}')
    const good = reference('sha-256', body)
    // Same length, not base64: malformed, as before.
    await expect(verifyContentDigest(`sha-256=:${'!'.repeat(44)}:`, body)).rejects.toMatchObject({ code: 'ERR_MALFORMED_FIELD' })
    // A different algorithm name of the same shape is not a supported member.
    await expect(verifyContentDigest(`sha-999=:${good}:`, body)).rejects.toMatchObject({ code: 'ERR_DIGEST_UNSUPPORTED' })
    // Surrounding whitespace goes through the parser and still verifies.
    await expect(verifyContentDigest(` sha-256=:${good}:`, body)).resolves.toBeUndefined()
    // A truncated digest (one base64 quantum short) is a mismatch.
    await expect(verifyContentDigest(`sha-256=:${good.slice(4)}:`, body)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
  })
})

describe('digest as base64 text through a registered backend', () => {
  afterEach(() => unregisterBackend('native'))

  it('a registered backend named native is used through its digest, giving the same fields', async () => {
    registerBackend({ ...pureBackend, name: 'native' })
    await fc.assert(
      fc.asyncProperty(bodyArb, async (body) => {
        for (const alg of algs) {
          const field = await createContentDigest(body, [alg])
          expect(field).toBe(`${alg}=:${reference(alg, body)}:`)
          await expect(verifyContentDigest(field, body)).resolves.toBeUndefined()
          await expect(verifyContentDigest(flipDigestBit(alg, body, 3), body)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
        }
      }),
      { numRuns: 30 },
    )
  })
})

describe('verifyMessage component-list and requirement caches', () => {
  it('alternating lists that share a prefix never borrow each other\'s components or requirement results', async () => {
    const { importKey, signMessage, verifyMessage } = await import('../src/entries/index.ts')
    const key = await importKey({ kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url') }, { alg: 'hmac-sha256', kid: 'k' })
    const base = {
      kind: 'request' as const,
      method: 'GET',
      scheme: 'https',
      authority: 'example.com',
      target: '/a?b=1',
      fields: [{ name: 'host', value: 'example.com' }, { name: 'x-a', value: '1' }],
      trailers: [],
      body: undefined,
    }
    const lists = [['@method'], ['@method', '@path'], ['@method', '@path', 'x-a'], ['@method', 'x-a']]
    const signed = await Promise.all(
      lists.map(async (components) => {
        const r = await signMessage(base, { key, components, created: 1_700_000_000, keyid: 'k' })
        return { ...base, fields: [...base.fields, { name: 'signature-input', value: r.signatureInput }, { name: 'signature', value: r.signature }] }
      }),
    )
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < lists.length; i++) {
        for (let j = 0; j < lists.length; j++) {
          const required = lists[j] as string[]
          const covers = required.every((c) => (lists[i] as string[]).includes(c))
          const run = verifyMessage(signed[i] as typeof base, { key, now: () => 1_700_000_001, requiredComponents: required })
          if (covers) {
            const [v] = await run
            expect(v?.components).toEqual((lists[i] as string[]).map((c) => `"${c}"`))
          } else {
            await expect(run).rejects.toMatchObject({ code: 'ERR_REQUIRED_COMPONENT' })
          }
        }
      }
    }
  })
})
