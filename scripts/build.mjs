#!/usr/bin/env node
// pnpm build: JavaScript with rollup, then declarations with tsc per package, in dependency
// order (core first), so each package's .d.ts refers to its dependencies' built types.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, rmSync } from 'node:fs'

const bin = (name) => `node_modules/.bin/${name}`
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' })

const order = ['core', 'client', 'server', 'registry', 'profiles']
for (const pkg of [...order, 'cli']) rmSync(`packages/${pkg}/dist`, { recursive: true, force: true })

run(bin('rollup'), ['-c', '--silent'])
if (existsSync('packages/cli/dist/bin.js')) chmodSync('packages/cli/dist/bin.js', 0o755)

for (const pkg of order) run(bin('tsc'), ['-p', `packages/${pkg}/tsconfig.build.json`])
console.log('built: ' + [...order, 'cli'].map((p) => `@signet/${p}`).join(', '))
