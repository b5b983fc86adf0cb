#!/usr/bin/env node
// pnpm lint: the project rules a type checker cannot see.
//  - isomorphic packages (core, client, and server outside its Node adapters) carry no static
//    `node:` import and no `Buffer`, so browser bundlers and Workers take them unchanged;
//    node:crypto is reached only through process.getBuiltinModule in core's runtime module;
//  - library code does not log (secrets never reach logs);
//  - every source module opens with a doc block;
//  - no import circle among the modules of packages/*/src (scripts/import-cycles.mjs).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { findImportCycles } from './import-cycles.mjs'

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else if (path.endsWith('.ts')) yield path
  }
}

// Files whose job is to talk to Node (adapters, file stores) may import node: modules.
const nodeAllowed = [/^packages\/server\/src\/adapters\/(node|express)/, /^packages\/server\/src\/node/, /^packages\/registry\//, /^packages\/cli\//]
const isomorphic = ['packages/core/src', 'packages/client/src', 'packages/server/src', 'packages/registry/src']
const problems = []

for (const root of isomorphic) {
  let files
  try { files = [...walk(root)] } catch { continue }
  for (const file of files) {
    const source = readFileSync(file, 'utf8')
    // Examples in doc comments may log; only code counts.
    const text = source.replace(/\/\*[\s\S]*?\*\//g, (c) => (c === source.slice(0, c.length) ? '/**' : ''))
    const rel = file.replaceAll('\\', '/')
    if (!source.trimStart().startsWith('/**')) problems.push(`${rel}: no module doc block at the top`)
    if (!nodeAllowed.some((re) => re.test(rel))) {
      if (/^\s*import\s[^;]*from\s+['"]node:/m.test(text) || /\bimport\(\s*['"]node:/.test(text)) problems.push(`${rel}: static node: import in isomorphic code`)
      if (/\bBuffer\./.test(text) || /\bnew Buffer\b/.test(text)) problems.push(`${rel}: Buffer in isomorphic code`)
    }
    if (/\bconsole\.(log|info|debug)\(/.test(text)) problems.push(`${rel}: logging in library code`)
  }
}

for (const cycle of findImportCycles('.')) problems.push(`import circle: ${cycle.join(' <-> ')}`)

for (const p of problems) console.log(p)
console.log(problems.length === 0 ? 'lint: clean' : `lint: ${problems.length} problem(s)`)
process.exit(problems.length === 0 ? 0 : 1)
