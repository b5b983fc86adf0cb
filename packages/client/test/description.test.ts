/**
 * The description path of `sign()` (issue 10 item 1), for the full signer and the lean one:
 * a plain `{ method, url, headers, body }` in, a plain object out, never a Fetch `Request`,
 * never a clone, the input untouched; the result verifies, and matches what the Request path
 * signs for the same request.
 */
import { describedMessage, fieldsOf, hasErrorCode, importKey, verifyMessage, verifyMessageDigest } from '@signet/core'
import type { DescriptionHeaders, SignetKey } from '@signet/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createSigner } from '../src/index.ts'
import { createSigner as createLeanSigner } from '../src/sign.ts'
import { ed25519Jwk, hmacJwk, publicJwk } from './keys.ts'

const URL_ = 'https://api.example/orders?id=7'
const BODY = '{"amount":42}'

async function verifies(method: string, url: string, headers: DescriptionHeaders, body: string | Uint8Array | undefined, key: SignetKey): Promise<string[]> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  const message = describedMessage(method, url, fieldsOf(headers), bytes)
  const [verified] = await verifyMessage(message, { key, label: 'sig1' })
  if (verified?.components.includes('"content-digest"') === true) await verifyMessageDigest(message)
  return verified?.components ?? []
}

const realRequest = globalThis.Request
afterEach(() => {
  globalThis.Request = realRequest
})
/** Make any construction or clone of a Fetch Request fail the test. */
function forbidRequests(): void {
  globalThis.Request = new Proxy(realRequest, {
    construct(): never {
      throw new Error('a Request was constructed on the description path')
    },
  })
  const clone = realRequest.prototype.clone
  realRequest.prototype.clone = function (): never {
    realRequest.prototype.clone = clone
    throw new Error('a Request was cloned on the description path')
  }
}

const signers = [
  ['createSigner', (options: { key: JsonWebKey; keyId?: string }) => createSigner(options)],
  ['lean createSigner', (options: { key: JsonWebKey; keyId?: string }) => createLeanSigner(options)],
] as const

for (const [name, make] of signers) {
  describe(`${name}: sign(description)`, () => {
    it('a frozen record in, a new plain record out; no Request built or cloned; it verifies', async () => {
      const signer = make({ key: hmacJwk, keyId: 'client-1' })
      const headers = Object.freeze({ 'Content-Type': 'application/json', accept: 'application/json' })
      const input = Object.freeze({ method: 'POST', url: URL_, headers, body: BODY, extra: 'kept' })
      forbidRequests()
      const signed = await signer.sign(input)
      globalThis.Request = realRequest
      expect(Object.getPrototypeOf(signed)).toBe(Object.prototype)
      expect(Object.getPrototypeOf(signed.headers)).toBe(Object.prototype)
      expect(signed.body).toBe(BODY)
      expect(signed.extra).toBe('kept')
      expect(input.headers).toEqual({ 'Content-Type': 'application/json', accept: 'application/json' })
      const out = signed.headers as Record<string, string>
      expect(out['content-digest']).toMatch(/^sha-256=:/)
      expect(out['signature-input']).toMatch(/^sig1=\("@method" "@target-uri" "content-digest" "content-type"\);created=\d+;nonce="[^"]+";keyid="client-1"$/)
      const key = await importKey(hmacJwk, { alg: 'hmac-sha256', kid: 'client-1' })
      expect(await verifies('POST', URL_, signed.headers, BODY, key)).toEqual(['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'])
    })

    it('a Headers in, a new Headers out; the input Headers unchanged', async () => {
      const signer = make({ key: ed25519Jwk })
      const headers = new Headers({ 'content-type': 'text/plain' })
      const signed = await signer.sign({ method: 'PUT', url: URL_, headers, body: new TextEncoder().encode('hello') })
      expect(signed.headers).toBeInstanceOf(Headers)
      expect(signed.headers).not.toBe(headers)
      expect([...headers]).toEqual([['content-type', 'text/plain']])
      expect((signed.headers as Headers).get('signature')).toMatch(/^sig1=:/)
      const key = await importKey(publicJwk(ed25519Jwk))
      expect(await verifies('PUT', URL_, signed.headers, 'hello', key)).toContain('"content-digest"')
    })

    it('no headers and no body: a GET covering method and target', async () => {
      const signer = make({ key: hmacJwk, keyId: 'client-1' })
      const signed = await signer.sign({ url: 'https://api.example/' })
      const key = await importKey(hmacJwk, { alg: 'hmac-sha256', kid: 'client-1' })
      expect(await verifies('GET', 'https://api.example/', signed.headers, undefined, key)).toEqual(['"@method"', '"@target-uri"'])
      expect('content-digest' in signed.headers).toBe(false)
    })

    it('a body over maxBodyBytes is ERR_BODY_TOO_LARGE; a Blob body is a TypeError', async () => {
      const signer = (make as (o: object) => ReturnType<typeof createLeanSigner>)({ key: hmacJwk, keyId: 'k', maxBodyBytes: 4 })
      const err = await signer.sign({ method: 'POST', url: URL_, body: 'hello' }).catch((e: unknown) => e)
      expect(hasErrorCode(err, 'ERR_BODY_TOO_LARGE')).toBe(true)
      const blob = await signer.sign({ method: 'POST', url: URL_, body: new Blob(['x']) as never }).catch((e: unknown) => e)
      expect(blob).toBeInstanceOf(TypeError)
      expect(String(blob)).toMatch(/"body"/)
    })

    it('a stale Content-Digest is replaced, another label kept', async () => {
      const signer = make({ key: hmacJwk, keyId: 'client-1' })
      const other = await make({ key: ed25519Jwk }).sign({ url: URL_ })
      const otherFields = other.headers as Record<string, string>
      const base = { 'content-digest': 'sha-256=:AAAA:', 'signature-input': otherFields['signature-input'].replace(/^sig1=/, 'other='), signature: otherFields['signature'].replace(/^sig1=/, 'other=') }
      const signed = await signer.sign({ method: 'POST', url: URL_, headers: base, body: BODY })
      const out = signed.headers as Record<string, string>
      expect(out['content-digest']).not.toBe('sha-256=:AAAA:')
      expect(out['signature-input']).toMatch(/^other=\(.*, sig1=\(/)
      expect(out['signature']).toMatch(/^other=:.*:, sig1=:/)
      const key = await importKey(hmacJwk, { alg: 'hmac-sha256', kid: 'client-1' })
      expect(await verifies('POST', URL_, signed.headers, BODY, key)).toContain('"content-digest"')
    })
  })
}

describe('createSigner: the description path and the Request path agree', () => {
  it('same request, same signature bytes (fixed nonce and clock)', async () => {
    const options = { key: hmacJwk, keyId: 'client-1', nonce: () => 'n-1', now: () => 1_700_000_000 } as const
    const described = await createSigner(options).sign({ method: 'POST', url: URL_, headers: { 'content-type': 'application/json' }, body: BODY })
    const request = await createSigner(options).sign(new Request(URL_, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY }))
    const out = described.headers as Record<string, string>
    expect(out['signature-input']).toBe(request.headers.get('signature-input'))
    expect(out['signature']).toBe(request.headers.get('signature'))
    expect(out['content-digest']).toBe(request.headers.get('content-digest'))
    const lean = await createLeanSigner(options).sign({ method: 'POST', url: URL_, headers: { 'content-type': 'application/json' }, body: BODY })
    expect((lean.headers as Record<string, string>)['signature']).toBe(out['signature'])
  })

  it('per-call overrides stay on the description path', async () => {
    const signer = createSigner({ key: hmacJwk, keyId: 'client-1' })
    forbidRequests()
    const signed = await signer.sign({ method: 'GET', url: URL_ }, { alg: true, tag: 'app', label: 'sig2' })
    globalThis.Request = realRequest
    expect((signed.headers as Record<string, string>)['signature-input']).toMatch(/^sig2=\(.*\);created=\d+;nonce="[^"]+";alg="hmac-sha256";keyid="client-1";tag="app"$/)
  })

  it('the Request path clones nothing', async () => {
    const signer = createSigner({ key: hmacJwk, keyId: 'client-1' })
    const request = new Request(URL_, { method: 'POST', body: BODY })
    const clone = realRequest.prototype.clone
    let clones = 0
    realRequest.prototype.clone = function (this: Request): Request {
      clones++
      return clone.call(this)
    }
    try {
      const signed = await signer.sign(request)
      expect(await signed.text()).toBe(BODY)
    } finally {
      realRequest.prototype.clone = clone
    }
    expect(clones).toBe(0)
  })
})

describe('signedFetch(url, init) with a string or byte body', () => {
  it('builds one Request (the signed one) and reads no stream; a string body gets Fetch\'s default Content-Type', async () => {
    const { signedFetch } = await import('../src/index.ts')
    let built = 0
    globalThis.Request = new Proxy(realRequest, {
      construct(target, args): object {
        built++
        return Reflect.construct(target, args) as object
      },
    })
    const sent: Request[] = []
    try {
      const send = signedFetch(createSigner({ key: hmacJwk, keyId: 'client-1' }), {
        fetch: async (request: Request) => {
          sent.push(request)
          return new Response('ok')
        },
      })
      expect((await send('https://api.example/p', { method: 'post', body: 'hi' })).status).toBe(200)
    } finally {
      globalThis.Request = realRequest
    }
    expect(built).toBe(1)
    const request = sent[0]!
    expect(request.method).toBe('POST')
    expect(request.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
    expect(await request.text()).toBe('hi')
    const key = await importKey(hmacJwk, { alg: 'hmac-sha256', kid: 'client-1' })
    expect(await verifies('POST', 'https://api.example/p', request.headers, 'hi', key)).toEqual(['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'])
  })
})
