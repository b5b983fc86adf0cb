/**
 * The Accept-Signature retry is spent only where a signature of another shape can help: a
 * loopback server answers every request 401 with `Accept-Signature` and a given problem code,
 * and counts what arrives. Refusals of the key or the address are final (one request); shape
 * refusals, and 401s without a Signet code, are met once (two requests). The clock-skew retry
 * is unchanged.
 */
import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ACCEPT_SIGNATURE_RETRY_CODES, acceptSignatureMayHelp, createSigner, signedFetch } from '../src/index.ts'
import { ed25519Jwk } from './keys.ts'
import { ok, useLoopbacks } from './loopback.ts'
import type { Loopback } from './loopback.ts'

const WANTED = 'sig1=("@method" "@authority" "@path");created;keyid'

const [server] = (await useLoopbacks(1)) as [Loopback]

function refuse(res: ServerResponse, code: string | undefined, extra: Record<string, string> = {}): void {
  if (code === undefined) {
    res.writeHead(401, { 'accept-signature': WANTED, 'content-type': 'text/plain', ...extra })
    res.end('no')
    return
  }
  res.writeHead(401, { 'accept-signature': WANTED, 'content-type': 'application/problem+json', ...extra })
  res.end(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, code, detail: 'refused' }))
}

async function requestsFor(code: string | undefined): Promise<number> {
  server.arrivals.length = 0
  server.handler = (_arrival, res) => refuse(res, code)
  const response = await signedFetch(createSigner({ key: ed25519Jwk }))(`${server.origin}/orders`)
  expect(response.status).toBe(401)
  await response.text()
  return server.arrivals.length
}

const FINAL_CODES = [
  'ERR_KEY_REVOKED',
  'ERR_KEY_EXPIRED',
  'ERR_KEY_DISABLED',
  'ERR_KEY_NOT_FOUND',
  'ERR_KEY_NOT_YET_VALID',
  'ERR_IP_DENIED',
  'ERR_SIGNATURE_INVALID',
  'ERR_NONCE_REPLAYED',
  'ERR_DIGEST_MISMATCH',
  'ERR_ALG_MISMATCH',
]

const SHAPE_CODES = ['ERR_SIGNATURE_MISSING', 'ERR_REQUIRED_COMPONENT', 'ERR_REQUIRED_PARAMETER', 'ERR_LABEL_NOT_FOUND', 'ERR_TAG_MISMATCH', 'ERR_ALG_NOT_ALLOWED']

describe('Accept-Signature retry by problem code (127.0.0.1)', () => {
  it.each(FINAL_CODES)('%s: no second request', async (code) => {
    expect(await requestsFor(code)).toBe(1)
  })

  it.each(SHAPE_CODES)('%s: met once, then final', async (code) => {
    expect(await requestsFor(code)).toBe(2)
    expect(server.arrivals[1]!.headers['signature-input']).toMatch(/^sig1=\("@method" "@authority" "@path"\);/)
  })

  it('a 401 without a problem code is met once, as before', async () => {
    expect(await requestsFor(undefined)).toBe(2)
  })

  it('a problem body whose code is not a Signet code is met once', async () => {
    expect(await requestsFor('invalid_token')).toBe(2)
  })

  it('the clock-skew retry is unchanged: learned from Date, then re-signed', async () => {
    const serverNow = Date.now() + 3_600_000
    server.handler = (arrival, res, index) => {
      if (index === 0) {
        refuse(res, 'ERR_SIGNATURE_TOO_OLD', { date: new Date(serverNow).toUTCString() })
        return
      }
      ok(arrival, res, index)
    }
    const response = await signedFetch(createSigner({ key: ed25519Jwk }))(`${server.origin}/orders`)
    expect(response.status).toBe(200)
    expect(server.arrivals).toHaveLength(2)
    const created = Number(/;created=(\d+)/.exec(String(server.arrivals[1]!.headers['signature-input']))?.[1])
    expect(Math.abs(created - serverNow / 1000)).toBeLessThan(5)
  })
})

describe('acceptSignatureMayHelp', () => {
  it('agrees with the code list', () => {
    for (const code of SHAPE_CODES) expect(acceptSignatureMayHelp(code)).toBe(true)
    for (const code of FINAL_CODES) expect(acceptSignatureMayHelp(code)).toBe(false)
    expect(acceptSignatureMayHelp(undefined)).toBe(true)
    expect([...ACCEPT_SIGNATURE_RETRY_CODES].sort()).toEqual([...SHAPE_CODES].sort())
  })
})
