/**
 * The fetch-handler adapter serving on real runtimes: Deno (`Deno.serve`), Bun (`Bun.serve`)
 * and workerd (miniflare 4, a module worker without nodejs_compat). Each run bundles
 * fixtures/fetch-server.ts with esbuild and sends signed requests: accepted, replayed,
 * tampered, unsigned. A missing runtime is reported on one line and skipped outside CI.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { importKey } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { hmacKey, requestMessage, sign } from './helpers.ts'
import { send } from './http-client.ts'
import { runtimeBinary, startService } from '../../../test/support/service.ts'
import type { Service } from '../../../test/support/service.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const binaries = { deno: runtimeBinary('deno'), bun: runtimeBinary('bun') }
const present = { deno: binaries.deno !== undefined, bun: binaries.bun !== undefined, workerd: existsSync(join(root, 'node_modules', 'miniflare')) }
for (const [name, ok] of Object.entries(present)) {
  if (!ok) {
    if (process.env['CI']) throw new Error(`${name} is missing: CI must run the runtime serving tests`)
    console.log(`${name} not installed: skipping its serving test`)
  }
}

const outDir = join(root, '.tmp', 'server-tests')
let key: SignetKey
let jwks: string
const bundles: string[] = []
const services: Service[] = []

async function bundleFor(platform: 'node' | 'browser', name: string): Promise<string> {
  mkdirSync(outDir, { recursive: true })
  const outfile = join(outDir, `${name}-${process.pid}.mjs`)
  const src = (pkg: string) => join(root, 'packages', pkg, 'src', ...(pkg === 'core' ? ['entries'] : []), 'index.ts')
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/fetch-server.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform,
    format: 'esm',
    target: 'es2022',
    conditions: platform === 'browser' ? ['workerd', 'worker', 'browser'] : [],
    alias: { '@signet/core': src('core'), '@signet/core/verifying': join(root, 'packages/core/src/entries/verifying.ts'), '@signet/server': src('server') },
    define: { __JWKS__: JSON.stringify(jwks) },
    logLevel: 'silent',
  })
  bundles.push(outfile)
  return outfile
}

beforeAll(async () => {
  const generated = await hmacKey('k-runtime')
  key = await importKey(generated.jwk, { kid: 'k-runtime' })
  jwks = JSON.stringify({ keys: [{ ...generated.jwk, owner: 'acme' }] })
})

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  for (const file of bundles) rmSync(file, { force: true })
})

function startChild(command: string, args: string[]): Promise<number> {
  const service = startService(command, args)
  services.push(service)
  const { child } = service
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${service.output()}`)), 30_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening (\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${command} exited ${code}: ${service.output()}`))
    })
  })
}

async function signedFor(authority: string, body = '{"n":1}'): Promise<HttpRequestMessage> {
  return sign(await requestMessage({ authority, scheme: 'http', body }), key, { created: Math.floor(Date.now() / 1000) })
}

async function exercise(runtime: string, port: number): Promise<void> {
  const message = await signedFor(`127.0.0.1:${port}`)
  const ok = await send(port, message)
  expect(ok.status).toBe(200)
  expect(ok.json()).toMatchObject({ runtime, keyid: 'k-runtime', owner: 'acme', ip: '127.0.0.1', body: '{"n":1}' })
  const replay = await send(port, message)
  expect(replay.status).toBe(401)
  expect(replay.json().code).toBe('ERR_NONCE_REPLAYED')
  const tampered = await signedFor(`127.0.0.1:${port}`)
  expect((await send(port, { ...tampered, body: new TextEncoder().encode('{"n":2}') })).json().code).toBe('ERR_DIGEST_MISMATCH')
  const unsigned = await send(port, await requestMessage({ authority: `127.0.0.1:${port}` }))
  expect(unsigned.status).toBe(401)
  expect(unsigned.headers['accept-signature']).toBeDefined()
}

describe('withSignet serving on other runtimes', () => {
  it.runIf(present.deno)('Deno.serve', async () => {
    const port = await startChild(binaries.deno!, ['run', '--allow-net', '--allow-env', '--no-prompt', await bundleFor('node', 'deno-server')])
    await exercise('deno', port)
  }, 60_000)

  it.runIf(present.bun)('Bun.serve', async () => {
    const port = await startChild(binaries.bun!, ['run', await bundleFor('node', 'bun-server')])
    await exercise('bun', port)
  }, 60_000)

  it.runIf(present.workerd)('workerd (miniflare, no nodejs_compat): core- and client-signed requests, CF-Connecting-IP believed when configured', async () => {
    const { readFileSync } = await import('node:fs')
    const { Miniflare } = await import('miniflare')
    const script = readFileSync(await bundleFor('browser', 'worker'), 'utf8')
    const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-07-01' })
    try {
      const message = await signedFor('api.test')
      const headers = new Headers()
      for (const f of message.fields) headers.append(f.name, f.value)
      headers.set('cf-connecting-ip', '198.51.100.4')
      const init = { method: 'POST', headers: Object.fromEntries(headers), body: '{"n":1}' }
      const ok = await mf.dispatchFetch('http://api.test/orders?id=7', init)
      const json = (await ok.json()) as Record<string, unknown>
      expect(ok.status).toBe(200)
      expect(json).toMatchObject({ runtime: 'workerd', keyid: 'k-runtime', body: '{"n":1}' })
      expect(json['ip']).toBe('198.51.100.4')
      const replay = await mf.dispatchFetch('http://api.test/orders?id=7', init)
      expect(replay.status).toBe(401)
      expect(((await replay.json()) as { code: string }).code).toBe('ERR_NONCE_REPLAYED')
      // A request signed by @signet/client's default signer (fresh nonce, Content-Digest).
      const { createSigner } = await import('@signet/client')
      const signer = createSigner({ key, keyId: 'k-runtime' })
      const fromClient = await signer.sign(new Request('http://api.test/orders?id=8', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"c":1}' }))
      const clientReply = await mf.dispatchFetch(fromClient.url, { method: 'POST', headers: Object.fromEntries(fromClient.headers), body: await fromClient.text() })
      expect(clientReply.status).toBe(200)
      expect(await clientReply.json()).toMatchObject({ runtime: 'workerd', keyid: 'k-runtime', body: '{"c":1}' })
      const unsigned = await mf.dispatchFetch('http://api.test/orders?id=7')
      expect(unsigned.status).toBe(401)
      await unsigned.arrayBuffer()
    } finally {
      await mf.dispose()
    }
  }, 60_000)
})
