import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJwk, generateKey, hasErrorCode } from '@signet/core'
import { jwksKeys, jwksRecords, loadJwksFile, parseJwks } from '../src/resolvers/jwks.ts'
import { memoryKeys } from '../src/resolvers/memory.ts'
import { remoteJwks } from '../src/resolvers/remote-jwks.ts'
import { assertKeyUsable } from '../src/key-record.ts'
import { createVerifier } from '../src/verifier.ts'
import { NOW_MS, hmacKey, rejection, requestMessage, sign } from './helpers.ts'

let edJwk: JsonWebKey
let hmacJwk: JsonWebKey

beforeAll(async () => {
  edJwk = await exportJwk(await generateKey('ed25519', { kid: 'ed-1' }))
  hmacJwk = (await hmacKey('hm-1')).jwk
})

describe('JWKS resolver', () => {
  it('imports each key with its kid and carries owner, scopes and Signet members', async () => {
    const records = await jwksRecords({ keys: [{ ...edJwk, owner: 'acme', scopes: ['read', 'write'], allowIps: ['10.0.0.0/8'], expires: 2_000_000_000, state: 'active' }, hmacJwk] })
    expect(records.map((r) => r.id)).toEqual(['ed-1', 'hm-1'])
    expect(records[0]).toMatchObject({ owner: 'acme', scopes: ['read', 'write'], allowIps: ['10.0.0.0/8'], expires: 2_000_000_000, state: 'active' })
    expect(records[0]?.key.type).toBe('public')
    expect(records[0]?.key.algorithm.name).toBe('ed25519')
    expect(records[1]?.key.algorithm.name).toBe('hmac-sha256')
    const resolver = await jwksKeys({ keys: [hmacJwk] })
    expect(resolver.resolve('hm-1')?.id).toBe('hm-1')
    expect(resolver.resolve('__proto__')).toBeUndefined()
    expect(resolver.resolve('constructor')).toBeUndefined()
  })

  it('parses text and files; a verifier built on it accepts the right signer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-jwks-'))
    const file = join(dir, 'keys.json')
    writeFileSync(file, JSON.stringify({ keys: [{ ...hmacJwk, owner: 'o' }] }))
    const keys = await loadJwksFile(file)
    const { importKey } = await import('@signet/core')
    const signer = await importKey(hmacJwk, { kid: 'hm-1' })
    const verifier = createVerifier({ keys, clock: () => NOW_MS })
    expect((await verifier.verify(await sign(await requestMessage(), signer))).owner).toBe('o')
    expect((await parseJwks(new TextEncoder().encode(JSON.stringify({ keys: [hmacJwk] })))).records()).toHaveLength(1)
  })

  it('refuses malformed sets with coded errors', async () => {
    const bad: Array<[unknown, string]> = [
      [null, 'ERR_KEY_INVALID'],
      [{}, 'ERR_KEY_INVALID'],
      [{ keys: {} }, 'ERR_KEY_INVALID'],
      [{ keys: [5] }, 'ERR_KEY_INVALID'],
      [{ keys: [{ kty: 'oct', k: 'AAAA' }] }, 'ERR_KEY_INVALID'],
      [{ keys: [{ ...hmacJwkPlaceholder(), kid: 'a' }, { ...hmacJwkPlaceholder(), kid: 'a' }] }, 'ERR_KEY_INVALID'],
      [{ keys: [{ ...hmacJwkPlaceholder(), kid: 'a', scopes: 'read' }] }, 'ERR_KEY_INVALID'],
      [{ keys: [{ ...hmacJwkPlaceholder(), kid: 'a', allowIps: ['nope'] }] }, 'ERR_KEY_INVALID'],
      [{ keys: [{ ...hmacJwkPlaceholder(), kid: 'a', state: 'paused' }] }, 'ERR_KEY_INVALID'],
      [{ keys: [{ ...hmacJwkPlaceholder(), kid: 'a', owner: 7 }] }, 'ERR_KEY_INVALID'],
      [{ keys: [{ kty: 'oct', kid: 'short', k: 'AAAA' }] }, 'ERR_KEY_TOO_SHORT'],
    ]
    for (const [input, code] of bad) {
      const error = await rejection(jwksRecords(input))
      expect(error.code, JSON.stringify(input)).toBe(code)
    }
    expect((await rejection(parseJwks('{not json'))).code).toBe('ERR_KEY_INVALID')
    expect((await rejection(loadJwksFile('/nonexistent/keys.json'))).code).toBe('ERR_IO')
  })

  it('memory resolver: set, delete, duplicate ids refused', async () => {
    const { key } = await hmacKey('m1')
    const keys = memoryKeys([{ id: 'm1', key }])
    expect(keys.resolve('m1')?.id).toBe('m1')
    keys.set({ id: 'm2', key, state: 'revoked' })
    expect(keys.records()).toHaveLength(2)
    expect(keys.delete('m1')).toBe(true)
    expect(keys.resolve('m1')).toBeUndefined()
    expect(() => memoryKeys([{ id: 'x', key }, { id: 'x', key }])).toThrow(TypeError)
    expect(() => memoryKeys(new Map([['x', { id: 'x', key }]]))).not.toThrow()
  })

  it('key state: each refusal has its own code, revoked first', async () => {
    const { key } = await hmacKey('s')
    const code = (fn: () => void) => {
      try {
        fn()
        return 'ok'
      } catch (e) {
        return (e as { code: string }).code
      }
    }
    expect(code(() => assertKeyUsable({ id: 's', key }, 100))).toBe('ok')
    expect(code(() => assertKeyUsable({ id: 's', key, state: 'revoked', expires: 1 }, 100))).toBe('ERR_KEY_REVOKED')
    expect(code(() => assertKeyUsable({ id: 's', key, state: 'disabled' }, 100))).toBe('ERR_KEY_DISABLED')
    expect(code(() => assertKeyUsable({ id: 's', key, notBefore: 101 }, 100))).toBe('ERR_KEY_NOT_YET_VALID')
    expect(code(() => assertKeyUsable({ id: 's', key, notBefore: 100 }, 100))).toBe('ok')
    expect(code(() => assertKeyUsable({ id: 's', key, expires: 100 }, 100))).toBe('ERR_KEY_EXPIRED')
    expect(code(() => assertKeyUsable({ id: 's', key, expires: 101 }, 100))).toBe('ok')
  })
})

function hmacJwkPlaceholder(): JsonWebKey {
  return { kty: 'oct', k: 'q'.repeat(43) }
}

describe('remote JWKS on 127.0.0.1', () => {
  let server: Server
  let url: string
  let hits = 0
  let status = 200
  let body = ''

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++
      res.writeHead(status, { 'content-type': 'application/jwk-set+json' })
      res.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('caches, refetches on an unknown kid at most once per cooldown, and shares concurrent fetches', async () => {
    let now = 0
    hits = 0
    status = 200
    body = JSON.stringify({ keys: [edJwk] })
    const keys = remoteJwks(url, { now: () => now, cacheMaxAgeMs: 60_000, cooldownMs: 10_000 })
    const found = await Promise.all([keys.resolve('ed-1'), keys.resolve('ed-1'), keys.resolve('ed-1')])
    expect(found.every((r) => r?.id === 'ed-1')).toBe(true)
    expect(hits).toBe(1)
    expect(await keys.resolve('unknown')).toBeUndefined()
    expect(hits).toBe(1) // within the cooldown of the first fetch
    now = 11_000
    body = JSON.stringify({ keys: [edJwk, hmacJwk] })
    expect((await keys.resolve('hm-1'))?.id).toBe('hm-1')
    expect(hits).toBe(2)
    expect(await keys.resolve('other')).toBeUndefined()
    expect(hits).toBe(2)
    now = 80_000
    await keys.resolve('ed-1')
    expect(hits).toBe(3)
  })

  it('fails closed with ERR_STORE_UNAVAILABLE when the set cannot be fetched and the cache is stale', async () => {
    let now = 0
    status = 200
    body = JSON.stringify({ keys: [edJwk] })
    const keys = remoteJwks(url, { now: () => now, cacheMaxAgeMs: 1000 })
    expect((await keys.resolve('ed-1'))?.id).toBe('ed-1')
    status = 500
    now = 2000
    expect((await rejection(keys.resolve('ed-1'))).code).toBe('ERR_STORE_UNAVAILABLE')
    const tolerant = remoteJwks(url, { now: () => now, cacheMaxAgeMs: 1000, maxStaleMs: 60_000 })
    status = 200
    await tolerant.refresh()
    status = 500
    now = 4000
    expect((await tolerant.resolve('ed-1'))?.id).toBe('ed-1')
    status = 200
    body = '{"keys": "nope"}'
    const broken = remoteJwks(url)
    expect(hasErrorCode(await rejection(broken.resolve('x')), 'ERR_STORE_UNAVAILABLE')).toBe(true)
    const closed = remoteJwks('http://127.0.0.1:1/jwks.json', { timeoutMs: 500 })
    expect((await rejection(closed.resolve('x'))).code).toBe('ERR_STORE_UNAVAILABLE')
  })

  it('validates its options', () => {
    expect(() => remoteJwks('not a url')).toThrow(TypeError)
    expect(() => remoteJwks('ftp://x/jwks')).toThrow(TypeError)
    expect(() => remoteJwks(url, { cacheMaxAgeMs: -1 })).toThrow(RangeError)
  })
})
