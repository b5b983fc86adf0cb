/**
 * signedFetch against loopback servers that record what arrived: bodies byte-identical,
 * redirects re-signed on the same origin and stripped on another, clock offset learned and
 * retried once, Accept-Signature met once, responses verified, bad input refused before I/O.
 */
import { createHash } from 'node:crypto'
import {
  hasErrorCode,
  importKey,
  publicKey,
  signMessage,
  verifyMessage,
  verifyMessageDigest,
} from '@signet/core'
import type { HttpRequestMessage, HttpResponseMessage, SignetKey } from '@signet/core'
import { describe, expect, it } from 'vitest'
import { createSigner, signedFetch, verifySignedResponse } from '../src/index.ts'
import { ed25519Jwk, hmacJwk, p256Jwk, publicJwk } from './keys.ts'
import { arrivalMessage, ok, useLoopbacks } from './loopback.ts'
import type { Arrival, Loopback } from './loopback.ts'

const [a, b] = (await useLoopbacks(2)) as [Loopback, Loopback]
const edPublic: SignetKey = await importKey(publicJwk(ed25519Jwk))

async function verifyArrival(arrival: Arrival, key: SignetKey = edPublic, options: Record<string, unknown> = {}) {
  const message = arrivalMessage(arrival)
  if (message.body !== undefined && message.body.length > 0) await verifyMessageDigest(message)
  return verifyMessage(message, { key, ...options })
}

function paramOf(arrival: Arrival, name: string): string | undefined {
  const input = arrival.headers['signature-input']
  return typeof input === 'string' ? new RegExp(`;${name}=("?)([^";]*)\\1`).exec(input)?.[2] : undefined
}

describe('signing and bodies', () => {
  it('every body kind arrives byte-identical, with a matching digest and a valid signature', async () => {
    const fetchSigned = signedFetch(createSigner({ key: ed25519Jwk }))
    const form = new FormData()
    form.append('x', 'y')
    form.append('f', new Blob([Uint8Array.from([1, 2, 3])]), 'f.bin')
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Uint8Array.from([4, 5]))
        c.enqueue(Uint8Array.from([6]))
        c.close()
      },
    })
    const bodies: [BodyInit, Uint8Array | undefined][] = [
      ['text ✓', new TextEncoder().encode('text ✓')],
      [Uint8Array.from([0, 1, 255]), Uint8Array.from([0, 1, 255])],
      [Uint8Array.from([7, 7]).buffer, Uint8Array.from([7, 7])],
      [new Blob(['blob']), new TextEncoder().encode('blob')],
      [new URLSearchParams({ a: '1 2' }), new TextEncoder().encode('a=1+2')],
      [stream, Uint8Array.from([4, 5, 6])],
      [form, undefined],
    ]
    for (const [body, bytes] of bodies) {
      await fetchSigned(`${a.origin}/upload?x=1`, { method: 'POST', body })
    }
    expect(a.arrivals).toHaveLength(bodies.length)
    for (const [i, arrival] of a.arrivals.entries()) {
      const expected = bodies[i]![1]
      if (expected !== undefined) expect(arrival.body).toEqual(expected)
      const digest = createHash('sha256').update(arrival.body).digest('base64')
      expect(arrival.headers['content-digest']).toBe(`sha-256=:${digest}:`)
      const [result] = await verifyArrival(arrival)
      expect(result!.keyid).toBe('test-key-ed25519')
    }
    // The multipart boundary in Content-Type is the one in the body that arrived.
    const multipart = a.arrivals.at(-1)!
    const boundary = /boundary=(.+)$/.exec(String(multipart.headers['content-type']))![1]!
    expect(new TextDecoder().decode(multipart.body).startsWith(`--${boundary}\r\n`)).toBe(true)
  })

  it('accepts a Request, a URL object and a string, and wraps any fetch', async () => {
    const seen: Request[] = []
    const custom = async (request: Request): Promise<Response> => {
      seen.push(request)
      return fetch(request)
    }
    const fetchSigned = signedFetch(createSigner({ key: hmacJwk }), { fetch: custom })
    await fetchSigned(new Request(`${a.origin}/r`, { method: 'DELETE' }))
    await fetchSigned(new URL(`${a.origin}/u`))
    await fetchSigned(`${a.origin}/s`, { headers: { 'x-trace': '1' } })
    expect(seen).toHaveLength(3)
    expect(a.arrivals.map((x) => x.method + ' ' + x.url)).toEqual(['DELETE /r', 'GET /u', 'GET /s'])
    for (const arrival of a.arrivals) await verifyArrival(arrival, await importKey(hmacJwk))
    expect(a.arrivals[2]!.headers['x-trace']).toBe('1')
  })
})

describe('redirects', () => {
  it('same-origin redirects are followed and re-signed (307 keeps method and body)', async () => {
    a.handler = (arrival, res) => {
      if (arrival.url === '/start') {
        res.writeHead(307, { location: '/next' })
        res.end()
      } else ok(arrival, res, 0)
    }
    const response = await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/start`, { method: 'POST', body: 'payload' })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('ok')
    expect(a.arrivals.map((x) => `${x.method} ${x.url}`)).toEqual(['POST /start', 'POST /next'])
    expect(new TextDecoder().decode(a.arrivals[1]!.body)).toBe('payload')
    await verifyArrival(a.arrivals[0]!)
    await verifyArrival(a.arrivals[1]!)
    expect(paramOf(a.arrivals[0]!, 'nonce')).not.toBe(paramOf(a.arrivals[1]!, 'nonce'))
  })

  it('303 turns POST into a signed GET without body or digest', async () => {
    a.handler = (arrival, res) => {
      if (arrival.url === '/form') {
        res.writeHead(303, { location: '/done' })
        res.end()
      } else ok(arrival, res, 0)
    }
    await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/form`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    const second = a.arrivals[1]!
    expect(second.method).toBe('GET')
    expect(second.body).toHaveLength(0)
    expect(second.headers['content-digest']).toBeUndefined()
    expect(second.headers['content-type']).toBeUndefined()
    const [result] = await verifyArrival(second)
    expect(result!.components).toEqual(['"@method"', '"@target-uri"'])
  })

  it('a cross-origin redirect arrives without signature headers or credentials', async () => {
    a.handler = (_arrival, res) => {
      res.writeHead(307, { location: `${b.origin}/elsewhere` })
      res.end()
    }
    const response = await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/start`, {
      method: 'PUT',
      body: 'secret-body',
      headers: { authorization: 'Bearer t', cookie: 'c=1' },
    })
    expect(response.status).toBe(200)
    expect(a.arrivals[0]!.headers['signature']).toBeDefined()
    expect(b.arrivals).toHaveLength(1)
    const arrived = b.arrivals[0]!
    expect(arrived.headers['signature']).toBeUndefined()
    expect(arrived.headers['signature-input']).toBeUndefined()
    expect(arrived.headers['authorization']).toBeUndefined()
    expect(arrived.headers['cookie']).toBeUndefined()
    expect(arrived.method).toBe('PUT')
  })

  it('crossOriginRedirect "stop" returns the redirect and sends nothing to the other origin', async () => {
    a.handler = (_arrival, res) => {
      res.writeHead(302, { location: `${b.origin}/x` })
      res.end()
    }
    const response = await signedFetch(createSigner({ key: ed25519Jwk }), { crossOriginRedirect: 'stop' })(`${a.origin}/start`)
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`${b.origin}/x`)
    expect(b.arrivals).toHaveLength(0)
  })

  it('once the chain leaves the origin it is never signed again, even back on the origin', async () => {
    a.handler = (arrival, res) => {
      if (arrival.url === '/start') {
        res.writeHead(302, { location: `${b.origin}/bounce` })
        res.end()
      } else ok(arrival, res, 0)
    }
    b.handler = (_arrival, res) => {
      res.writeHead(302, { location: `${a.origin}/admin/delete` })
      res.end()
    }
    await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/start`)
    expect(a.arrivals.map((x) => x.url)).toEqual(['/start', '/admin/delete'])
    expect(a.arrivals[1]!.headers['signature']).toBeUndefined()
  })

  it('redirect "manual" returns the 3xx; "error" rejects; too many redirects reject', async () => {
    a.handler = (arrival, res) => {
      res.writeHead(302, { location: `/loop${arrival.url.length}` })
      res.end()
    }
    const fetchSigned = signedFetch(createSigner({ key: hmacJwk }), { maxRedirects: 3 })
    const manual = await fetchSigned(`${a.origin}/m`, { redirect: 'manual' })
    expect(manual.status).toBe(302)
    await expect(fetchSigned(`${a.origin}/e`, { redirect: 'error' })).rejects.toThrow(TypeError)
    a.arrivals.length = 0
    await expect(fetchSigned(`${a.origin}/l`)).rejects.toThrow(/more than 3 redirects/)
    expect(a.arrivals).toHaveLength(4)
  })
})

describe('clock offset', () => {
  // A verifier whose clock is `skew` seconds ahead of the client's, max age 300 s.
  function skewedServer(skewSeconds: number) {
    return async (arrival: Arrival, res: import('node:http').ServerResponse) => {
      const serverNow = Math.floor(Date.now() / 1000) + skewSeconds
      try {
        await verifyArrival(arrival, edPublic, { now: () => serverNow, maxAgeSeconds: 300, clockSkewSeconds: 30 })
        ok(arrival, res, 0)
      } catch (err) {
        res.writeHead(401, {
          'content-type': 'application/problem+json',
          date: new Date(serverNow * 1000).toUTCString(),
        })
        res.end(JSON.stringify({ type: 'about:blank', status: 401, code: (err as { code?: string }).code }))
      }
    }
  }

  it('a clock far behind: learns the offset from Date, retries once, later requests are right first time', async () => {
    a.handler = skewedServer(3600)
    const signer = createSigner({ key: ed25519Jwk })
    const fetchSigned = signedFetch(signer)
    const response = await fetchSigned(`${a.origin}/t`, { method: 'POST', body: 'b' })
    expect(response.status).toBe(200)
    expect(a.arrivals).toHaveLength(2)
    expect(Math.abs(signer.clockOffsetSeconds - 3600)).toBeLessThanOrEqual(2)
    expect(a.arrivals[1]!.body).toEqual(a.arrivals[0]!.body)
    expect(Number(paramOf(a.arrivals[1]!, 'created')) - Number(paramOf(a.arrivals[0]!, 'created'))).toBeGreaterThan(3500)
    await fetchSigned(`${a.origin}/t2`)
    expect(a.arrivals).toHaveLength(3)
  })

  it('a clock far ahead (created in the future) is corrected too', async () => {
    a.handler = skewedServer(-3600)
    const signer = createSigner({ key: ed25519Jwk })
    const response = await signedFetch(signer)(`${a.origin}/t`)
    expect(response.status).toBe(200)
    expect(Math.abs(signer.clockOffsetSeconds + 3600)).toBeLessThanOrEqual(2)
  })

  it('retries only once, and not for other 401s or without Date', async () => {
    a.handler = (_arrival, res) => {
      res.writeHead(401, { 'content-type': 'application/problem+json', date: new Date(Date.now() + 9e6).toUTCString() })
      res.end(JSON.stringify({ code: 'ERR_SIGNATURE_TOO_OLD' }))
    }
    const signer = createSigner({ key: ed25519Jwk })
    expect((await signedFetch(signer)(`${a.origin}/x`)).status).toBe(401)
    expect(a.arrivals).toHaveLength(2)
    a.arrivals.length = 0
    a.handler = (_arrival, res) => {
      res.writeHead(401, { 'content-type': 'application/problem+json' })
      res.end(JSON.stringify({ code: 'ERR_SIGNATURE_INVALID' }))
    }
    expect((await signedFetch(signer)(`${a.origin}/x`)).status).toBe(401)
    expect(a.arrivals).toHaveLength(1)
    a.arrivals.length = 0
    const off = signedFetch(createSigner({ key: ed25519Jwk }), { clockSkewRetry: false })
    a.handler = skewedServer(3600)
    expect((await off(`${a.origin}/x`)).status).toBe(401)
    expect(a.arrivals).toHaveLength(1)
  })

  it('a clock-skew code without a Date teaches nothing and is not retried', async () => {
    a.handler = (_arrival, res) => {
      // Node's server adds a Date of its own unless told not to.
      res.sendDate = false
      res.writeHead(401, { 'content-type': 'application/problem+json' })
      res.end(JSON.stringify({ type: 'about:blank', status: 401, code: 'ERR_SIGNATURE_TOO_OLD' }))
    }
    const signer = createSigner({ key: ed25519Jwk })
    const response = await signedFetch(signer)(`${a.origin}/x`, { method: 'POST', body: 'b' })
    expect(response.status).toBe(401)
    expect(response.headers.get('date')).toBeNull()
    expect(((await response.json()) as { code: string }).code).toBe('ERR_SIGNATURE_TOO_OLD')
    expect(signer.clockOffsetSeconds).toBe(0)
    expect(a.arrivals).toHaveLength(1)
  })
})

describe('Accept-Signature', () => {
  it('meets the requested components, label and parameters, once', async () => {
    const wanted = 'app=("@method" "@authority" "@path" "x-account");created;nonce;tag="orders";keyid="test-key-ed25519"'
    a.handler = async (arrival, res) => {
      try {
        const [result] = await verifyArrival(arrival, edPublic, {
          label: 'app',
          requiredComponents: ['@method', '@authority', '@path', 'x-account'],
          requiredParameters: ['created', 'nonce', 'tag'],
        })
        expect(result!.params.tag).toBe('orders')
        ok(arrival, res, 0)
      } catch {
        res.writeHead(401, { 'accept-signature': wanted, 'content-type': 'application/problem+json' })
        res.end('{"code":"ERR_SIGNATURE_MISSING"}')
      }
    }
    const response = await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/orders`, { headers: { 'x-account': '42' } })
    expect(response.status).toBe(200)
    expect(a.arrivals).toHaveLength(2)
    expect(a.arrivals[1]!.headers['signature-input']).toMatch(/^app=\("@method" "@authority" "@path" "x-account"\);/)
  })

  it('does not switch keys or algorithms a server asks for; retries at most once', async () => {
    a.handler = (_arrival, res) => {
      res.writeHead(401, { 'accept-signature': 'sig1=("@method");alg="rsa-pss-sha512"' })
      res.end()
    }
    expect((await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/x`)).status).toBe(401)
    expect(a.arrivals).toHaveLength(1)
    a.arrivals.length = 0
    a.handler = (_arrival, res) => {
      res.writeHead(401, { 'accept-signature': 'sig1=("@method" "@path");keyid="test-key-ed25519"' })
      res.end()
    }
    expect((await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/x`)).status).toBe(401)
    expect(a.arrivals).toHaveLength(2)
    expect(a.arrivals[1]!.headers['signature-input']).toMatch(/^sig1=\("@method" "@path"\)/)
  })

  it('a keyid the signer does not hold is not met: the 401 is the result, nothing is re-sent', async () => {
    a.handler = (_arrival, res) => {
      res.writeHead(401, { 'accept-signature': 'sig1=("@method" "@path");keyid="someone-else"', 'content-type': 'application/problem+json' })
      res.end('{"code":"ERR_REQUIRED_COMPONENT"}')
    }
    const signer = createSigner({ key: ed25519Jwk })
    const response = await signedFetch(signer)(`${a.origin}/x`)
    expect(response.status).toBe(401)
    expect(((await response.json()) as { code: string }).code).toBe('ERR_REQUIRED_COMPONENT')
    expect(a.arrivals).toHaveLength(1)
    expect(paramOf(a.arrivals[0]!, 'keyid')).toBe('test-key-ed25519')
  })

  it('a demand for a field the request lacks returns the server\'s 401, not a local signing error', async () => {
    const wanted = 'sig1=("@method" "@path" "x-account");keyid="test-key-ed25519"'
    a.handler = (_arrival, res) => {
      res.writeHead(401, { 'accept-signature': wanted, 'content-type': 'application/problem+json' })
      res.end('{"code":"ERR_REQUIRED_COMPONENT"}')
    }
    const response = await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/x`, { method: 'POST', body: 'b' })
    expect(response.status).toBe(401)
    expect(response.headers.get('accept-signature')).toBe(wanted)
    expect(((await response.json()) as { code: string }).code).toBe('ERR_REQUIRED_COMPONENT')
    expect(a.arrivals).toHaveLength(1)
    // The same demand on a request that has the field is met, once.
    a.arrivals.length = 0
    const met = await signedFetch(createSigner({ key: ed25519Jwk }))(`${a.origin}/x`, { headers: { 'x-account': '42' } })
    expect(met.status).toBe(401)
    expect(a.arrivals).toHaveLength(2)
    expect(a.arrivals[1]!.headers['signature-input']).toMatch(/^sig1=\("@method" "@path" "x-account"\)/)
  })
})

describe('response verification', () => {
  const BOUND = ['@status', 'content-digest', '"@method";req', '"@target-uri";req', '"signature";req;key="sig1"']

  /**
   * A server that signs its response over `components`, bound (`;req`) to the request that
   * arrived, or to `boundTo` instead: a response captured from another exchange and replayed.
   */
  async function signedResponder(serverKey: SignetKey, tamper = false, components: string[] = BOUND, boundTo?: (request: HttpRequestMessage) => HttpRequestMessage) {
    return async (arrival: Arrival, res: import('node:http').ServerResponse) => {
      const received = arrivalMessage(arrival)
      const request = boundTo === undefined ? received : boundTo(received)
      const body = new TextEncoder().encode('{"ok":true}')
      const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`
      const response: HttpResponseMessage = {
        kind: 'response',
        status: 200,
        fields: [
          { name: 'content-type', value: 'application/json' },
          { name: 'content-digest', value: digest },
        ],
        trailers: [],
        body,
        request,
      }
      const result = await signMessage(response, { key: serverKey, label: 'res', components })
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-digest': digest,
        'signature-input': result.signatureInput,
        signature: result.signature,
      })
      res.end(tamper ? '{"ok":false}' : '{"ok":true}')
    }
  }

  it('verifies a response bound to its request with ;req, and rejects a tampered one with a code', async () => {
    const serverKey = await importKey(p256Jwk)
    const policy = { requiredComponents: ['@status', 'content-digest', '"@method";req', '"signature";req;key="sig1"'] }
    a.handler = await signedResponder(serverKey)
    const fetchSigned = signedFetch(createSigner({ key: ed25519Jwk }), { verifyResponse: { key: publicKey(serverKey), policy } })
    const response = await fetchSigned(`${a.origin}/v`, { method: 'POST', body: 'q' })
    expect(await response.json()).toEqual({ ok: true })

    a.handler = await signedResponder(serverKey, true)
    const err = await fetchSigned(`${a.origin}/v`, { method: 'POST', body: 'q' }).then(() => undefined, (e: unknown) => e)
    expect(hasErrorCode(err, 'ERR_DIGEST_MISMATCH') || hasErrorCode(err, 'ERR_SIGNATURE_INVALID')).toBe(true)

    a.handler = ok
    const missing = await fetchSigned(`${a.origin}/v`).then(() => undefined, (e: unknown) => e)
    expect(hasErrorCode(missing, 'ERR_SIGNATURE_MISSING')).toBe(true)
  })

  it('the default policy (a key alone) requires the binding to the request', async () => {
    const serverKey = await importKey(p256Jwk)
    const fetchSigned = signedFetch(createSigner({ key: ed25519Jwk }), { verifyResponse: { key: publicKey(serverKey) } })
    a.handler = await signedResponder(serverKey)
    expect(await (await fetchSigned(`${a.origin}/v`, { method: 'POST', body: 'q' })).json()).toEqual({ ok: true })

    // Signed over the status and the content alone: a valid signature, on an answer that could
    // be replayed for any request, so it is refused.
    a.handler = await signedResponder(serverKey, false, ['@status', 'content-digest'])
    const unbound = await fetchSigned(`${a.origin}/v`, { method: 'POST', body: 'q' }).then(() => undefined, (e: unknown) => e)
    expect(hasErrorCode(unbound, 'ERR_REQUIRED_COMPONENT'), String(unbound)).toBe(true)

    // Bound, but without the content: the body of a response that has one must be covered.
    a.handler = await signedResponder(serverKey, false, ['@status', '"@method";req', '"@target-uri";req'])
    const uncovered = await fetchSigned(`${a.origin}/v`).then(() => undefined, (e: unknown) => e)
    expect(hasErrorCode(uncovered, 'ERR_REQUIRED_COMPONENT'), String(uncovered)).toBe(true)
  })

  it('a response signed for another request is refused', async () => {
    const serverKey = await importKey(p256Jwk)
    const fetchSigned = signedFetch(createSigner({ key: ed25519Jwk }), { verifyResponse: { key: publicKey(serverKey) } })
    const elsewhere = (path: string) => (request: HttpRequestMessage): HttpRequestMessage => ({ ...request, target: path })
    // Bound by method and target only: the answer to GET /account replayed for GET /v.
    a.handler = await signedResponder(serverKey, false, ['@status', 'content-digest', '"@method";req', '"@target-uri";req'], elsewhere('/account'))
    const replayed = await fetchSigned(`${a.origin}/v`).then(() => undefined, (e: unknown) => e)
    expect(hasErrorCode(replayed, 'ERR_SIGNATURE_INVALID'), String(replayed)).toBe(true)
    // The same response bound to the request that was sent verifies.
    a.handler = await signedResponder(serverKey, false, ['@status', 'content-digest', '"@method";req', '"@target-uri";req'])
    expect((await fetchSigned(`${a.origin}/v`)).status).toBe(200)
    // Bound to another signature of the same request (another nonce): refused too.
    const otherSignature = (request: HttpRequestMessage): HttpRequestMessage => ({
      ...request,
      fields: request.fields.map((f) => (f.name === 'signature' ? { name: f.name, value: 'sig1=:' + Buffer.alloc(64, 7).toString('base64') + ':' } : f)),
    })
    a.handler = await signedResponder(serverKey, false, BOUND, otherSignature)
    const rebound = await fetchSigned(`${a.origin}/v`).then(() => undefined, (e: unknown) => e)
    expect(hasErrorCode(rebound, 'ERR_SIGNATURE_INVALID'), String(rebound)).toBe(true)
  })

  it('a policy that names no ";req" component is refused when the fetch is made', async () => {
    const key = publicKey(await importKey(p256Jwk))
    const signer = createSigner({ key: ed25519Jwk })
    for (const requiredComponents of [['@status', 'content-digest'], [], ['"@method"', 'content-type']]) {
      expect(() => signedFetch(signer, { verifyResponse: { key, policy: { requiredComponents } } })).toThrow(/";req"/)
    }
    expect(() => signedFetch(signer, { verifyResponse: { key, policy: { requiredComponents: ['@status', '"@path";req'] } } })).not.toThrow()
    const err = await verifySignedResponse(new Response('x'), { kind: 'request', method: 'GET', scheme: 'http', authority: 'a.example', target: '/', fields: [], trailers: [], body: undefined }, {
      key,
      policy: { requiredComponents: ['@status'] },
    }).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(TypeError)
  })
})

describe('bad input never reaches the network', () => {
  it('each is a coded error and the server saw nothing', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      // A JWK member's length is read by the import, on first use (createSigner checks the shape).
      [() => signedFetch(createSigner({ key: { ...ed25519Jwk, d: `${ed25519Jwk.d}AA` } }))(`${a.origin}/k`), 'ERR_KEY_INVALID'],
      [() => signedFetch(createSigner({ key: ed25519Jwk, maxBodyBytes: 4 }))(`${a.origin}/big`, { method: 'POST', body: '12345' }), 'ERR_BODY_TOO_LARGE'],
      [
        () =>
          signedFetch(createSigner({ key: ed25519Jwk, maxBodyBytes: 4 }))(`${a.origin}/stream`, {
            method: 'POST',
            body: new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(3)) }),
          }),
        'ERR_BODY_TOO_LARGE',
      ],
      [
        async () => {
          const used = new Request(`${a.origin}/used`, { method: 'POST', body: 'x' })
          await used.text()
          return signedFetch(createSigner({ key: ed25519Jwk }))(used)
        },
        'ERR_BODY_USED',
      ],
      [async () => signedFetch(createSigner({ key: ed25519Jwk, components: ['@method', 'x-absent'] }))(`${a.origin}/m`), 'ERR_MISSING_COMPONENT'],
      [async () => signedFetch(createSigner({ key: ed25519Jwk, components: ['@nope'] }))(`${a.origin}/u`), 'ERR_UNKNOWN_COMPONENT'],
    ]
    for (const [run, code] of cases) {
      const err = await run().then(() => undefined, (e: unknown) => e)
      expect(hasErrorCode(err, code as never), `${code}: got ${String(err)}`).toBe(true)
    }
    expect(a.arrivals).toHaveLength(0)
  })

  it('options are checked when the fetch is created', () => {
    const signer = createSigner({ key: hmacJwk })
    expect(() => signedFetch(signer, { fetch: 'x' as never })).toThrow(/"fetch"/)
    expect(() => signedFetch(signer, { crossOriginRedirect: 'maybe' as never })).toThrow(/"crossOriginRedirect"/)
    expect(() => signedFetch(signer, { maxRedirects: 1000 })).toThrow(RangeError)
    expect(() => signedFetch(signer, { verifyResponse: {} as never })).toThrow(/"verifyResponse"/)
    expect(() => signedFetch({} as never)).toThrow(/"signer"/)
  })
})
