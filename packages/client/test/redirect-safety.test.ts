/**
 * A plain `fetch` of a signed request never carries the signature to another origin (DESIGN:
 * "no signature forwarded across origins"). Two loopback servers are two origins: A answers
 * every request with a redirect to B, and B must never see `Signature` or `Signature-Input`.
 * Both signers are held to it: `createSigner` of `@signet/client` and the lean one of
 * `@signet/client/sign`. Also: a POST whose signed body is bytes meets a 307/308 without the
 * Node 20 "detached ArrayBuffer" failure of a followed redirect, because it is not followed.
 */
import { importKey, verifyMessage, verifyMessageDigest } from '@signet/core'
import { describe, expect, it } from 'vitest'
import { createSigner, signedFetch } from '../src/index.ts'
import { createSigner as createLeanSigner } from '../src/sign.ts'
import { ed25519Jwk, hmacJwk, publicJwk } from './keys.ts'
import { arrivalMessage, ok, useLoopbacks } from './loopback.ts'
import type { Loopback } from './loopback.ts'

const [a, b] = (await useLoopbacks(2)) as [Loopback, Loopback]

const signers: [string, (request: Request) => Promise<Request>][] = [
  ['createSigner (Ed25519)', (request) => createSigner({ key: ed25519Jwk }).sign(request)],
  ['createSigner (HMAC)', (request) => createSigner({ key: hmacJwk }).sign(request)],
  ['lean createSigner (Ed25519)', (request) => createLeanSigner({ key: ed25519Jwk }).sign(request)],
  ['lean createSigner (HMAC)', (request) => createLeanSigner({ key: hmacJwk }).sign(request)],
]

function redirectTo(location: (url: string) => string, status: number) {
  return (arrival: { url: string }, res: import('node:http').ServerResponse): void => {
    res.writeHead(status, { location: location(arrival.url) })
    res.end()
  }
}

const post = (url: string, init: RequestInit = {}): Request =>
  new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}', ...init })

describe('fetch(await signer.sign(request)) and redirects', () => {
  for (const [name, sign] of signers) {
    it(`${name}: a redirect to another origin comes back as is; the other origin receives nothing`, async () => {
      for (const status of [301, 302, 303, 307, 308]) {
        a.handler = redirectTo(() => `${b.origin}/collect`, status)
        for (const request of [post(`${a.origin}/orders`), new Request(`${a.origin}/orders`), post(`${a.origin}/orders`, { redirect: 'follow' })]) {
          const signed = await sign(request)
          expect(signed.redirect).toBe('manual')
          const response = await fetch(signed)
          expect(response.status).toBe(status)
          expect(response.headers.get('location')).toBe(`${b.origin}/collect`)
        }
      }
      // A received every signed request; B none at all, so no signature field.
      expect(a.arrivals).toHaveLength(15)
      for (const arrival of a.arrivals) expect(arrival.headers['signature-input']).toBeDefined()
      expect(b.arrivals).toHaveLength(0)
    })

    it(`${name}: a same-origin 307/308 of a POST is returned, not followed (no detached-buffer failure)`, async () => {
      for (const status of [307, 308]) {
        a.handler = redirectTo(() => '/next', status)
        const response = await fetch(await sign(post(`${a.origin}/orders`)))
        expect(response.status).toBe(status)
      }
      expect(a.arrivals.map((x) => `${x.method} ${x.url}`)).toEqual(['POST /orders', 'POST /orders'])
      expect(new TextDecoder().decode(a.arrivals[0]!.body)).toBe('{"sku":"A-1"}')
    })

    it(`${name}: redirect modes "error" and "manual" are kept; "error" rejects at a redirect`, async () => {
      a.handler = redirectTo(() => `${b.origin}/collect`, 307)
      const manual = await sign(new Request(`${a.origin}/m`, { redirect: 'manual' }))
      expect(manual.redirect).toBe('manual')
      const refused = await sign(post(`${a.origin}/e`, { redirect: 'error' }))
      expect(refused.redirect).toBe('error')
      await expect(fetch(refused)).rejects.toThrow(TypeError)
      expect(b.arrivals).toHaveLength(0)
    })
  }

  it('the signed request still verifies on arrival (the redirect mode is not part of the message)', async () => {
    a.handler = ok
    const response = await fetch(await createSigner({ key: ed25519Jwk }).sign(post(`${a.origin}/orders?x=1`)))
    expect(response.status).toBe(200)
    const message = arrivalMessage(a.arrivals[0]!)
    await verifyMessageDigest(message)
    const [verified] = await verifyMessage(message, { key: await importKey(publicJwk(ed25519Jwk)) })
    expect(verified!.components).toEqual(['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'])
  })

  it('signedFetch follows the same cross-origin redirect without the signature fields', async () => {
    a.handler = redirectTo(() => `${b.origin}/collect`, 307)
    const response = await signedFetch(createSigner({ key: ed25519Jwk }))(post(`${a.origin}/orders`))
    expect(response.status).toBe(200)
    expect(a.arrivals[0]!.headers['signature']).toBeDefined()
    expect(b.arrivals).toHaveLength(1)
    expect(b.arrivals[0]!.headers['signature']).toBeUndefined()
    expect(b.arrivals[0]!.headers['signature-input']).toBeUndefined()
    expect(new TextDecoder().decode(b.arrivals[0]!.body)).toBe('{"sku":"A-1"}')
  })
})
