#!/usr/bin/env node
// pnpm test: the one command that checks everything, on a fresh machine or in CI.
//
// Steps: vectors present -> build -> typecheck -> lint -> vitest (node + happy-dom projects,
// unit, conformance, integration with a real Redis) -> the conformance suite on Node (built
// ESM and CJS), Deno, Bun, workerd and headless Chromium against the built packages, plus a
// real Chromium page -> the lean signing entries in the same runtimes. Each runner's counts are summed
// into one closing line `N passed, N failed`, the line CI reads. With CI=true nothing may be
// skipped: a skipped test or a missing runtime counts as a failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'

const ci = process.env.CI === 'true' || process.env.CI === '1'
const totals = { passed: 0, failed: 0, skipped: 0 }
const lines = []

function step(name, cmd, args, parse) {
  process.stdout.write(`\n=== ${name}\n`)
  const started = Date.now()
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 })
  process.stdout.write(result.stdout ?? '')
  const counts = parse ? parse(result) : { passed: result.status === 0 ? 1 : 0, failed: result.status === 0 ? 0 : 1, skipped: 0 }
  if (result.status !== 0 && counts.failed === 0) counts.failed = 1 // a crash with no count is still a failure
  totals.passed += counts.passed
  totals.failed += counts.failed
  totals.skipped += counts.skipped
  lines.push(`${name}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
}

// The closing `N passed, N failed` line of a launcher.
function lastSummary(result) {
  const matches = [...(result.stdout ?? '').matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/gm)]
  const m = matches.at(-1)
  if (!m) return { passed: 0, failed: 1, skipped: 0 }
  return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) }
}

mkdirSync('.tmp', { recursive: true })

if (!existsSync('../shared/vectors/rfc9421-vectors.json')) {
  if (ci) {
    console.log('../shared/vectors is absent: CI requires it')
    totals.failed += 1
  } else {
    console.log('../shared/vectors is absent: the conformance cases that read it are skipped')
  }
}

step('build', process.execPath, ['scripts/build.mjs'])
step('typecheck', 'node_modules/.bin/tsc', ['-p', 'tsconfig.json', '--noEmit'])
step('lint', process.execPath, ['scripts/lint.mjs'])
step('vitest', 'node_modules/.bin/vitest', ['run', '--reporter=default', '--reporter=json', '--outputFile=.tmp/vitest.json'], () => {
  if (!existsSync('.tmp/vitest.json')) return { passed: 0, failed: 1, skipped: 0 }
  const report = JSON.parse(readFileSync('.tmp/vitest.json', 'utf8'))
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + (report.numTotalTestSuites && !report.success && report.numFailedTests === 0 ? 1 : 0),
    skipped: report.numPendingTests + report.numTodoTests,
  }
})
step('runtimes', process.execPath, ['test/runtimes/all.mjs'], lastSummary)
step('lean entries in runtimes', process.execPath, ['test/bundle/runtimes.mjs'], lastSummary)

console.log('\n=== summary')
for (const line of lines) console.log(line)
if (ci && totals.skipped > 0) {
  console.log(`${totals.skipped} skipped in CI: counted as failures`)
  totals.failed += totals.skipped
  totals.skipped = 0
}
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
process.exit(totals.failed === 0 ? 0 : 1)
