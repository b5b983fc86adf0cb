/**
 * The client takes a profile signer as it takes an RFC 9421 one: `signedFetch` and the ky
 * options sign Binance and SigV4 calls, a Binance -1021 answer (timestamp outside recvWindow)
 * teaches the clock offset and is retried once, and no signature follows a redirect to another
 * origin. The "server" is a fetch function running the profile verifiers with its own clock.
 */
import ky from 'ky'
import { describe, expect, it } from 'vitest'
import { signedFetch } from '@signet/client'
import { kySigner, signetKyHooks } from '@signet/client/ky'
import { isSignetError } from '@signet/core'
import { createBinanceSigner, createBinanceVerifier, createSigV4Signer, createSigV4Verifier } from '@signet/profiles'
import type { ProfileVerifier } from '@signet/profiles'

const binanceKey = { apiKey: 'api-key-1', secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fA' }
const aws = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'eu-west-1', service: 'execute-api' }

/** A fetch that verifies with `verifier` and answers as Binance does; it records every request. */
function server(verifier: ProfileVerifier, serverMs: () => number): { fetch: (r: Request) => Promise<Response>; seen: Request[] } {
  const seen: Request[] = []
  return {
    seen,
    async fetch(request: Request): Promise<Response> {
      seen.push(request.clone())
      const date = new Date(serverMs()).toUTCString()
      try {
        const identity = await verifier.verify(request)
        return Response.json({ ok: true, keyid: identity.keyid }, { headers: { date } })
      } catch (err) {
        const clock = isSignetError(err) && (err.code === 'ERR_SIGNATURE_TOO_OLD' || err.code === 'ERR_CREATED_IN_FUTURE')
        return Response.json(clock ? { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } : { code: -1022, msg: String(err) }, { status: 400, headers: { date } })
      }
    },
  }
}

describe('signedFetch with a profile signer', () => {
  it('Binance: a -1021 answer teaches the server clock and the request is retried once', async () => {
    const skewMs = 20_000
    const serverMs = (): number => Date.now() + skewMs
    const s = server(createBinanceVerifier({ keys: binanceKey, now: () => serverMs() / 1000 }), serverMs)
    const signer = createBinanceSigner(binanceKey)
    const response = await signedFetch(signer, { fetch: s.fetch })('https://api.binance.test/api/v3/account?symbol=LTCBTC')
    expect(response.status).toBe(200)
    expect(s.seen).toHaveLength(2)
    expect(Math.abs(signer.clockOffsetMs - skewMs)).toBeLessThan(1500)
    // The offset is kept: the next call goes through at once.
    await signedFetch(signer, { fetch: s.fetch })('https://api.binance.test/api/v3/account')
    expect(s.seen).toHaveLength(3)
    expect(new URL(s.seen[2]!.url).searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/)
  })
  it('Binance: a second -1021 is not retried again', async () => {
    const s = server(createBinanceVerifier({ keys: binanceKey, now: () => 0 }), () => 10 ** 13)
    const response = await signedFetch(createBinanceSigner(binanceKey), { fetch: s.fetch })('https://api.binance.test/x')
    expect(response.status).toBe(400)
    expect(s.seen).toHaveLength(2)
  })
  it('SigV4: a POST with a body verifies; the body is sent unchanged', async () => {
    const s = server(createSigV4Verifier({ credentials: aws }), Date.now)
    const response = await signedFetch(createSigV4Signer(aws), { fetch: s.fetch })('https://api.example.test/items?a=1', { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } })
    expect(await response.json()).toEqual({ ok: true, keyid: 'AKIDEXAMPLE' })
    expect(await s.seen[0]!.text()).toBe('{"n":1}')
  })
  it('a redirect to another origin is handed back, unfollowed; one on the same origin is re-signed', async () => {
    const seen: string[] = []
    const verifier = createSigV4Verifier({ credentials: aws })
    const fetch = async (r: Request): Promise<Response> => {
      seen.push(r.url)
      await verifier.verify(r)
      if (r.url.endsWith('/a')) return new Response(null, { status: 302, headers: { location: '/b' } })
      if (r.url.endsWith('/b')) return new Response(null, { status: 307, headers: { location: 'https://elsewhere.test/c' } })
      return new Response('wrong')
    }
    const response = await signedFetch(createSigV4Signer(aws), { fetch })('https://api.example.test/a')
    expect(response.status).toBe(307)
    expect(seen).toEqual(['https://api.example.test/a', 'https://api.example.test/b'])
  })
})

describe('ky with a profile signer', () => {
  it('kySigner signs Binance calls; signetKyHooks alone sign too', async () => {
    const s = server(createBinanceVerifier({ keys: binanceKey }), Date.now)
    const api = ky.create({ ...kySigner(createBinanceSigner(binanceKey), { fetch: s.fetch }), retry: 0 })
    expect(await api.get('https://api.binance.test/api/v3/account').json()).toEqual({ ok: true, keyid: 'api-key-1' })
    const hooks = signetKyHooks(createBinanceSigner(binanceKey))
    const bare = ky.create({ hooks, fetch: (input: RequestInfo | URL, init?: RequestInit) => s.fetch(input instanceof Request ? input : new Request(input, init)), retry: 0 })
    expect(await bare.get('https://api.binance.test/api/v3/time').json()).toEqual({ ok: true, keyid: 'api-key-1' })
  })
})
