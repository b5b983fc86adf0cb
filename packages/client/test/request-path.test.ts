/**
 * The `Request` path of `signer.sign()`: a Request in gives a Request out, built on the caller's
 * Request (request-parts.ts `toRequest`), so what Fetch carries over from a source Request is
 * kept: the signal (an abort reaches the signed request), credentials, cache, mode, integrity
 * and keepalive, the referrer policy (which Fetch resets when options are given, and the client
 * passes back), while the redirect mode becomes `manual` (redirect.ts) unless it was `error`.
 */
import { fromFetchRequest, importKey, verifyMessage, verifyMessageDigest } from '@signet/core'
import { describe, expect, it } from 'vitest'
import { createSigner } from '../src/index.ts'
import { hmacJwk } from './keys.ts'

const URL_ = 'https://api.example/orders?id=7'

function signer() {
  return createSigner({ key: hmacJwk, keyId: 'client-1', components: ['@method', '@target-uri', 'content-digest'] })
}

describe('sign(Request) keeps what the caller set on the Request', () => {
  it('an abort of the caller\'s signal after signing aborts the signed request', async () => {
    const controller = new AbortController()
    const signed = await signer().sign(new Request(URL_, { method: 'POST', body: 'x', signal: controller.signal }))
    expect(signed.signal.aborted).toBe(false)
    controller.abort(new Error('stop'))
    expect(signed.signal.aborted).toBe(true)
  })

  it('a signal aborted before signing gives an aborted signed request', async () => {
    const signed = await signer().sign(new Request(URL_, { method: 'POST', body: 'x', signal: AbortSignal.abort() }))
    expect(signed.signal.aborted).toBe(true)
  })

  it('credentials, cache, mode, integrity, keepalive and referrer policy carry over', async () => {
    const input = new Request(URL_, {
      method: 'PUT',
      body: '{"a":1}',
      credentials: 'include',
      cache: 'no-store',
      mode: 'same-origin',
      integrity: 'sha256-abc',
      keepalive: true,
      referrerPolicy: 'no-referrer',
    })
    const expected = { credentials: input.credentials, cache: input.cache, mode: input.mode, integrity: input.integrity, keepalive: input.keepalive, referrerPolicy: input.referrerPolicy }
    const signed = await signer().sign(input)
    expect({ credentials: signed.credentials, cache: signed.cache, mode: signed.mode, integrity: signed.integrity, keepalive: signed.keepalive, referrerPolicy: signed.referrerPolicy }).toEqual(expected)
    expect(signed.method).toBe('PUT')
    expect(signed.url).toBe(URL_)
  })

  it('redirect becomes manual, except error which stays', async () => {
    expect((await signer().sign(new Request(URL_, { redirect: 'follow' }))).redirect).toBe('manual')
    expect((await signer().sign(new Request(URL_, { redirect: 'error' }))).redirect).toBe('error')
  })

  it('the body sent is the body digested and signed, and the input headers are untouched', async () => {
    const input = new Request(URL_, { method: 'POST', headers: { 'content-type': 'application/json', 'x-trace': '1' }, body: '{"amount":10}' })
    const signed = await signer().sign(input)
    expect([...input.headers.keys()].sort()).toEqual(['content-type', 'x-trace'])
    expect(signed.headers.get('x-trace')).toBe('1')
    const message = await fromFetchRequest(signed)
    expect(new TextDecoder().decode(message.body)).toBe('{"amount":10}')
    await verifyMessageDigest(message)
    const key = await importKey(hmacJwk, { alg: 'hmac-sha256', kid: 'client-1' })
    const [verified] = await verifyMessage(message, { key })
    expect(verified?.params.keyid).toBe('client-1')
  })

  it('a GET without a body signs and keeps no body', async () => {
    const signed = await signer().sign(new Request(URL_))
    expect(signed.body).toBeNull()
    expect(signed.method).toBe('GET')
    expect(signed.headers.get('signature-input')).toMatch(/^sig1=\("@method" "@target-uri"/)
  })
})
