#!/usr/bin/env node
// The suite on the Node releases other than the one running it: Node 22 and 24 (installed by
// test/support/node-releases.mjs into .tmp, once). On each: the conformance suite against the
// built packages (test/runtimes/node.mjs, import and require), and the CLI tests that spawn the
// `signet` executable as a process (vitest itself runs on that Node, so the tests' child
// processes do too). Node 20 runs all of it in the other steps of pnpm test, and
// test/consumer/run.mjs runs the consumer script on all three.
//
//   node test/runtimes/node-releases.mjs
//
// Ends with `N passed, N failed`; with CI=true a release that cannot be installed is a failure.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { CI, ROOT, run } from './common.mjs'
import { nodeReleases } from '../support/node-releases.mjs'

/** The CLI tests that start the executable (bundled from the sources) as a child process. */
export const CLI_PROCESS_TESTS = ['packages/cli/test/bin.test.ts', 'packages/cli/test/demo.test.ts', 'packages/cli/test/serve-process.test.ts', 'packages/cli/test/serve-registry.test.ts']

const totals = { passed: 0, failed: 0, skipped: 0 }
const lines = []

for (const release of nodeReleases()) {
  const label = `Node ${release.version}`
  if (release.bin === undefined) {
    console.log(`${label}: unavailable (${release.problem})${CI ? '' : '; skipped outside CI'}`)
    if (CI) totals.failed += 1
    else totals.skipped += 1
    lines.push(`${label}: unavailable`)
    continue
  }

  console.log(`\n--- ${label}: conformance on the built packages`)
  const conformance = await run(release.bin, [join(ROOT, 'test/runtimes/node.mjs')], { timeoutMs: 300_000 })
  process.stdout.write(conformance.stdout + conformance.stderr)
  const summary = [...conformance.stdout.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1)
  const c = summary === undefined || conformance.timedOut ? { passed: 0, failed: 1 } : { passed: Number(summary[1]), failed: Number(summary[2]) }
  if (conformance.code !== 0 && c.failed === 0) c.failed = 1

  console.log(`\n--- ${label}: CLI tests that spawn the executable`)
  const report = join(ROOT, '.tmp', `vitest-node${release.major}.json`)
  rmSync(report, { force: true })
  const vitest = await run(release.bin, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'node', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...CLI_PROCESS_TESTS], { timeoutMs: 600_000 })
  process.stdout.write(vitest.stdout.split('\n').filter((l) => !l.startsWith('{')).join('\n') + vitest.stderr)
  let v = { passed: 0, failed: 1, skipped: 0 }
  if (!vitest.timedOut && existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'))
    v = { passed: json.numPassedTests, failed: json.numFailedTests + (json.success || json.numFailedTests > 0 ? 0 : 1), skipped: json.numPendingTests + json.numTodoTests }
  }
  totals.passed += c.passed + v.passed
  totals.failed += c.failed + v.failed
  totals.skipped += v.skipped
  lines.push(`${label}: conformance ${c.passed} passed, ${c.failed} failed; CLI process tests ${v.passed} passed, ${v.failed} failed${v.skipped ? `, ${v.skipped} skipped` : ''}`)
}

console.log('')
for (const line of lines) console.log(line)
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
process.exitCode = totals.failed === 0 ? 0 : 1
