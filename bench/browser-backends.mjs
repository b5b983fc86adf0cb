// The backend table in a real browser: headless Chromium (playwright-core, /usr/bin/chromium)
// loads a page from 127.0.0.1 (a secure context, so crypto.subtle exists) with Signet's
// webcrypto and pure backends bundled by esbuild, and times each one's sign and verify on the
// same signature base. There is no node:crypto there: this is the choice the selection makes in
// a browser, measured rather than assumed.
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { jwkPairs, signatureBase } from './fixtures.mjs'
import { builtResolution } from './bundle-size.mjs'
import { ROOT, signetSourcePlugin } from './load-signet.mjs'

const CHROMIUM = '/usr/bin/chromium'
// Runs in the page: each backend, each algorithm, sign then verify, for `ms` milliseconds each.
const PAGE_SCRIPT = `
import { getAlgorithm, getBackend, selectBackend } from '@signet/core'
import { pureBackend } from '@signet/core/pure'
window.runBench = async ({ keys, base, ms }) => {
  const data = new Uint8Array(base)
  const backends = [getBackend('webcrypto'), pureBackend]
  const rows = []
  const selected = {}
  const time = async (fn) => {
    const warm = performance.now()
    while (performance.now() - warm < ms / 2) await fn()
    let n = 0
    const start = performance.now()
    while (performance.now() - start < ms) { await fn(); n++ }
    return (n * 1000) / (performance.now() - start)
  }
  for (const [name, pair] of Object.entries(keys)) {
    const alg = getAlgorithm(name)
    selected[name] = selectBackend(alg, { jwk: pair.priv }).name
    for (const b of backends) {
      const priv = { jwk: pair.priv }
      const pub = { jwk: pair.pub }
      try {
        const sig = await b.sign(alg, priv, data)
        if ((await b.verify(alg, pub, data, sig)) !== true) throw new Error('did not verify')
        rows.push({ alg: name, backend: b.name, op: 'sign', opsPerSecond: await time(() => b.sign(alg, priv, data)) })
        rows.push({ alg: name, backend: b.name, op: 'verify', opsPerSecond: await time(() => b.verify(alg, pub, data, sig)) })
      } catch (e) {
        rows.push({ alg: name, backend: b.name, op: 'sign', error: String(e && e.message || e) })
        rows.push({ alg: name, backend: b.name, op: 'verify', error: String(e && e.message || e) })
      }
    }
  }
  return { rows, selected, userAgent: navigator.userAgent }
}
`


/** @returns {Promise<{ rows: object[], selected?: object, userAgent?: string, skipped?: string }>} */
export async function runBrowserBackends({ built, ms = 300 }) {
  if (!existsSync(CHROMIUM)) return { rows: [], skipped: `${CHROMIUM} not installed` }
  const esbuild = await import('esbuild')
  const { chromium } = await import('playwright-core')
  const resolution = built ? builtResolution() : { resolveDir: ROOT, plugins: [signetSourcePlugin()] }
  const bundle = await esbuild.build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: resolution.resolveDir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: resolution.plugins,
    ...(resolution.tsconfig ? { tsconfig: resolution.tsconfig } : {}),
  })
  const js = bundle.outputFiles[0].text
  const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/bench.js"></script>'
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js)
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  })
  try {
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${server.address().port}/`, { timeout: 30_000 })
    await page.waitForFunction(() => typeof window.runBench === 'function', null, { timeout: 30_000 })
    const base = Array.from(signatureBase('POST').base)
    return await page.evaluate((args) => window.runBench(args), { keys: jwkPairs(), base, ms })
  } finally {
    await browser.close()
    server.close()
  }
}
