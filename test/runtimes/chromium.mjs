#!/usr/bin/env node
// Runs the conformance suite in headless Chromium (playwright-core driving /usr/bin/chromium),
// against the built packages.
// Usage: node test/runtimes/chromium.mjs [--core FILE] [--client FILE] [--server FILE]
// Env CHROMIUM_PATH overrides the browser binary. esbuild bundles the suite and the built
// packages for the browser; a 127.0.0.1 HTTP server (a secure context, so crypto.subtle is
// there) serves the page; the vectors, read here in place, are handed to the page; the page
// runs the suite and returns the report. Ends with `N passed, N failed`.
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT, announce, bundle, crashed, entrySource, finish, locate, missingRuntime, readVectors } from './common.mjs'

const runtime = 'chromium'
const PAGE = '<!doctype html><meta charset="utf-8"><title>signet conformance</title><script type="module" src="/conformance.js"></script>'

const withTimeout = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms).unref())])

if (!existsSync(CHROMIUM_PATH)) {
  missingRuntime(runtime, `${CHROMIUM_PATH} not found`)
} else if (!existsSync(`${ROOT}node_modules/playwright-core`)) {
  missingRuntime(runtime, 'the playwright-core package is not installed')
} else {
  const found = locate(runtime)
  if (found.core === undefined) {
    finish(runtime, { passed: 0, failed: 0, failures: [] }, found.problems)
  } else {
    announce(runtime, found)
    let browser
    let server
    const pageErrors = []
    try {
      const script = await bundle(entrySource(found, 'globalThis.__signetConformance = run'), { conditions: ['browser'], problems: found.problems })
      server = createServer((req, res) => {
        if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
        else if (req.url === '/conformance.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script)
        else res.writeHead(404).end()
      })
      await new Promise((done) => server.listen(0, '127.0.0.1', done))
      const { chromium } = await import('playwright-core')
      browser = await withTimeout(chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true }), 30_000, 'chromium launch')
      const page = await browser.newPage()
      page.on('pageerror', (error) => pageErrors.push(String(error?.stack ?? error)))
      await page.goto(`http://127.0.0.1:${server.address().port}/`)
      await page.waitForFunction(() => typeof globalThis.__signetConformance === 'function', null, { timeout: 20_000 }).catch((error) => {
        throw new Error(`the suite did not load: ${pageErrors.join('\n') || error.message}`)
      })
      const report = await withTimeout(
        page.evaluate((vectors) => globalThis.__signetConformance(vectors ?? undefined), readVectors(found) ?? null),
        90_000,
        'the suite',
      )
      finish(runtime, report, found.problems)
    } catch (error) {
      crashed(runtime, error, found.problems)
    } finally {
      await browser?.close().catch(() => {})
      server?.close()
    }
  }
}
