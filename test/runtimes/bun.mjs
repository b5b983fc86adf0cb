#!/usr/bin/env node
// Runs the conformance suite in Bun against the built packages.
// Usage: node test/runtimes/bun.mjs [--core FILE] [--client FILE] [--server FILE]
// Spawns node_modules/.bin/bun (npm package bun), which runs the TypeScript entry directly; bare
// imports of the built packages resolve from node_modules. Ends with `N passed, N failed`.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ROOT, announce, crashed, finish, locate, missingRuntime, parseReport, run } from './common.mjs'

const runtime = 'bun'
const binary = `${ROOT}node_modules/.bin/bun`
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
      const out = await run(binary, ['run', '--tsconfig-override=' + fileURLToPath(new URL('./tsconfig.runtime.json', import.meta.url)), entry, config], {
        env: { ...process.env, NO_COLOR: '1' },
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
