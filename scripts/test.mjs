#!/usr/bin/env node
// pnpm test: the one command that checks everything, on a fresh machine or in CI.
//
// Steps: build -> the demo on the built CLI -> typecheck -> lint -> vitest (node + happy-dom
// projects, unit, conformance, integration with a real Redis) -> the conformance suite on Node
// (import and require of the built ES modules), Deno, Bun, workerd and headless Chromium against
// the built packages, plus a real Chromium page -> the lean signing entries in the same runtimes
// -> the consumer test (packed tarballs: publint, attw, npm install, Node 20/22/24, Deno, Bun,
// tsc, npx signet, a browser bundle) -> Node 22 and 24 (conformance and the CLI process tests).
// Each runner's counts are summed into one closing line `N passed, N failed`, the line CI reads.
// With CI=true nothing may be skipped: a skipped test or a missing runtime counts as a failure.
//
// Every step streams its output as it runs, has a time limit, and runs in its own process
// group, killed whole when the step ends. A process a step leaves running (a server a test
// forgot to stop) is reported, killed, and counted as a failure: left alive it would hold the
// runner's output pipe open and CI would wait on it until its own limit.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'

const ci = process.env.CI === 'true' || process.env.CI === '1'
const totals = { passed: 0, failed: 0, skipped: 0 }
const lines = []

const minutes = (n) => n * 60_000

/** Runs one step: output streamed through and kept; resolves when it exits or times out. */
function runStep(cmd, args, timeoutMs, marker) {
  return new Promise((resolve) => {
    const [name, value] = marker.split('=')
    const env = { ...process.env, [name]: value }
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true, env })
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // The group is gone.
      }
    }
    let stdout = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk
      process.stdout.write(chunk)
    })
    const timer = setTimeout(() => {
      timedOut = true
      process.stdout.write(`\n${cmd} ${args.join(' ')}: no end after ${timeoutMs / 60_000} min, killed\n`)
      killGroup()
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ status: 1, stdout: `${stdout}\n${error.message}\n`, timedOut, killGroup })
    })
    current = killGroup
    child.on('exit', (code) => {
      clearTimeout(timer)
      current = undefined
      // Output still in the pipe after the exit is read before the step is judged (a launcher's
      // closing summary line may arrive after 'exit'); a grandchild holding the pipe open gets
      // one second. The group is killed by the caller, once it has looked for leftovers.
      const done = () => resolve({ status: timedOut ? 1 : code, stdout, timedOut, killGroup })
      if (child.stdout.readableEnded) return done()
      const grace = setTimeout(done, 1000)
      child.stdout.once('end', () => {
        clearTimeout(grace)
        done()
      })
    })
  })
}

// The running step's group: steps run detached (their own group, so a timeout can kill all of
// it), so an interrupt of this script must pass to them by hand.
let current
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    current?.()
    console.log(`\ninterrupted (${signal})`)
    console.log(`${totals.passed} passed, ${totals.failed + 1} failed`)
    process.exit(130)
  })
}

/**
 * Processes a step left behind: every process of a step inherits SIGNET_TEST_RUN in its
 * environment (a daemonized redis-server too, which leaves the process group), so whatever
 * still carries the marker once the step has ended is a leftover. Linux only (/proc);
 * elsewhere the check finds nothing.
 */
function leftovers(marker) {
  if (!existsSync('/proc/self/environ')) return []
  const found = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) continue
      found.push({ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() })
    } catch {
      // Exited meanwhile, or not ours to read.
    }
  }
  return found
}

async function step(name, cmd, args, { timeoutMs, parse } = {}) {
  process.stdout.write(`\n=== ${name}\n`)
  const started = Date.now()
  const marker = `SIGNET_TEST_RUN=${randomUUID()}`
  const result = await runStep(cmd, args, timeoutMs ?? minutes(10), marker)
  const counts = parse ? parse(result) : { passed: result.status === 0 ? 1 : 0, failed: result.status === 0 ? 0 : 1, skipped: 0 }
  if (result.status !== 0 && counts.failed === 0) counts.failed = 1 // a crash with no count is still a failure
  const left = leftovers(marker)
  if (left.length > 0) {
    process.stdout.write(`${name} left ${left.length} process(es) running, killed and counted as a failure:\n`)
    for (const { pid, cmdline } of left) {
      process.stdout.write(`  ${pid} ${cmdline.slice(0, 200)}\n`)
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone already.
      }
    }
    counts.failed += 1
  }
  result.killGroup()
  totals.passed += counts.passed
  totals.failed += counts.failed
  totals.skipped += counts.skipped
  const note = result.timedOut ? ', timed out' : left.length > 0 ? ', left processes running' : ''
  lines.push(`${name}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s${note})`)
}

// The closing `N passed, N failed` line of a launcher.
function lastSummary(result) {
  const matches = [...(result.stdout ?? '').matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/gm)]
  const m = matches.at(-1)
  if (!m) return { passed: 0, failed: 1, skipped: 0 }
  return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) }
}

mkdirSync('.tmp', { recursive: true })

await step('build', process.execPath, ['scripts/build.mjs'], { timeoutMs: minutes(5) })
// The README's first command ends in `pnpm demo`, which runs the rollup-built CLI: run that very
// file, so a build that breaks it fails here and not only on a user's machine.
await step('demo (built CLI)', process.execPath, ['packages/cli/dist/bin.js', 'demo'], { timeoutMs: minutes(2) })
await step('typecheck', 'node_modules/.bin/tsc', ['-p', 'tsconfig.json', '--noEmit'], { timeoutMs: minutes(5) })
await step('lint', process.execPath, ['scripts/lint.mjs'], { timeoutMs: minutes(2) })
rmSync('.tmp/vitest.json', { force: true })
await step('vitest', 'node_modules/.bin/vitest', ['run', '--reporter=default', '--reporter=json', '--outputFile=.tmp/vitest.json'], {
  timeoutMs: minutes(20),
  parse: (result) => {
    if (result.timedOut || !existsSync('.tmp/vitest.json')) return { passed: 0, failed: 1, skipped: 0 }
    const report = JSON.parse(readFileSync('.tmp/vitest.json', 'utf8'))
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests + (report.numTotalTestSuites && !report.success && report.numFailedTests === 0 ? 1 : 0),
      skipped: report.numPendingTests + report.numTodoTests,
    }
  },
})
await step('runtimes', process.execPath, ['test/runtimes/all.mjs'], { timeoutMs: minutes(20), parse: lastSummary })
await step('lean entries in runtimes', process.execPath, ['test/bundle/runtimes.mjs'], { timeoutMs: minutes(10), parse: lastSummary })
// The packages as published: packed, linted (publint --strict, attw node16), installed with npm
// outside the workspace and used from Node 20/22/24, Deno, Bun, tsc and a browser bundle.
await step('consumer (packed tarballs)', process.execPath, ['test/consumer/run.mjs'], { timeoutMs: minutes(12), parse: lastSummary })
// Node 22 and 24 (installed into .tmp at test time): conformance on the built packages and the
// CLI tests that spawn the executable. Node 20 ran them above.
await step('Node 22 and 24', process.execPath, ['test/runtimes/node-releases.mjs'], { timeoutMs: minutes(15), parse: lastSummary })

console.log('\n=== summary')
for (const line of lines) console.log(line)
if (ci && totals.skipped > 0) {
  console.log(`${totals.skipped} skipped in CI: counted as failures`)
  totals.failed += totals.skipped
  totals.skipped = 0
}
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
process.exit(totals.failed === 0 ? 0 : 1)
