#!/usr/bin/env node
// Runs the conformance suite in workerd (Cloudflare Workers) through miniflare 4, against the
// built packages.
// Usage: node test/runtimes/workerd.mjs [--core FILE] [--client FILE] [--server FILE]
// esbuild bundles a module worker (suite + built packages, nothing external); the vectors,
// read here in place, go in as a JSON binding; one dispatchFetch runs the suite and answers
// the report as JSON. No compatibility flags: the library must work without nodejs_compat.
// Ends with `N passed, N failed`.
import { existsSync } from 'node:fs'
import { ROOT, announce, bundle, crashed, entrySource, finish, locate, missingRuntime, readVectors } from './common.mjs'

const runtime = 'workerd'
const COMPATIBILITY_DATE = '2026-07-01'

const WORKER_TAIL = `export default {
  async fetch(request, env) {
    try {
      return Response.json(await run(env.VECTORS))
    } catch (error) {
      return new Response(String(error && error.stack || error), { status: 500 })
    }
  },
}`

if (!existsSync(`${ROOT}node_modules/miniflare`)) {
  missingRuntime(runtime, 'the miniflare package is not installed')
} else {
  const found = locate(runtime)
  if (found.core === undefined) {
    finish(runtime, { passed: 0, failed: 0, failures: [] }, found.problems)
  } else {
    announce(runtime, found, `, compatibility date ${COMPATIBILITY_DATE}`)
    let mf
    try {
      const { Miniflare } = await import('miniflare')
      const script = await bundle(entrySource(found, WORKER_TAIL), { conditions: ['workerd', 'worker', 'browser'], problems: found.problems })
      const vectors = readVectors(found)
      mf = new Miniflare({
        modules: true,
        script,
        compatibilityDate: COMPATIBILITY_DATE,
        ...(vectors === undefined ? {} : { bindings: { VECTORS: vectors } }),
      })
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 90 s')), 90_000).unref())
      const response = await Promise.race([mf.dispatchFetch('http://127.0.0.1/conformance'), timeout])
      if (!response.ok) throw new Error(`worker answered ${response.status}: ${await response.text()}`)
      finish(runtime, await response.json(), found.problems)
    } catch (error) {
      crashed(runtime, error, found.problems)
    } finally {
      await mf?.dispose()
    }
  }
}
