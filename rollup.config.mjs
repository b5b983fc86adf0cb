// Builds every package from its TypeScript sources: ESM (and CJS for Node users who still
// `require`) with esbuild doing the type stripping. Declarations come from `tsc` (see
// scripts/build.mjs), since isolatedDeclarations makes them a per-file transform.
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import esbuild from 'rollup-plugin-esbuild'

const pkgs = {
  core: ['index', 'pure', 'signing'],
  client: ['index', 'sign'],
  server: ['index'],
  registry: ['index'],
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])

// Everything a package declares as a dependency stays an import: users dedupe it, and
// tree-shaking happens in their bundler, not ours.
function externalFor(pkg) {
  const manifest = JSON.parse(readFileSync(`packages/${pkg}/package.json`, 'utf8'))
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
  return (id) => builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`))
}

const plugins = [esbuild({ target: 'es2022', tsconfig: 'tsconfig.base.json' })]

const libraries = Object.entries(pkgs).map(([pkg, entries]) => ({
  input: Object.fromEntries(entries.map((e) => [e, `packages/${pkg}/src/${e}.ts`])),
  external: externalFor(pkg),
  plugins,
  output: [
    { dir: `packages/${pkg}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    { dir: `packages/${pkg}/dist`, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named' },
  ],
}))

const cli = {
  input: { bin: 'packages/cli/src/bin.ts' },
  external: externalFor('cli'),
  plugins,
  output: { dir: 'packages/cli/dist', format: 'es', entryFileNames: '[name].js', banner: '#!/usr/bin/env node' },
}

export default [...libraries, cli]
