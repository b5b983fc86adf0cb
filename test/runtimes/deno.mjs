#!/usr/bin/env node
// Runs the conformance suite in Deno against the built packages.
// Usage: node test/runtimes/deno.mjs [--core FILE] [--client FILE] [--server FILE]
// Spawns node_modules/.bin/deno (npm package deno) with read permission only; bare imports of
// the built packages resolve from node_modules. Ends with `N passed, N failed`.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ROOT, announce, crashed, finish, locate, missingRuntime, parseReport, run } from './common.mjs'

const runtime = 'deno'
const binary = `${ROOT}node_modules/.bin/deno`
if (!existsSync(binary)) {
  missingRuntime(runtime, `${binary} not found`)
} else {
  const found = locate(runtime)
  if (found.core === undefined) {
    finish(runtime, { passed: 0, failed: 0, failures: [] }, found.problems)
  } else {
    announce(runtime, found)
    const entry = fileURLToPath(new URL('./entry.ts', import.meta.url))
    const config = JSON.stringify({ core: found.core, pure: found.pure, client: found.client, server: found.server, vectors: found.vectors })
    try {
      const out = await run(binary, ['run', '--allow-read', '--no-prompt', '--quiet', entry, config], {
        env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      })
      const report = parseReport(out.stdout)
      if (report === undefined) {
        throw new Error(`no report (exit ${out.code}${out.timedOut ? ', timed out' : ''})\n${out.stdout}\n${out.stderr}`.trim())
      }
      finish(runtime, report, found.problems)
    } catch (error) {
      crashed(runtime, error, found.problems)
    }
  }
}
