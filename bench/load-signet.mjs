// Finds Signet for the benchmark: the built packages (packages/*/dist, from `pnpm build`), or,
// until a build exists, an esbuild bundle of the TypeScript sources in .tmp/bench/ (an interim
// measure; the report says which one was used).
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PACKAGES = ['core', 'client', 'server', 'registry']

/** The built entry files: package entry name -> absolute path. */
export function builtEntries() {
  const entries = {
    '@signet/core': `${ROOT}packages/core/dist/index.js`,
    '@signet/core/pure': `${ROOT}packages/core/dist/pure.js`,
    '@signet/client': `${ROOT}packages/client/dist/index.js`,
    '@signet/client/sign': `${ROOT}packages/client/dist/sign.js`,
    '@signet/server': `${ROOT}packages/server/dist/index.js`,
    '@signet/registry': `${ROOT}packages/registry/dist/index.js`,
  }
  return Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)))
}

/** An esbuild plugin resolving `@signet/<pkg>[/<entry>]` to the TypeScript sources. */
export function signetSourcePlugin() {
  return {
    name: 'signet-sources',
    setup(build) {
      build.onResolve({ filter: /^@signet\/(core|client|server|registry)(\/[\w-]+)?$/ }, (args) => {
        const [, pkg, sub] = /^@signet\/([\w-]+)(?:\/([\w-]+))?$/.exec(args.path)
        return { path: `${ROOT}packages/${pkg}/src/${pkg === 'core' ? 'entries/' : ''}${sub ?? 'index'}.ts` }
      })
    },
  }
}

/** Bundle the sources of every package entry into .tmp/bench/ (shared chunks, one registry). */
async function bundleSources() {
  const esbuild = await import('esbuild')
  const out = `${ROOT}.tmp/bench/src-bundle`
  mkdirSync(out, { recursive: true })
  const entryPoints = {}
  for (const pkg of PACKAGES) {
    const file = `${ROOT}packages/${pkg}/src/${pkg === 'core' ? 'entries/' : ''}index.ts`
    if (existsSync(file)) entryPoints[pkg] = file
  }
  if (existsSync(`${ROOT}packages/core/src/entries/pure.ts`)) entryPoints['core-pure'] = `${ROOT}packages/core/src/entries/pure.ts`
  if (existsSync(`${ROOT}packages/client/src/sign.ts`)) entryPoints['client-sign'] = `${ROOT}packages/client/src/sign.ts`
  await esbuild.build({
    entryPoints,
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    plugins: [signetSourcePlugin()],
    logLevel: 'silent',
  })
  const map = {
    '@signet/core': `${out}/core.mjs`,
    '@signet/core/pure': `${out}/core-pure.mjs`,
    '@signet/client': `${out}/client.mjs`,
    '@signet/client/sign': `${out}/client-sign.mjs`,
    '@signet/server': `${out}/server.mjs`,
    '@signet/registry': `${out}/registry.mjs`,
  }
  return Object.fromEntries(Object.entries(map).filter(([, file]) => existsSync(file)))
}

/**
 * Load Signet's entries: the build, or the bundled sources when there is no build or when
 * `sources` is set.
 *
 * @returns {{ source: 'dist' | 'sources', entries: Record<string, string>, modules: Record<string, object>, error?: string }}
 */
export async function loadSignet({ sources = false } = {}) {
  let entries = sources ? {} : builtEntries()
  let source = 'dist'
  let error
  if (entries['@signet/core'] === undefined) {
    source = 'sources'
    try {
      entries = await bundleSources()
    } catch (e) {
      entries = {}
      error = `bundling the sources failed: ${String(e.message ?? e).split('\n').slice(0, 3).join(' ')}`
    }
  }
  const modules = {}
  for (const [name, file] of Object.entries(entries)) {
    try {
      modules[name] = await import(pathToFileURL(file).href)
    } catch (e) {
      error = `${error ? `${error}; ` : ''}importing ${name} failed: ${String(e.message ?? e).split('\n')[0]}`
    }
  }
  return { source, entries, modules, error }
}
