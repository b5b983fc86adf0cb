#!/usr/bin/env node
// Runs the lean signing entries (@signet/client/sign, @signet/core/signing), BUILT, in every
// runtime: Node, Deno, Bun, workerd (miniflare) and headless Chromium.
// Usage: node scripts/build.mjs && node test/bundle/runtimes.mjs
// esbuild bundles one small check (check.js beside this file) with the built packages for the
// browser; each runtime runs it and prints a JSON report. In each: HMAC and Ed25519 requests
// signed by the lean signer verify under the full verifier with their Content-Digest, and match
// the full signer byte for byte. Ends with `N passed, N failed`; exits 1 on any failure.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { REPORT_MARK, ROOT, TSCONFIG, parseReport, run } from '../runtimes/common.mjs'

const CHECK = fileURLToPath(new URL('./check.js', import.meta.url))
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

async function bundle(tail) {
  const result = await build({
    stdin: { contents: `import { check } from ${JSON.stringify(CHECK)}\n${tail}`, resolveDir: `${ROOT}packages/cli`, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    tsconfig: TSCONFIG,
    // The built packages, through their package.json exports, as an application gets them.
    nodePaths: [`${ROOT}packages/cli/node_modules`],
    logLevel: 'error',
  })
  return result.outputFiles[0].text
}

const PRINT = `console.log(${JSON.stringify(REPORT_MARK)} + JSON.stringify(await check()))`

async function inProcess(command, args, script) {
  const dir = mkdtempSync(join(tmpdir(), 'signet-lean-'))
  try {
    const file = join(dir, 'check.mjs')
    writeFileSync(file, script)
    const out = await run(command, [...args, file], { env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } })
    const report = parseReport(out.stdout)
    if (report === undefined) throw new Error(`no report (exit ${out.code})\n${out.stdout}\n${out.stderr}`.trim())
    return report
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function workerd() {
  const { Miniflare } = await import('miniflare')
  const script = await bundle('export default { async fetch() { return Response.json(await check()) } }')
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-07-01' })
  try {
    return await (await mf.dispatchFetch('http://127.0.0.1/')).json()
  } finally {
    await mf.dispose()
  }
}

async function chromium() {
  const script = await bundle('globalThis.__check = check')
  const server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/check.js"></script>')
    else if (req.url === '/check.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    else res.writeHead(404).end()
  })
  await new Promise((done) => server.listen(0, '127.0.0.1', done))
  const { chromium: driver } = await import('playwright-core')
  const browser = await driver.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const page = await browser.newPage()
    // 127.0.0.1 over HTTP is a secure context, so crypto.subtle is there.
    await page.goto(`http://127.0.0.1:${server.address().port}/`)
    await page.waitForFunction(() => typeof globalThis.__check === 'function', null, { timeout: 20_000 })
    return await page.evaluate(() => globalThis.__check())
  } finally {
    await browser.close()
    server.close()
  }
}

const nodeScript = await bundle(PRINT)
const runtimes = {
  node: () => inProcess(process.execPath, [], nodeScript),
  deno: () => inProcess(`${ROOT}node_modules/.bin/deno`, ['run', '--quiet', '--no-prompt'], nodeScript),
  bun: () => inProcess(`${ROOT}node_modules/.bin/bun`, ['run'], nodeScript),
  workerd,
  chromium,
}

let passed = 0
let failed = 0
for (const [name, start] of Object.entries(runtimes)) {
  try {
    const report = await Promise.race([start(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 90 s')), 90_000).unref())])
    for (const f of report.failures) console.log(`  FAIL [${name}] ${f.name}\n       ${f.message}`)
    console.log(`${name}: ${report.passed} passed, ${report.failed} failed`)
    passed += report.passed
    failed += report.failed
  } catch (error) {
    console.log(`  FAIL [${name}] ${String(error?.stack ?? error)}`)
    failed += 1
  }
}
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
