/**
 * The native HMAC fast paths (tag as base64 text on signing, as latin-1 text compared in
 * constant time on verifying) against WebCrypto and node:crypto itself: the same
 * Signature member for any base and key, and every tampered, truncated or extended tag refused.
 */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { importKey, signBytes, signMessage, utf8, verifyBytes, verifyMessage, type HttpMessage, type SignetKey } from '../src/entries/index.ts'

function request(target: string, extra: readonly { name: string; value: string }[] = []): HttpMessage {
  return {
    kind: 'request',
    method: 'POST',
    scheme: 'https',
    authority: 'example.com',
    target,
    fields: [{ name: 'host', value: 'example.com' }, ...extra],
    trailers: [],
    body: undefined,
  }
}

async function hmacKey(secret: Uint8Array): Promise<SignetKey> {
  return importKey({ kty: 'oct', k: Buffer.from(secret).toString('base64url') }, { alg: 'hmac-sha256', kid: 'k' })
}

const targetArb = fc.stringMatching(/^\/[a-zA-Z0-9._~%!$&'()*+,;=:@/-]{0,60}$/)

describe('native HMAC over text', () => {
  it('signs exactly what node:crypto and the webcrypto backend sign', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 80 }), targetArb, fc.integer({ min: 0, max: 2 ** 40 }), async (secret, target, created) => {
        const key = await hmacKey(secret)
        const native = await signMessage(request(target), { key, created })
        const pure = await signMessage(request(target), { key, created, backend: 'webcrypto' })
        expect(native.signature).toBe(pure.signature)
        const expected = createHmac('sha256', secret).update(native.base).digest('base64')
        expect(native.signature).toBe(`sig1=:${expected}:`)
        expect(native.signatureInput).toBe(pure.signatureInput)
      }),
      { numRuns: 100 },
    )
  })

  it('keys longer than a block and bases on both sides of the padded buffer agree with node:crypto', async () => {
    // The native backend computes HMAC as two one-shot hashes over padded key blocks (RFC 2104)
    // for a base of up to 2048 bytes, and falls back to createHmac beyond: both paths, and keys
    // that RFC 2104 hashes first (over 64 bytes for SHA-256), must give node:crypto's tag.
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 200 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.constantFrom('a', 'Z', '~', '0'),
        async (secret, padding, ch) => {
          const key = await hmacKey(secret)
          const message = request('/p', [{ name: 'x-pad', value: ch.repeat(padding) }])
          const signed = await signMessage(message, { key, created: 1, components: ['@method', '"x-pad"'] })
          const expected = createHmac('sha256', secret).update(signed.base).digest('base64')
          expect(signed.signature).toBe(`sig1=:${expected}:`)
          const verified = await verifyMessage({ ...message, fields: [...message.fields, { name: 'signature-input', value: signed.signatureInput }, { name: 'signature', value: signed.signature }] }, { key, now: () => 2 })
          expect(verified.length).toBe(1)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('verifies its own signatures and refuses every single-bit change of the tag', async () => {
    const key = await hmacKey(new Uint8Array(32).fill(7))
    const message = request('/a?b=c')
    const signed = await signMessage(message, { key, created: 1_700_000_000 })
    const tag = Buffer.from(signed.signature.slice(6, -1), 'base64')
    const withSig = (t: Uint8Array): HttpMessage => ({
      ...message,
      fields: [...message.fields, { name: 'signature-input', value: signed.signatureInput }, { name: 'signature', value: `sig1=:${Buffer.from(t).toString('base64')}:` }],
    })
    const options = { key, now: () => 1_700_000_001 }
    await expect(verifyMessage(withSig(tag), options)).resolves.toHaveLength(1)
    for (let bit = 0; bit < tag.length * 8; bit++) {
      const bad = Uint8Array.from(tag)
      bad[bit >> 3] ^= 1 << (bit & 7)
      await expect(verifyMessage(withSig(bad), options)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
    }
    // Truncated, extended, empty, and bytes at or above 0x80 (latin-1 characters past ASCII).
    for (const bad of [tag.subarray(0, 31), Buffer.concat([tag, Buffer.from([0])]), new Uint8Array(0), new Uint8Array(32).fill(0xff), new Uint8Array(32)]) {
      await expect(verifyMessage(withSig(bad), options)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
    }
  })

  it('agrees with the webcrypto backend on random tags and on the right one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 64 }), fc.string({ maxLength: 100 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (secret, text, random) => {
        const key = await hmacKey(secret)
        const data = utf8(text)
        const right = await signBytes(key, data, { backend: 'webcrypto' })
        expect(await verifyBytes(key, data, right)).toBe(true)
        expect(await verifyBytes(key, data, random)).toBe(await verifyBytes(key, data, random, { backend: 'webcrypto' }))
      }),
      { numRuns: 100 },
    )
  })
})
