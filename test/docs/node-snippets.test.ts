/**
 * The Node getting-started snippets, run for real on loopback: the key generator, the `http`
 * server and the Express app verify requests signed by the client, ky and README snippets.
 */
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromFetchRequest, importKey, verifyMessage } from '@signet/core'
import { createSigner } from '@signet/client'
import { jwksKeys } from '@signet/server'
import { clientKeyPath, clientKeyText, clientSigner, close, freePort, jwksPath, listening, runSnippet } from './helpers.ts'

describe('node-keygen', () => {
  it('prints a private JWK and a JWK Set whose key verifies what the private one signs', async () => {
    const { logs } = await runSnippet('node-keygen')
    expect(logs).toHaveLength(2)
    const privateJwk = JSON.parse(String(logs[0]![0])) as JsonWebKey & { kid: string }
    const jwks = JSON.parse(String(logs[1]![0])) as { keys: (JsonWebKey & { kid: string; owner: string; scopes: string[] })[] }
    expect(privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: 'acme-backend-1' })
    expect(typeof privateJwk.d).toBe('string')
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kid: 'acme-backend-1', owner: 'acme', scopes: ['orders:read', 'orders:write'] })
    expect(jwks.keys[0]).not.toHaveProperty('d')

    const signed = await createSigner({ key: privateJwk }).sign(new Request('https://api.example/orders', { method: 'POST', body: '{}' }))
    const [verified] = await verifyMessage(await fromFetchRequest(signed), { key: await importKey(jwks.keys[0]!) })
    expect(verified!.keyid).toBe('acme-backend-1')
    // The JWK Set loads as the server's key source.
    expect((await jwksKeys(jwks)).resolve('acme-backend-1')?.owner).toBe('acme')
  })
})

describe('node-server with node-client, readme-client and node-ky', () => {
  let server: Server
  let api: string

  beforeAll(async () => {
    const port = await freePort()
    api = `http://127.0.0.1:${port}`
    server = (await runSnippet<{ server: Server }>('node-server', { SIGNET_JWKS: jwksPath, PORT: String(port) })).module.server
    await listening(server)
  })
  afterAll(() => close(server))

  it('node-client: a signed POST and a signed GET are accepted', async () => {
    const { logs } = await runSnippet('node-client', { SIGNET_KEY_FILE: clientKeyPath, API_URL: api })
    expect(logs).toEqual([
      [200, { caller: 'acme', keyid: 'acme-backend-1', method: 'POST', body: { sku: 'A-1', quantity: 2 } }],
      [200, { caller: 'acme', keyid: 'acme-backend-1', method: 'GET', body: null }],
    ])
  })

  it('readme-client: the README example is accepted', async () => {
    const { logs } = await runSnippet('readme-client', { SIGNET_KEY: clientKeyText, API_URL: api })
    expect(logs).toEqual([[200, { caller: 'acme', keyid: 'acme-backend-1', method: 'POST', body: { sku: 'A-1', quantity: 2 } }]])
  })

  it('node-ky: ky with kySigner is accepted', async () => {
    const { logs } = await runSnippet('node-ky', { SIGNET_KEY: clientKeyText, API_URL: api })
    expect(logs).toEqual([[{ caller: 'acme', keyid: 'acme-backend-1', method: 'POST', body: { sku: 'A-1', quantity: 2 } }]])
  })

  it('the server refuses an unsigned request, a replay and a changed body', async () => {
    const unsigned = await fetch(`${api}/orders`)
    expect(unsigned.status).toBe(401)
    expect(((await unsigned.json()) as { code: string }).code).toBe('ERR_SIGNATURE_MISSING')

    const signed = await clientSigner().sign(new Request(`${api}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' }))
    const first = signed.clone()
    expect((await fetch(first)).status).toBe(200)
    const replay = await fetch(signed.clone())
    expect(replay.status).toBe(401)
    expect(((await replay.json()) as { code: string }).code).toBe('ERR_NONCE_REPLAYED')

    const tampered = await clientSigner().sign(new Request(`${api}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' }))
    const changed = await fetch(new Request(tampered, { body: '{"sku":"A-9"}' }))
    expect(changed.status).toBe(401)
    expect(((await changed.json()) as { code: string }).code).toBe('ERR_DIGEST_MISMATCH')
  })
})

describe('node-express', () => {
  let server: Server
  let api: string

  beforeAll(async () => {
    const port = await freePort()
    api = `http://127.0.0.1:${port}`
    server = (await runSnippet<{ server: Server }>('node-express', { SIGNET_JWKS: jwksPath, PORT: String(port) })).module.server
    await listening(server)
  })
  afterAll(() => close(server))

  it('accepts a signed POST with the order from the verified raw body', async () => {
    const signed = await clientSigner().sign(new Request(`${api}/api/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1","quantity":2}' }))
    const response = await fetch(signed)
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual({ caller: 'acme', order: { sku: 'A-1', quantity: 2 } })
  })

  it('refuses an unsigned request under /api', async () => {
    const response = await fetch(`${api}/api/orders`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(401)
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  })
})
