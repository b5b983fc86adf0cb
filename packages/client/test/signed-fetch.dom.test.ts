/**
 * signedFetch over an in-memory fetch, so the same checks run with Node's Fetch classes and
 * with happy-dom's: redirects re-signed on the origin and stripped off it, clock offset learned,
 * Accept-Signature met, bad input refused before the fetch is called.
 */
import { describe, expect, it } from 'vitest'
import { createSigner, signedFetch } from '../src/index.ts'

const hmacJwk = { kty: 'oct', kid: 'dom-test', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlr_uZw' }

interface Sent {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: string
}

function recorder(answer: (sent: Sent, index: number) => Response) {
  const sent: Sent[] = []
  const fetch = async (request: Request): Promise<Response> => {
    expect(request.redirect).toBe('manual')
    const record = { url: request.url, method: request.method, headers: new Headers(request.headers), body: await request.text() }
    sent.push(record)
    return answer(record, sent.length - 1)
  }
  return { sent, fetch }
}

const redirect = (location: string, status = 307): Response => new Response(null, { status, headers: { location } })

describe('signedFetch with an in-memory fetch', () => {
  it('re-signs a same-origin redirect and strips a cross-origin one', async () => {
    const { sent, fetch } = recorder((s) =>
      s.url.endsWith('/a') ? redirect('/b') : s.url.endsWith('/b') ? redirect('https://other.example/c') : new Response('done'),
    )
    const response = await signedFetch(createSigner({ key: hmacJwk }), { fetch })('https://api.example/a', {
      method: 'POST',
      body: 'payload',
      headers: { authorization: 'Bearer x' },
    })
    expect(await response.text()).toBe('done')
    expect(sent.map((s) => s.url)).toEqual(['https://api.example/a', 'https://api.example/b', 'https://other.example/c'])
    expect(sent.map((s) => s.body)).toEqual(['payload', 'payload', 'payload'])
    expect(sent[0]!.headers.get('signature')).not.toBeNull()
    expect(sent[1]!.headers.get('signature')).not.toBeNull()
    expect(sent[1]!.headers.get('signature')).not.toBe(sent[0]!.headers.get('signature'))
    expect(sent[2]!.headers.get('signature')).toBeNull()
    expect(sent[2]!.headers.get('signature-input')).toBeNull()
    expect(sent[2]!.headers.get('authorization')).toBeNull()
  })

  it('learns the clock offset from a clock-skew 401 and retries once', async () => {
    const serverDate = new Date(Date.now() + 86_400_000)
    const { sent, fetch } = recorder((_s, i) =>
      i === 0
        ? new Response('{"code":"ERR_CREATED_IN_FUTURE"}', { status: 401, headers: { 'content-type': 'application/problem+json', date: serverDate.toUTCString() } })
        : new Response('ok'),
    )
    const signer = createSigner({ key: hmacJwk })
    expect((await signedFetch(signer, { fetch })('https://api.example/t')).status).toBe(200)
    expect(sent).toHaveLength(2)
    expect(Math.abs(signer.clockOffsetSeconds - 86_400)).toBeLessThanOrEqual(2)
  })

  it('meets Accept-Signature once', async () => {
    const { sent, fetch } = recorder((s) =>
      s.headers.get('signature-input')?.startsWith('x=') === true
        ? new Response('ok')
        : new Response(null, { status: 401, headers: { 'accept-signature': 'x=("@method" "@path");nonce;tag="t"' } }),
    )
    expect((await signedFetch(createSigner({ key: hmacJwk }), { fetch })('https://api.example/p')).status).toBe(200)
    expect(sent).toHaveLength(2)
    expect(sent[1]!.headers.get('signature-input')).toMatch(/^x=\("@method" "@path"\);created=\d+;nonce="[^"]+";keyid="dom-test";tag="t"$/)
  })

  it('bad input is refused before the fetch is called', async () => {
    const { sent, fetch } = recorder(() => new Response('ok'))
    const small = signedFetch(createSigner({ key: hmacJwk, maxBodyBytes: 2 }), { fetch })
    await expect(small('https://api.example/x', { method: 'POST', body: 'abc' })).rejects.toMatchObject({ code: 'ERR_BODY_TOO_LARGE' })
    const missing = signedFetch(createSigner({ key: hmacJwk, components: ['@method', 'x-absent'] }), { fetch })
    await expect(missing('https://api.example/x')).rejects.toMatchObject({ code: 'ERR_MISSING_COMPONENT' })
    expect(sent).toHaveLength(0)
  })
})
