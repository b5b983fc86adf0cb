// Builds every package from its TypeScript sources: ES modules only, with esbuild doing the type
// stripping. No CommonJS copy: every Node release the packages support (engines: >=20.19)
// loads them with `require()` too (require(esm)), and one copy means one module state (core's
// backend registry, `instanceof SignetError`) instead of two. Declarations come from `tsc` (see
// scripts/build.mjs), since isolatedDeclarations makes them a per-file transform.
import { readFileSync, realpathSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import esbuild from 'rollup-plugin-esbuild'

const pkgs = {
  core: ['index', 'pure', 'signing', 'verifying'],
  // `ky`, `undici`, `axios` and `hono` are the adapters for optional peers: subpaths of their own, so the main
  // entries (and their declarations) never refer to a package the user may not have.
  client: ['index', 'sign', 'ky', 'undici', 'axios'],
  server: ['index', 'hono'],
  registry: ['index'],
  profiles: ['index', 'standard-webhooks', 'stripe', 'github', 'binance', 'sigv4', 'cavage'],
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])

// Dependencies built into a package instead of imported at run time. structured-headers is seven
// small ES modules; loading them through a bare specifier cost Node about 4.5 ms of core's cold
// import (of about 14), more than the parsing code itself. Inlined, rollup keeps only what core
// calls. It stays in core's dependencies: core's declaration files refer to its types.
const inlined = { core: ['structured-headers'] }

// Everything else a package declares as a dependency stays an import: users dedupe it, and
// tree-shaking happens in their bundler, not ours.
function externalFor(pkg) {
  const manifest = JSON.parse(readFileSync(`packages/${pkg}/package.json`, 'utf8'))
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((d) => !inlined[pkg]?.includes(d))
  return (id) => builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`))
}

/** A notice at the top of each output file that carries an inlined dependency's code. */
function inlinedNotice(pkg) {
  return (chunk) =>
    (inlined[pkg] ?? [])
      .filter((name) => chunk.moduleIds.some((id) => id.includes(`/node_modules/${name}/`)))
      .map((name) => {
        const manifest = JSON.parse(readFileSync(join(realpathSync(join('packages', pkg, 'node_modules', name)), 'package.json'), 'utf8'))
        const author = typeof manifest.author === 'string' ? manifest.author.replace(/\s*<.*>/, '') : manifest.author?.name
        return `/*! ${name} ${manifest.version} (${manifest.license}, ${author}) is built into this file */`
      })
      .join('\n')
}

/** Resolves an inlined dependency to its ES module entry (the `import` condition of its exports). */
function inline(pkg) {
  const names = inlined[pkg] ?? []
  return {
    name: 'signet-inline',
    resolveId(id) {
      if (!names.includes(id)) return null
      const dir = realpathSync(join('packages', pkg, 'node_modules', id))
      const { exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      return join(dir, exports.import)
    },
  }
}

const plugins = [esbuild({ target: 'es2022', tsconfig: 'tsconfig.base.json' })]

/** Every module that `entry` (a path ending) imports statically, directly or not. */
function reach(entry, getModuleIds, getModuleInfo) {
  const start = [...getModuleIds()].find((m) => m.endsWith(`/${entry}`))
  const seen = new Set()
  const walk = (m) => {
    if (seen.has(m)) return
    seen.add(m)
    for (const next of getModuleInfo(m)?.importedIds ?? []) walk(next)
  }
  walk(start)
  return seen
}

/**
 * Core's chunks, fewer and larger: each ES module file costs Node a fraction of a millisecond at
 * import. What the lean `signing` entry shares with the others goes into one shared chunk (what
 * it alone reaches stays in signing.js); what the `verifying` entry reaches beyond that goes
 * into a `verifying` chunk (so a
 * server that only verifies compiles neither the full signer nor key generation: V8 compiles,
 * at import, every byte of every statically imported file, about 30-40 µs per KB on this
 * machine); every other module that more than one entry uses goes into `index` itself, which
 * `pure` then imports. Modules of one entry alone stay with it.
 */
function coreChunks() {
  let fromSigning
  let fromVerifying
  let fromIndex
  return (id, { getModuleIds, getModuleInfo }) => {
    fromSigning ??= reach('core/src/entries/signing.ts', getModuleIds, getModuleInfo)
    fromVerifying ??= reach('core/src/entries/verifying.ts', getModuleIds, getModuleInfo)
    fromIndex ??= reach('core/src/entries/index.ts', getModuleIds, getModuleInfo)
    if (getModuleInfo(id)?.isEntry) return undefined
    // What only the lean entry reaches stays in signing.js: the verifier never compiles it.
    if (fromSigning.has(id) && !fromVerifying.has(id) && !fromIndex.has(id)) return undefined
    if (fromSigning.has(id)) return 'shared'
    if (fromVerifying.has(id)) return 'verifying'
    if (fromIndex.has(id)) return 'index'
    return undefined
  }
}

/**
 * The server's chunks: everything its main entry imports statically in one `index` chunk, the
 * Fetch adapter included, which the `hono` entry shares (a Hono app verifies with the main
 * entry's `createVerifier`, so it loads that chunk anyway). One file fewer, and one resolution
 * of `@signet/core/verifying` fewer, on the server's cold import.
 */
function serverChunks() {
  let fromIndex
  return (id, { getModuleIds, getModuleInfo }) => {
    fromIndex ??= reach('server/src/index.ts', getModuleIds, getModuleInfo)
    if (getModuleInfo(id)?.isEntry) return undefined
    return fromIndex.has(id) ? 'index' : undefined
  }
}

const manualChunks = { core: coreChunks, server: serverChunks }

// Core keeps its entry points apart from its implementation, in src/entries/; the other packages'
// entries are the files at the top of src/.
const entrySource = (pkg, entry) => (pkg === 'core' ? `packages/core/src/entries/${entry}.ts` : `packages/${pkg}/src/${entry}.ts`)

const libraries = Object.entries(pkgs).map(([pkg, entries]) => ({
  input: Object.fromEntries(entries.map((e) => [e, entrySource(pkg, e)])),
  external: externalFor(pkg),
  plugins: [inline(pkg), ...plugins],
  // hoistTransitiveImports off: rollup would otherwise add bare `import '@signet/core'` lines to
  // an entry whose chunks import it (a load-order hint for browsers), and bundlers warn that
  // such side-effect imports of a `sideEffects: false` package are dropped.
  output: { dir: `packages/${pkg}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', manualChunks: manualChunks[pkg]?.(), banner: inlinedNotice(pkg), hoistTransitiveImports: false },
}))

const cli = {
  input: { bin: 'packages/cli/src/bin.ts' },
  external: externalFor('cli'),
  plugins,
  output: { dir: 'packages/cli/dist', format: 'es', entryFileNames: '[name].js', banner: '#!/usr/bin/env node' },
}

export default [...libraries, cli]
