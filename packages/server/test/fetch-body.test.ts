/**
 * `verify()` on a Fetch `Request` (issue 10 item 5; issue 11 defect 11): the body is read once,
 * from the request's own stream (no clone, no tee), never past the smaller of the declared
 * Content-Length and the limit; the identity carries the bytes read, and the fetch adapter
 * hands its handler a request whose body is those bytes.
 */
import { hasErrorCode } from '@signet/core'
import { describe, expect, it } from 'vitest'
import { createSigner } from '../../client/src/index.ts'
import { createVerifier } from '../src/verifier.ts'
import { withSignet } from '../src/adapters/fetch.ts'
import { hmacKey } from './helpers.ts'

const MIB = 1024 * 1024

/** A stream of `total` bytes in 64 KiB chunks, counting what the reader pulled. */
function countingStream(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0
  const chunk = new Uint8Array(64 * 1024).fill(0x61)
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close()
      const n = Math.min(chunk.length, total - sent)
      sent += n
      controller.enqueue(chunk.slice(0, n))
    },
  })
  return { stream, pulled: () => sent }
}

async function setup(): Promise<{ verifier: ReturnType<typeof createVerifier>; signer: ReturnType<typeof createSigner> }> {
  const { key, jwk } = await hmacKey('k-body')
  const verifier = createVerifier({ keys: [{ id: 'k-body', key }], nonces: false })
  return { verifier, signer: createSigner({ key: jwk, keyId: 'k-body' }) }
}

describe('verify(request) reads the body once', () => {
  it('a declared Content-Length of 7 streaming 64 MiB stops near 7 bytes: ERR_BODY_TOO_LARGE', async () => {
    const { verifier } = await setup()
    const { stream, pulled } = countingStream(64 * MIB)
    const request = new Request('https://api.test/upload', { method: 'POST', headers: { 'content-length': '7' }, body: stream, duplex: 'half' } as RequestInit)
    const error = await verifier.verify(request).catch((e: unknown) => e)
    expect(hasErrorCode(error, 'ERR_BODY_TOO_LARGE')).toBe(true)
    // One chunk past the declared length is enough to know; a read to the end is 64 MiB.
    expect(pulled()).toBeLessThanOrEqual(256 * 1024)
  })

  it('an undeclared stream stops at the limit', async () => {
    const { verifier } = await setup()
    const { stream, pulled } = countingStream(64 * MIB)
    const request = new Request('https://api.test/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit)
    const error = await verifier.verify(request).catch((e: unknown) => e)
    expect(hasErrorCode(error, 'ERR_BODY_TOO_LARGE')).toBe(true)
    expect(pulled()).toBeLessThanOrEqual(verifier.limits.maxBodyBytes + 256 * 1024)
  })

  it('no clone or tee; the identity carries the bytes read', async () => {
    const { verifier, signer } = await setup()
    const signed = await signer.sign(new Request('https://api.test/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' }))
    const clone = Request.prototype.clone
    let clones = 0
    Request.prototype.clone = function (this: Request): Request {
      clones++
      return clone.call(this)
    }
    try {
      const identity = await verifier.verify(signed)
      expect(new TextDecoder().decode(identity.body)).toBe('{"n":1}')
    } finally {
      Request.prototype.clone = clone
    }
    expect(clones).toBe(0)
  })

  it('withSignet hands the handler a request whose body is the bytes verified', async () => {
    const { verifier, signer } = await setup()
    const handler = withSignet(verifier, async (request, identity) => Response.json({ text: await request.text(), same: identity.body !== undefined }))
    const signed = await signer.sign(new Request('https://api.test/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":2}' }))
    const response = await handler(signed)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ text: '{"n":2}', same: true })
  })
})
