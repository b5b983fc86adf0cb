/**
 * The Workers snippets inside workerd (miniflare 4, no compatibility flags): each is bundled
 * from the TypeScript sources with esbuild, given its bindings, and sent signed requests.
 */
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSigner } from '@signet/client'
import { exportJwk, generateKey, publicKey } from '@signet/core'
import { clientSigner, jwksText, root, snippetPath } from './helpers.ts'

type MiniflareLike = {
  dispatchFetch(url: string, init?: { method?: string; headers?: [string, string][]; body?: ArrayBuffer }): Promise<{ status: number; headers: { get(name: string): string | null }; json(): Promise<unknown>; text(): Promise<string> }>
  dispose(): Promise<void>
  getKVNamespace(binding: string): Promise<{ put(key: string, value: string): Promise<void> }>
}

async function bundle(name: string): Promise<string> {
  const result = await build({
    entryPoints: [snippetPath(name)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    tsconfig: `${root}docs/snippets/tsconfig.json`,
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

/** Send a Request through miniflare (which takes a URL and init, not a Request). */
async function send(mf: MiniflareLike, request: Request) {
  const body = request.body === null ? undefined : await request.arrayBuffer()
  return mf.dispatchFetch(request.url, { method: request.method, headers: [...request.headers], ...(body === undefined ? {} : { body }) })
}

async function worker(name: string, options: object = {}): Promise<MiniflareLike> {
  const { Miniflare } = (await import('miniflare')) as unknown as { Miniflare: new (options: object) => MiniflareLike }
  return new Miniflare({
    modules: true, script: await bundle(name), compatibilityDate: '2026-07-01', bindings: { CALLER_JWKS: jwksText },
    // The Wrangler configuration of docs/getting-started/workers.md.
    durableObjects: { SIGNET_NONCES: { className: 'SignetNonces', useSQLite: true } },
    ...options,
  })
}

describe('workerd', () => {
  const running: MiniflareLike[] = []
  afterAll(async () => {
    await Promise.all(running.map((mf) => mf.dispose()))
  })

  describe('readme-worker', () => {
    let mf: MiniflareLike
    beforeAll(async () => {
      mf = await worker('readme-worker')
      running.push(mf)
    }, 60_000)

    it('greets a signed caller, refuses an unsigned request and a replay', async () => {
      const signed = await clientSigner().sign(new Request('https://api.example.workers.dev/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' }))
      const replay = signed.clone()
      const ok = await send(mf, signed)
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ hello: 'acme', scopes: ['orders:read', 'orders:write'] })
      const replayed = await send(mf, replay)
      expect(replayed.status).toBe(401)
      expect(((await replayed.json()) as { code: string }).code).toBe('ERR_NONCE_REPLAYED')
      const unsigned = await send(mf, new Request('https://api.example.workers.dev/orders'))
      expect(unsigned.status).toBe(401)
      expect(unsigned.headers.get('accept-signature')).toMatch(/"@method"/)
    }, 30_000)
  })

  describe('workers-hono', () => {
    let mf: MiniflareLike
    beforeAll(async () => {
      mf = await worker('workers-hono')
      running.push(mf)
    }, 60_000)

    it('lists and creates orders for a signed caller; refuses an unsigned one', async () => {
      const list = await send(mf, await clientSigner().sign(new Request('https://api.example.workers.dev/api/orders')))
      expect(list.status).toBe(200)
      expect(await list.json()).toEqual({ caller: 'acme', orders: [] })
      const created = await send(mf, await clientSigner().sign(new Request('https://api.example.workers.dev/api/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' })))
      expect(created.status).toBe(201)
      expect(await created.json()).toEqual({ caller: 'acme', order: { sku: 'A-1' } })
      expect((await send(mf, new Request('https://api.example.workers.dev/api/orders'))).status).toBe(401)
    }, 30_000)
  })

  describe('workers-kv-keys', () => {
    it('keys from KV, nonces and revocations in Durable Objects: an admin revokes a key, the next request is refused', async () => {
      const mf = await worker('workers-kv-keys', {
        kvNamespaces: ['SIGNET_KEYS'],
        durableObjects: { SIGNET_NONCES: { className: 'SignetNonces', useSQLite: true }, SIGNET_KEY_STATE: { className: 'SignetKeyState', useSQLite: true } },
      })
      running.push(mf)
      const kv = await mf.getKVNamespace('SIGNET_KEYS')
      const caller = (JSON.parse(jwksText) as { keys: { kid: string }[] }).keys[0]!
      await kv.put(caller.kid, JSON.stringify(caller))
      const adminKey = await generateKey('ed25519', { kid: 'admin-1' })
      await kv.put('admin-1', JSON.stringify({ ...(await exportJwk(publicKey(adminKey))), owner: 'ops', scopes: ['keys:admin'] }))
      const signed = await clientSigner().sign(new Request('https://api.example.workers.dev/orders'))
      const replay = signed.clone()
      const ok = await send(mf, signed)
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ hello: 'acme' })
      expect(((await (await send(mf, replay)).json()) as { code: string }).code).toBe('ERR_NONCE_REPLAYED')
      const revoke = await createSigner({ key: adminKey }).sign(new Request('https://api.example.workers.dev/admin/keys/state', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyid: caller.kid, state: 'revoked' }),
      }))
      const done = await send(mf, revoke)
      expect(done.status).toBe(200)
      expect(await done.json()).toEqual({ keyid: caller.kid, state: 'revoked', by: 'admin-1' })
      const refused = await send(mf, await clientSigner().sign(new Request('https://api.example.workers.dev/orders')))
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { code: string }).code).toBe('ERR_KEY_REVOKED')
    }, 60_000)
  })
})
