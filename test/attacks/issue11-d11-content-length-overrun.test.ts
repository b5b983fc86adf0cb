/**
 * Issue 11, defect 11: a body streamed past its declared `Content-Length`. On the fetch path a
 * `Request` may declare `Content-Length: 7` and stream 64 MiB; the verifier must stop at the
 * smaller of the declared length and the limit (`ERR_BODY_TOO_LARGE`, 413), not read to the end
 * first. The fetch handler (Workers, Deno, Bun), Hono, and `verify(request)` itself are the
 * fetch-path targets. The Node targets (Node http, Express, `signet serve`) are not: Node's HTTP
 * parser frames a request by its Content-Length and refuses the bytes after it as a malformed
 * next request (400, connection closed) before any adapter reads them.
 */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { generateKey } from '@signet/core'
import { createVerifier, withSignet } from '@signet/server'
import { signetHono } from '@signet/server/hono'

const MIB = 1024 * 1024

/** 64 MiB in 64 KiB chunks, counting what the reader pulled. */
function overrun(): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0
  const chunk = new Uint8Array(64 * 1024).fill(0x61)
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 64 * MIB) return controller.close()
      sent += chunk.length
      controller.enqueue(chunk.slice())
    },
  })
  return { stream, pulled: () => sent }
}

const lying = (stream: ReadableStream<Uint8Array>): Request =>
  new Request('http://attack.test/upload', { method: 'POST', headers: { 'content-length': '7', 'content-type': 'text/plain' }, body: stream, duplex: 'half' } as RequestInit)

describe('issue 11 defect 11: a body streamed past its declared Content-Length', async () => {
  const key = await generateKey('hmac-sha256', { kid: 'k-overrun' })
  const verifier = createVerifier({ keys: [{ id: 'k-overrun', key }], nonces: false })
  const reached: string[] = []

  it('verify(request): ERR_BODY_TOO_LARGE after at most a few chunks, not 64 MiB', async () => {
    const { stream, pulled } = overrun()
    await expect(verifier.verify(lying(stream))).rejects.toMatchObject({ code: 'ERR_BODY_TOO_LARGE' })
    expect(pulled()).toBeLessThanOrEqual(256 * 1024)
  })

  it('fetch handler (withSignet): 413 ERR_BODY_TOO_LARGE, the handler never runs', async () => {
    const handler = withSignet(verifier, () => (reached.push('fetch'), new Response('reached')))
    const { stream, pulled } = overrun()
    const response = await handler(lying(stream))
    expect(response.status).toBe(413)
    expect((await response.json()).code).toBe('ERR_BODY_TOO_LARGE')
    expect(pulled()).toBeLessThanOrEqual(256 * 1024)
    expect(reached).not.toContain('fetch')
  })

  it('Hono middleware: 413 ERR_BODY_TOO_LARGE, the route never runs', async () => {
    const app = new Hono()
    app.use('*', signetHono(verifier))
    app.all('*', (c) => (reached.push('hono'), c.text('reached')))
    const { stream, pulled } = overrun()
    const response = await app.fetch(lying(stream))
    expect(response.status).toBe(413)
    expect((await response.json()).code).toBe('ERR_BODY_TOO_LARGE')
    expect(pulled()).toBeLessThanOrEqual(256 * 1024)
    expect(reached).not.toContain('hono')
  })
})
