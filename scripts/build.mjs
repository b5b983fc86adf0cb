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
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { staleness } from './staleness.mjs'

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

const order = ['core', 'client', 'server', 'registry', 'profiles']
const all = [...order, 'cli']

if (args.has('--if-stale')) {
  const why = staleness('.', order)
  if (why === undefined) {
    say('build: up to date (no source newer than dist)')
    process.exit(0)
  }
  say(`build: ${why}; rebuilding`)
}

for (const pkg of all) rmSync(`packages/${pkg}/dist`, { recursive: true, force: true })

run(bin('rollup'), ['-c', '--silent'])
if (existsSync('packages/cli/dist/bin.js')) chmodSync('packages/cli/dist/bin.js', 0o755)

// The `signet console` page: its script with uPlot bundled in, its styles and uPlot's, and the
// HTML, into dist/console/ where the CLI serves them from (packages/cli/src/console/assets.ts,
// whose PAGE_BUILD options these repeat). An installed CLI needs neither esbuild nor uPlot.
{
  const { build } = await import('esbuild')
  const page = 'packages/cli/src/console/page'
  const out = 'packages/cli/dist/console'
  mkdirSync(out, { recursive: true })
  await build({ entryPoints: [`${page}/app.ts`], outfile: `${out}/app.js`, bundle: true, format: 'esm', target: 'es2022', minify: true, legalComments: 'inline', logLevel: 'warning' })
  const uplotCss = readFileSync(createRequire(resolve('packages/cli/package.json')).resolve('uplot/dist/uPlot.min.css'), 'utf8')
  writeFileSync(`${out}/app.css`, `${uplotCss}\n${readFileSync(`${page}/console.css`, 'utf8')}`)
  copyFileSync(`${page}/index.html`, `${out}/index.html`)
}

if (!args.has('--no-declarations')) for (const pkg of order) run(bin('tsc'), ['-p', `packages/${pkg}/tsconfig.build.json`])
say(`built${args.has('--no-declarations') ? ' (JavaScript only)' : ''}: ` + all.map((p) => `@signet/${p}`).join(', '))
