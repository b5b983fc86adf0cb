/**
 * The Deno and Bun server snippets in their own runtimes (the npm packages `deno` and `bun`):
 * `deno serve` and `bun run` serve the snippet's default export on loopback, straight from the
 * TypeScript sources (an import map for Deno, the tsconfig paths for Bun), and Node sends them
 * signed and unsigned requests.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeBinary, startService } from '../support/service.ts'
import type { Runtime, Service } from '../support/service.ts'
import { clientSigner, freePort, root, snippetPath } from './helpers.ts'

function bin(name: Runtime): string {
  const path = runtimeBinary(name)
  if (path === undefined) throw new Error(`the npm package ${name} is not installed (pnpm install)`)
  return path
}

/** Wait until something answers HTTP at `origin` (any status), or fail with the process output. */
async function ready(origin: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output()}`)
    const answered = await fetch(origin, { signal: AbortSignal.timeout(1000) }).then((r) => r.body?.cancel().then(() => true) ?? true, () => false)
    if (answered) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`no answer from ${origin} within ${timeoutMs} ms: ${output()}`)
}

async function exercise(origin: string): Promise<void> {
  const unsigned = await fetch(`${origin}/orders`)
  expect(unsigned.status).toBe(401)
  expect(((await unsigned.json()) as { code: string }).code).toBe('ERR_SIGNATURE_MISSING')

  const get = await fetch(await clientSigner().sign(new Request(`${origin}/orders?status=open`)))
  expect(get.status).toBe(200)
  expect(await get.json()).toMatchObject({ caller: 'acme', keyid: 'acme-backend-1' })

  const post = await clientSigner().sign(new Request(`${origin}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1","quantity":2}' }))
  const replay = post.clone()
  expect((await fetch(post)).status).toBeLessThan(300)
  const replayed = await fetch(replay)
  expect(replayed.status).toBe(401)
  expect(((await replayed.json()) as { code: string }).code).toBe('ERR_NONCE_REPLAYED')
}

describe('deno-server under `deno serve`', () => {
  let server: Service | undefined
  let dir: string
  let origin: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-deno-'))
    const imports = Object.fromEntries(['core', 'client', 'server', 'registry'].map((p) => [`@signet/${p}`, pathToFileURL(join(root, 'packages', p, 'src', ...(p === 'core' ? ['entries'] : []), 'index.ts')).href]))
    await writeFile(join(dir, 'import-map.json'), JSON.stringify({ imports }))
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    server = startService(bin('deno'), [
      'serve', '--no-check', '--allow-all', '--node-modules-dir=manual', '--import-map', join(dir, 'import-map.json'),
      '--host', '127.0.0.1', '--port', String(port), snippetPath('deno-server'),
    ], { DENO_DIR: join(dir, 'cache') })
    await ready(origin, server.child, server.output)
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('verifies signed requests and refuses unsigned and replayed ones', () => exercise(origin), 30_000)
})

describe('bun-server under `bun run`', () => {
  let server: Service | undefined
  let origin: string
  beforeAll(async () => {
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    server = startService(bin('bun'), ['run', snippetPath('bun-server')], { PORT: String(port) })
    await ready(origin, server.child, server.output)
  }, 60_000)
  afterAll(() => server?.stop())

  it('verifies signed requests and refuses unsigned and replayed ones', () => exercise(origin), 30_000)
})
