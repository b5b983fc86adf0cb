/**
 * The Workers snippets inside workerd (miniflare 4, no compatibility flags): each is bundled
 * from the TypeScript sources with esbuild, given its bindings, and sent signed requests.
 */
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientSigner, jwksText, root, snippetPath } from './helpers.ts'

type MiniflareLike = {
  dispatchFetch(url: string, init?: { method?: string; headers?: [string, string][]; body?: ArrayBuffer }): Promise<{ status: number; headers: { get(name: string): string | null }; json(): Promise<unknown>; text(): Promise<string> }>
  dispose(): Promise<void>
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

async function worker(name: string): Promise<MiniflareLike> {
  const { Miniflare } = (await import('miniflare')) as unknown as { Miniflare: new (options: object) => MiniflareLike }
  return new Miniflare({ modules: true, script: await bundle(name), compatibilityDate: '2026-07-01', bindings: { CALLER_JWKS: jwksText } })
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
})
