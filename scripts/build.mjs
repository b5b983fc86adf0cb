#!/usr/bin/env node
// pnpm build: JavaScript with rollup, then declarations with tsc per package, in dependency
// order (core first), so each package's .d.ts refers to its dependencies' built types.
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

const bin = (name) => `node_modules/.bin/${name}`
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' })

const order = ['core', 'client', 'server', 'registry']
for (const pkg of [...order, 'cli']) rmSync(`packages/${pkg}/dist`, { recursive: true, force: true })

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

for (const pkg of order) run(bin('tsc'), ['-p', `packages/${pkg}/tsconfig.build.json`])
console.log('built: ' + [...order, 'cli'].map((p) => `@signet/${p}`).join(', '))
