#!/usr/bin/env node
// pnpm build: JavaScript with rollup, then declarations with tsc per package, in dependency
// order (core first), so each package's .d.ts refers to its dependencies' built types.
//
//   node scripts/build.mjs                      # the full build (what is packed and published)
//   node scripts/build.mjs --if-stale --no-declarations
//                                               # `pnpm demo` and `pnpm signet`: rebuild only when
//                                               # a source is newer than the build, JavaScript only
//
// --if-stale compares modification times: the newest of every package's src/, package.json and
// rollup.config.mjs against the oldest built entry file. --no-declarations skips the four tsc
// runs (most of the build's time), which running the CLI does not need; a later full build (pnpm
// build, pnpm test, pnpm release:pack) writes them.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const bin = (name) => `node_modules/.bin/${name}`
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' })
const args = new Set(process.argv.slice(2))
for (const arg of args) {
  if (arg !== '--if-stale' && arg !== '--no-declarations') {
    console.error(`build: unknown argument ${JSON.stringify(arg)} (expected --if-stale, --no-declarations)`)
    process.exit(2)
  }
}

// With --if-stale the build runs in front of the CLI (`pnpm signet keygen > key.jwk`): its
// own lines go to stderr, so stdout carries only the command's output.
const say = args.has('--if-stale') ? console.error : console.log

const order = ['core', 'client', 'server', 'registry']
const all = [...order, 'cli']

/** Newest modification time under `path` (a file or a directory), in ms. */
function newest(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)))
  return latest
}

/** Why the build is out of date, or undefined when every entry file is newer than every input. */
function staleness() {
  const outputs = [
    ...order.flatMap((pkg) => {
      const { exports } = JSON.parse(readFileSync(`packages/${pkg}/package.json`, 'utf8'))
      return Object.values(exports).flatMap((target) => (typeof target === 'string' ? [] : [`packages/${pkg}/${target.default}`]))
    }),
    'packages/cli/dist/bin.js',
  ].map((file) => file.replace('/./', '/'))
  const missing = outputs.find((file) => !existsSync(file))
  if (missing !== undefined) return `${missing} is missing`
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs))
  const inputs = ['rollup.config.mjs', ...all.flatMap((pkg) => [`packages/${pkg}/src`, `packages/${pkg}/package.json`])]
  const changed = inputs.find((input) => newest(input) > built)
  return changed === undefined ? undefined : `${changed} is newer than the build`
}

if (args.has('--if-stale')) {
  const why = staleness()
  if (why === undefined) {
    say('build: up to date (no source newer than dist)')
    process.exit(0)
  }
  say(`build: ${why}; rebuilding`)
}

for (const pkg of all) rmSync(`packages/${pkg}/dist`, { recursive: true, force: true })

run(bin('rollup'), ['-c', '--silent'])
if (existsSync('packages/cli/dist/bin.js')) chmodSync('packages/cli/dist/bin.js', 0o755)

if (!args.has('--no-declarations')) for (const pkg of order) run(bin('tsc'), ['-p', `packages/${pkg}/tsconfig.build.json`])
say(`built${args.has('--no-declarations') ? ' (JavaScript only)' : ''}: ` + all.map((p) => `@signet/${p}`).join(', '))
