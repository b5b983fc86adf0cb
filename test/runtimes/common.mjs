// Shared by the runtime launchers (deno.mjs, bun.mjs, workerd.mjs, chromium.mjs): command line,
// where the built packages and the vectors are, bundling, and the report format.
//
// Every launcher runs the one conformance suite (test/conformance) against the BUILT packages
// (packages/<pkg>/dist/index.js, from `node scripts/build.mjs`) and ends with the line
// `N passed, N failed`, exiting 1 when anything failed. In CI (CI=true) a missing runtime, a
// missing vectors folder or a missing client/server build is a failure; elsewhere each is
// reported on one line and skipped.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CI = process.env.CI === 'true' || process.env.CI === '1'
export const VECTORS_PATH = fileURLToPath(new URL('../vectors/rfc9421-vectors.json', import.meta.url))
export const SUITE_ENTRY = fileURLToPath(new URL('../conformance/collect.ts', import.meta.url))
/** A tsconfig without `paths`, for Bun and esbuild (see the file). */
export const TSCONFIG = fileURLToPath(new URL('./tsconfig.runtime.json', import.meta.url))
/** The Chromium binary the browser launchers drive (env CHROMIUM_PATH overrides it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** TOOLCHAIN.md: the Chromium launch options that work on these machines (root, no GPU, no network). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
/** Printed by an in-runtime entry just before its JSON report. */
export const REPORT_MARK = '@@signet-conformance-report '

const USAGE = (runtime) => `usage: node test/runtimes/${runtime}.mjs [--core FILE] [--client FILE] [--server FILE]

Runs the conformance suite (test/conformance) in ${runtime} against the built packages.
  --core FILE    built @signet/core ESM entry (default packages/core/dist/index.js)
  --client FILE  built @signet/client entry (default packages/client/dist/index.js, optional
                 outside CI)
  --server FILE  built @signet/server entry (default packages/server/dist/index.js, optional
                 outside CI)
  --profiles FILE  built @signet/profiles entry (default packages/profiles/dist/index.js,
                 optional outside CI)
Vectors are read from test/vectors/rfc9421-vectors.json (the repository's copy).
Prints failures, then a final line "N passed, N failed"; exits 1 on any failure.`

/**
 * Parses the launcher's command line and finds what to test.
 * @returns {{ core: string, client?: string, server?: string, vectors?: string, problems: string[] }}
 *   absolute paths; `problems` are failures found before running (each counts as one failure).
 */
export function locate(runtime, argv = process.argv.slice(2)) {
  const paths = {
    core: 'packages/core/dist/index.js',
    client: 'packages/client/dist/index.js',
    server: 'packages/server/dist/index.js',
    profiles: 'packages/profiles/dist/index.js',
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const name = arg.replace(/^--/, '')
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE(runtime))
      process.exit(0)
    } else if (name in paths && argv[i + 1] !== undefined) {
      paths[name] = argv[++i]
    } else {
      console.error(`${runtime}: unknown argument ${JSON.stringify(arg)}\n${USAGE(runtime)}`)
      process.exit(2)
    }
  }
  const found = { problems: [] }
  const core = resolve(ROOT, paths.core)
  if (existsSync(core)) {
    found.core = core
    // The pure backend is core's second entry, beside the first; importing it registers it.
    const pure = resolve(core, '../pure.js')
    if (existsSync(pure)) found.pure = pure
    else console.log(`${runtime}: ${pure} not found; the pure backend's cases are skipped`)
  }
  else found.problems.push(`@signet/core is not built (${core} missing): run node scripts/build.mjs`)
  for (const pkg of ['client', 'server', 'profiles']) {
    const file = resolve(ROOT, paths[pkg])
    if (existsSync(file)) found[pkg] = file
    else if (CI) found.problems.push(`@signet/${pkg} is not built (${file} missing; required in CI)`)
    else console.log(`${runtime}: @signet/${pkg} not built (${file}); its cases are skipped`)
  }
  // Part of the repository: missing means a broken checkout, a failure everywhere.
  if (existsSync(VECTORS_PATH)) found.vectors = VECTORS_PATH
  else found.problems.push(`vectors missing: ${VECTORS_PATH} (part of the repository)`)
  return found
}

/** The parsed vector file, or undefined. */
export const readVectors = (found) => (found.vectors === undefined ? undefined : JSON.parse(readFileSync(found.vectors, 'utf8')))

/**
 * Prints the failures and the final `N passed, N failed` line; sets the exit code.
 * @param {{ passed: number, failed: number, failures: { name: string, message: string }[] }} report
 */
export function finish(runtime, report, problems = []) {
  for (const f of report.failures) console.log(`  FAIL [${runtime}] ${f.name}\n       ${f.message.replace(/\n/g, '\n       ')}`)
  for (const p of problems) console.log(`  FAIL [${runtime}] ${p}`)
  const failed = report.failed + problems.length
  console.log(`${report.passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 ? 0 : 1
}

/** Reports a runtime that is not installed: a failure in CI, a skip elsewhere. */
export function missingRuntime(runtime, what) {
  console.log(`${runtime}: missing (${what})${CI ? '' : '; skipped outside CI'}`)
  console.log(`0 passed, ${CI ? 1 : 0} failed`)
  process.exitCode = CI ? 1 : 0
}

/** Reports a run that could not start or crashed, as one failure. */
export function crashed(runtime, error, problems = []) {
  finish(runtime, { passed: 0, failed: 1, failures: [{ name: 'runtime run', message: String(error?.stack ?? error) }] }, problems)
}

/** Finds the report line printed by an in-runtime entry. */
export function parseReport(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith(REPORT_MARK))
  if (line === undefined) return undefined
  return JSON.parse(line.slice(REPORT_MARK.length))
}

/**
 * Runs a command with a time limit; resolves with its output (never rejects on exit status).
 * The command runs in its own process group and the whole group is killed when it exits or
 * times out: `node_modules/.bin/deno` is a shim whose grandchild is the real binary, and a
 * grandchild left running keeps the output pipes open, so 'close' would never come.
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, timedOut: boolean }>}
 */
export function run(command, args, { timeoutMs = 90_000, cwd = ROOT, env = process.env } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      killGroup()
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      fail(error)
    })
    child.on('exit', killGroup)
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr, timedOut })
    })
  })
}

/**
 * The source of a bundle entry that imports the suite and the built packages and exposes
 * `run(vectors)`; the host adds how `run` is reached (a fetch handler, a global).
 */
export function entrySource(found, tail) {
  const spec = (file) => JSON.stringify(pathToFileURL(file).pathname)
  return [
    `import * as core from ${spec(found.core)}`,
    found.pure === undefined ? '' : `import ${spec(found.pure)}`,
    found.client === undefined ? 'const client = undefined' : `import * as client from ${spec(found.client)}`,
    found.server === undefined ? 'const server = undefined' : `import * as server from ${spec(found.server)}`,
    found.profiles === undefined ? 'const profiles = undefined' : `import * as profiles from ${spec(found.profiles)}`,
    `import { runConformance } from ${spec(SUITE_ENTRY)}`,
    'const run = (vectors) => runConformance({ core, client, server, profiles }, vectors)',
    tail,
  ].join('\n')
}

/**
 * Bundles an entry (source text) with esbuild, everything inlined, for a platform without
 * node_modules (workerd, a browser page). Returns the bundled JavaScript. esbuild warnings are
 * added to `problems` (each a failure): a warning here is what a user's bundler would do to
 * the packages, e.g. drop `import '@signet/core/pure'` when the package claims no side effects.
 */
export async function bundle(source, { conditions = [], problems = [] } = {}) {
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'js', sourcefile: 'conformance-entry.js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions,
    target: 'es2022',
    // No `paths`: the root tsconfig.json maps @signet/* to the sources, and esbuild would
    // follow it from inside the built packages, bundling a second copy of core.
    tsconfig: TSCONFIG,
    metafile: true,
    logLevel: 'silent',
  })
  const sources = Object.keys(result.metafile.inputs).filter((f) => /(^|\/)packages\/[^/]+\/src\//.test(f))
  if (sources.length > 0) throw new Error(`the bundle pulled in package sources instead of dist: ${sources.slice(0, 3).join(', ')}`)
  for (const w of result.warnings) {
    const where = w.location === null ? '' : ` (${w.location.file}:${w.location.line})`
    const notes = w.notes.map((n) => n.text).join('; ')
    problems.push(`esbuild warning: ${w.text}${where}${notes ? `: ${notes}` : ''}`)
  }
  return result.outputFiles[0].text
}

/** Prints what is under test, one line. */
export function announce(runtime, found, extra = '') {
  const rel = (f) => (f === undefined ? 'absent' : f.startsWith(ROOT) ? f.slice(ROOT.length) : f)
  console.log(`${runtime}: core ${rel(found.core)}${found.pure === undefined ? '' : ' (+ pure.js)'}, client ${rel(found.client)}, server ${rel(found.server)}, profiles ${rel(found.profiles)}, vectors ${found.vectors === undefined ? 'absent' : 'present'}${extra}`)
}

/**
 * The whole launcher for a runtime that runs the TypeScript entry (entry.ts) itself: checks the
 * binary, locates the built packages, spawns `binary` with `args(entry, config)` and reports.
 * @param {string} runtime - the runtime's name, for the report
 * @param {string} binary - the runtime's executable
 * @param {(entry: string, config: string) => string[]} args - its command line
 * @param {Record<string, string>} env - variables added to the environment
 */
export async function launchEntry(runtime, binary, args, env = {}) {
  if (!existsSync(binary)) {
    missingRuntime(runtime, `${binary} not found`)
    return
  }
  const found = locate(runtime)
  if (found.core === undefined) {
    finish(runtime, { passed: 0, failed: 0, failures: [] }, found.problems)
    return
  }
  announce(runtime, found)
  const entry = fileURLToPath(new URL('./entry.ts', import.meta.url))
  const config = JSON.stringify({ core: found.core, pure: found.pure, client: found.client, server: found.server, profiles: found.profiles, vectors: found.vectors })
  try {
    const out = await run(binary, args(entry, config), { env: { ...process.env, NO_COLOR: '1', ...env } })
    const report = parseReport(out.stdout)
    if (report === undefined) {
      throw new Error(`no report (exit ${out.code}${out.timedOut ? ', timed out' : ''})\n${out.stdout}\n${out.stderr}`.trim())
    }
    finish(runtime, report, found.problems)
  } catch (error) {
    crashed(runtime, error, found.problems)
  }
}
