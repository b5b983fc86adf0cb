/**
 * The Node client integrations of issue 10 item 2: the undici interceptor and the axios request
 * interceptor, each against a loopback server whose @signet/server verifier checks what
 * arrived (signature, Content-Digest over the bytes received, replay), and each on the
 * description path (no Fetch `Request` is built while signing).
 */
import axios from 'axios'
import { Agent, request as undiciRequest } from 'undici'
import { hasErrorCode, importKey } from '@signet/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createVerifier } from '../../server/src/verifier.ts'
import type { VerifiedIdentity } from '../../server/src/verifier.ts'
import { createSigner, signedFetch } from '../src/index.ts'
import type { RequestDescription, SignedDescription } from '../src/index.ts'
import { createSigner as createLeanSigner } from '../src/sign.ts'
import { signetAxios } from '../src/axios.ts'
import { signetUndici } from '../src/undici.ts'
import { ed25519Jwk, hmacJwk, publicJwk } from './keys.ts'
import { arrivalMessage, useLoopbacks } from './loopback.ts'

const [server] = await useLoopbacks(1)
const verifier = createVerifier({
  keys: [
    { id: 'client-1', key: await importKey(hmacJwk, { alg: 'hmac-sha256', kid: 'client-1' }) },
    { id: 'client-ed', key: await importKey(publicJwk(ed25519Jwk), { kid: 'client-ed' }) },
  ],
})
const verified: VerifiedIdentity[] = []
/** Verify each arrival; 200 with the covered components, or the refusal code with 401. */
function verifyArrivals(): void {
  server!.handler = async (arrival, res) => {
    try {
      const identity = await verifier.verify(arrivalMessage(arrival))
      verified.push(identity)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ components: identity.components, body: new TextDecoder().decode(arrival.body) }))
    } catch (error) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: (error as { code?: string }).code }))
    }
  }
}
afterEach(() => {
  verified.length = 0
})

const realRequest = globalThis.Request
function forbidRequests(): () => void {
  globalThis.Request = new Proxy(realRequest, {
    construct(): never {
      throw new Error('a Request was constructed')
    },
  })
  return () => {
    globalThis.Request = realRequest
  }
}

describe('signetUndici', () => {
  for (const [name, signer] of [
    ['createSigner HMAC', createSigner({ key: hmacJwk, keyId: 'client-1' })],
    ['lean createSigner Ed25519', createLeanSigner({ key: ed25519Jwk, keyId: 'client-ed' })],
  ] as const) {
    it(`${name}: a POST with a JSON body verifies at the server`, async () => {
      verifyArrivals()
      const dispatcher = new Agent().compose(signetUndici(signer))
      const restore = forbidRequests()
      try {
        const response = await undiciRequest(`${server!.origin}/orders?id=7`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-trace': 'a' },
          body: '{"n":1}',
          dispatcher,
        })
        restore()
        expect(response.statusCode).toBe(200)
        expect(await response.body.json()).toEqual({ components: ['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'], body: '{"n":1}' })
      } finally {
        restore()
        await dispatcher.close()
      }
    })
  }

  it('a GET with flat-array headers verifies; a replay of it is refused', async () => {
    verifyArrivals()
    const dispatcher = new Agent().compose(signetUndici(createSigner({ key: hmacJwk, keyId: 'client-1' })))
    try {
      const response = await undiciRequest(`${server!.origin}/a`, { headers: ['accept', 'text/plain'], dispatcher })
      expect(response.statusCode).toBe(200)
      await response.body.dump()
      const arrival = server!.arrivals[0]!
      const replay = await verifier.verify(arrivalMessage(arrival)).catch((e: unknown) => e)
      expect(hasErrorCode(replay, 'ERR_NONCE_REPLAYED')).toBe(true)
    } finally {
      await dispatcher.close()
    }
  })

  it('a stream body is refused before anything is sent', async () => {
    verifyArrivals()
    const { Readable } = await import('node:stream')
    const dispatcher = new Agent().compose(signetUndici(createSigner({ key: hmacJwk, keyId: 'client-1' })))
    try {
      const error = await undiciRequest(`${server!.origin}/up`, { method: 'POST', body: Readable.from(['x']), dispatcher }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TypeError)
      expect(server!.arrivals).toHaveLength(0)
    } finally {
      await dispatcher.close()
    }
  })

  it('a signing error (body over the limit) rejects the request', async () => {
    const dispatcher = new Agent().compose(signetUndici(createSigner({ key: hmacJwk, keyId: 'client-1', maxBodyBytes: 2 })))
    try {
      const error = await undiciRequest(`${server!.origin}/up`, { method: 'POST', body: 'hello', dispatcher }).catch((e: unknown) => e)
      expect(hasErrorCode(error, 'ERR_BODY_TOO_LARGE')).toBe(true)
      expect(server!.arrivals).toHaveLength(0)
    } finally {
      await dispatcher.close()
    }
  })

  it('refuses a signer without sign()', () => {
    expect(() => signetUndici({} as never)).toThrow(TypeError)
  })
})

describe('signetAxios', () => {
  it('an object body, baseURL and params: the bytes and URL sent are the ones signed', async () => {
    verifyArrivals()
    const api = axios.create({ baseURL: server!.origin, adapter: 'http' })
    api.interceptors.request.use(signetAxios(createSigner({ key: hmacJwk, keyId: 'client-1' })))
    const restore = forbidRequests()
    try {
      const response = await api.post('/orders', { n: 1, note: ' padded ' }, { params: { id: 7, tag: ['a', 'b'] } })
      expect(response.status).toBe(200)
      expect(response.data).toEqual({ components: ['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'], body: '{"n":1,"note":" padded "}' })
      expect(server!.arrivals[0]!.url).toBe('/orders?id=7&tag=a&tag=b')
    } finally {
      restore()
    }
  })

  it('a GET with the lean signer verifies; a string body with default content type verifies', async () => {
    verifyArrivals()
    const api = axios.create({ adapter: 'http' })
    api.interceptors.request.use(signetAxios(createLeanSigner({ key: ed25519Jwk, keyId: 'client-ed' })))
    expect((await api.get(`${server!.origin}/x`)).status).toBe(200)
    const posted = await api.put(`${server!.origin}/y`, 'a=1&b=2')
    expect(posted.status).toBe(200)
    expect(posted.data.components).toContain('"content-type"')
    expect(verified.map((v) => v.keyid)).toEqual(['client-ed', 'client-ed'])
  })

  it('a signing error rejects the request before it is sent', async () => {
    const api = axios.create({ adapter: 'http' })
    api.interceptors.request.use(signetAxios(createSigner({ key: hmacJwk, keyId: 'client-1', maxBodyBytes: 2 })))
    const error = await api.post(`${server!.origin}/z`, 'hello').catch((e: unknown) => e)
    expect(hasErrorCode(error, 'ERR_BODY_TOO_LARGE')).toBe(true)
    expect(server!.arrivals).toHaveLength(0)
  })
})

describe('signedFetch with any signer of descriptions', () => {
  it('the lean signer and a wrapper object sign through sign(description); the server verifies', async () => {
    verifyArrivals()
    const lean = createLeanSigner({ key: ed25519Jwk, keyId: 'client-ed' })
    let calls = 0
    // A signer of another package (profiles): only the sign(description) shape.
    const wrapper = {
      sign<D extends RequestDescription>(description: D): Promise<SignedDescription<D>> {
        calls++
        return createSigner({ key: hmacJwk, keyId: 'client-1' }).sign(description)
      },
    }
    for (const signer of [lean, wrapper]) {
      const response = await signedFetch(signer)(`${server!.origin}/p`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' })
      expect(response.status).toBe(200)
      expect((await response.json()).components).toContain('"content-digest"')
    }
    expect(calls).toBe(1)
    expect(verified.map((v) => v.keyid)).toEqual(['client-ed', 'client-1'])
    expect(() => signedFetch({} as never)).toThrow(TypeError)
  })
})

describe('signedFetch on the global fetch', () => {
  it('builds no Request itself: fetch gets (url, init), and the server verifies', async () => {
    verifyArrivals()
    let built = 0
    globalThis.Request = new Proxy(realRequest, {
      construct(target, args): object {
        built++
        return Reflect.construct(target, args) as object
      },
    })
    try {
      const response = await signedFetch(createSigner({ key: hmacJwk, keyId: 'client-1' }))(`${server!.origin}/direct`, { method: 'POST', body: new TextEncoder().encode('{"n":3}') })
      expect(response.status).toBe(200)
      expect((await response.json()).body).toBe('{"n":3}')
    } finally {
      globalThis.Request = realRequest
    }
    expect(built).toBe(0)
  })
})
