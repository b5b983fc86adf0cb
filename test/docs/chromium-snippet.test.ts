/**
 * The browser snippet in headless Chromium (playwright-core and /usr/bin/chromium): bundled with
 * esbuild and loaded by a page on a loopback origin (a secure context), with real WebCrypto and
 * IndexedDB. The first visit creates, stores and registers the key; a reload finds it in
 * IndexedDB and signs with it again, without registering anything.
 */
import { existsSync } from 'node:fs'
import http from 'node:http'
import type { Server } from 'node:http'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importKey } from '@signet/core'
import { createVerifier, memoryKeys, MemoryNonceStore, readNodeBody, withSignetNode } from '@signet/server'
import { close, freePort, listening, root, snippetPath } from './helpers.ts'

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
// TOOLCHAIN.md: the launch options that work on these machines (root, no GPU, no network).
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

type Page = {
  goto(url: string): Promise<unknown>
  reload(): Promise<unknown>
  on(event: 'console', listener: (message: { type(): string; text(): string; args(): { jsonValue(): Promise<unknown> }[] }) => void): void
  on(event: 'pageerror', listener: (error: Error) => void): void
}
type Browser = { newPage(): Promise<Page>; close(): Promise<void> }

describe('browser-key in Chromium', () => {
  const keys = memoryKeys()
  const verifier = createVerifier({ keys, nonces: new MemoryNonceStore() })
  const registered: (JsonWebKey & { kid: string })[] = []
  const verified: string[] = []
  const logs: unknown[][] = []
  const errors: string[] = []
  let server: Server
  let browser: Browser
  let page: Page
  let origin: string

  beforeAll(async () => {
    // Not skipped when missing: `pnpm test` requires Chromium (README), and .ci/run installs it.
    if (!existsSync(executablePath)) throw new Error(`${executablePath} not found: apt-get install -y chromium, or set CHROMIUM_PATH`)
    const script = (await build({
      entryPoints: [snippetPath('browser-key')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      tsconfig: `${root}docs/snippets/tsconfig.json`,
      write: false,
      logLevel: 'silent',
    })).outputFiles[0]!.text
    const api = withSignetNode(verifier, (req, res) => {
      verified.push(req.signet.keyid)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ keyid: req.signet.keyid, alg: req.signet.alg, order: JSON.parse(new TextDecoder().decode(req.rawBody)) }))
    })
    server = http.createServer((req, res) => {
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html')
        res.end('<!doctype html><meta charset="utf-8"><title>docs</title><script type="module" src="/app.js"></script>')
      } else if (req.url === '/app.js') {
        res.setHeader('content-type', 'text/javascript')
        res.end(script)
      } else if (req.url === '/keys') {
        readNodeBody(req, 4096).then(async (body) => {
          const jwk = JSON.parse(new TextDecoder().decode(body)) as JsonWebKey & { kid: string }
          registered.push(jwk)
          keys.set({ id: jwk.kid, key: await importKey(jwk), owner: 'browser-user' })
          res.writeHead(204).end()
        }, () => res.writeHead(400).end())
      } else api(req, res)
    })
    server.listen(await freePort(), '127.0.0.1')
    await listening(server)
    const address = server.address()
    origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    const { chromium } = (await import('playwright-core')) as unknown as { chromium: { launch(options: object): Promise<Browser> } }
    browser = await chromium.launch({ executablePath, args: ARGS, headless: true, timeout: 30_000 })
    page = await browser.newPage()
    page.on('console', (message) => {
      // Only the snippet logs with console.log; the browser's own messages are warnings or errors.
      if (message.type() !== 'log') return
      Promise.all(message.args().map((a) => a.jsonValue())).then(
        (values) => logs.push(values),
        () => logs.push([message.text()]),
      )
    })
    page.on('pageerror', (error) => errors.push(String(error)))
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    if (server !== undefined) await close(server)
  })

  async function waitForLogs(count: number): Promise<void> {
    const deadline = Date.now() + 20_000
    while (logs.length < count && errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(errors).toEqual([])
    expect(logs.length).toBe(count)
  }

  it('first visit: generates, stores and registers a key, then its signed call is accepted', async () => {
    await page.goto(`${origin}/`)
    await waitForLogs(1)
    expect(registered).toHaveLength(1)
    expect(registered[0]).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(registered[0]).not.toHaveProperty('d')
    expect(logs[0]).toEqual([200, { keyid: registered[0]!.kid, alg: 'ecdsa-p256-sha256', order: { sku: 'A-1', quantity: 2 } }])
  }, 30_000)

  it('a reload reuses the key from IndexedDB: nothing registered, the call is accepted', async () => {
    await page.reload()
    await waitForLogs(2)
    expect(registered).toHaveLength(1)
    expect(verified).toEqual([registered[0]!.kid, registered[0]!.kid])
    expect(logs[1]).toEqual(logs[0])
  }, 30_000)
})
