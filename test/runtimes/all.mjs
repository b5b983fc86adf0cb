#!/usr/bin/env node
// Runs the conformance suite in every runtime launcher, one after another, each in its own
// process, against the built packages (run `node scripts/build.mjs` first).
// Usage: node test/runtimes/all.mjs [--core FILE] [--client FILE] [--server FILE] [--only node,deno,...]
// Options other than --only are passed to each launcher (see common.mjs). Prints each
// launcher's failures, one line per runtime (`deno: N passed, N failed`, or `deno: missing`),
// then the total `N passed, N failed`; exits 1 on any failure. With CI=true a missing runtime
// counts as a failure.
import { fileURLToPath } from 'node:url'
import { run } from './common.mjs'

// chromium-page is a real page: browser keys in IndexedDB, signed fetches verified on 127.0.0.1.
const RUNTIMES = ['node', 'deno', 'bun', 'workerd', 'chromium', 'chromium-page']
const args = process.argv.slice(2)
let only = RUNTIMES
const onlyAt = args.indexOf('--only')
if (onlyAt !== -1) {
  only = (args[onlyAt + 1] ?? '').split(',').filter(Boolean)
  args.splice(onlyAt, 2)
  const unknown = only.filter((r) => !RUNTIMES.includes(r))
  if (unknown.length > 0) {
    console.error(`unknown runtime ${unknown.join(', ')} (known: ${RUNTIMES.join(', ')})`)
    process.exit(2)
  }
}

const SUMMARY = /^(\d+) passed, (\d+) failed$/
const lines = []
let passed = 0
let failed = 0
for (const runtime of only) {
  const launcher = fileURLToPath(new URL(`./${runtime}.mjs`, import.meta.url))
  const started = Date.now()
  const out = await run(process.execPath, [launcher, ...args], { timeoutMs: 180_000 })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const output = out.stdout.trimEnd().split('\n')
  const summary = SUMMARY.exec(output.at(-1) ?? '')
  // Everything but the launcher's own summary line: failures, notes, a missing runtime.
  for (const line of output.slice(0, summary ? -1 : undefined)) if (line) console.log(line)
  if (summary === null) {
    if (out.stderr.trim()) console.log(out.stderr.trimEnd())
    lines.push(`${runtime}: crashed (exit ${out.code}${out.timedOut ? ', timed out' : ''}), counted as 1 failure`)
    failed += 1
    continue
  }
  const p = Number(summary[1])
  const f = Number(summary[2]) + (out.code === 0 || Number(summary[2]) > 0 ? 0 : 1)
  passed += p
  failed += f
  const isMissing = output.some((l) => l.startsWith(`${runtime}: missing`))
  lines.push(isMissing ? `${runtime}: missing${f > 0 ? ' (counted as 1 failure)' : ''}` : `${runtime}: ${p} passed, ${f} failed (${seconds} s)`)
}
for (const line of lines) console.log(line)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
