/**
 * The browser snippet under Node: IndexedDB from fake-indexeddb (the client package's test
 * dependency), `location.origin` pointing at a loopback server that registers the public JWK
 * and verifies the signed call, exactly as the page's own API would.
 */
import http from 'node:http'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importKey } from '@signet/core'
import { createVerifier, memoryKeys, MemoryNonceStore, readNodeBody, withSignetNode } from '@signet/server'
import { close, freePort, listening, root, runSnippet } from './helpers.ts'

const g = globalThis as { indexedDB?: unknown; location?: unknown }

describe('browser-key', () => {
  const keys = memoryKeys()
  const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
  const registered: JsonWebKey[] = []
  let server: Server
  let saved: { indexedDB?: unknown; location?: unknown }

  beforeAll(async () => {
    const api = withSignetNode(verifier, (req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ keyid: req.signet.keyid, alg: req.signet.alg, order: JSON.parse(new TextDecoder().decode(req.rawBody)) }))
    })
    server = http.createServer((req, res) => {
      if (req.url !== '/keys') return api(req, res)
      // Registration: the page's session would authenticate this call.
      readNodeBody(req, 4096).then(async (body) => {
        const jwk = JSON.parse(new TextDecoder().decode(body)) as JsonWebKey & { kid: string }
        registered.push(jwk)
        keys.set({ id: jwk.kid, key: await importKey(jwk), owner: 'browser-user' })
        res.statusCode = 204
        res.end()
      }, () => res.end())
    })
    server.listen(await freePort(), '127.0.0.1')
    await listening(server)
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const require = createRequire(new URL('packages/client/package.json', pathToFileURL(root)))
    const { IDBFactory } = (await import(pathToFileURL(require.resolve('fake-indexeddb')).href)) as { IDBFactory: new () => unknown }
    saved = { indexedDB: g.indexedDB, location: g.location }
    g.indexedDB = new IDBFactory()
    g.location = { origin: `http://127.0.0.1:${port}` }
  })
  afterAll(async () => {
    g.indexedDB = saved.indexedDB
    g.location = saved.location
    await close(server)
  })

  it('creates and registers a non-extractable key once, then signs the API call', async () => {
    const { logs } = await runSnippet('browser-key')
    expect(registered).toHaveLength(1)
    expect(registered[0]).not.toHaveProperty('d')
    expect(registered[0]).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(logs).toEqual([[200, { keyid: (registered[0] as { kid: string }).kid, alg: 'ecdsa-p256-sha256', order: { sku: 'A-1', quantity: 2 } }]])
  })
})
