/**
 * Bundling an application snippet the way a user's bundler would: esbuild, minified, ESM, for
 * the browser, with `@signet/*` (and its subpaths) resolved to the package sources and each
 * package's `sideEffects` honoured, so what tree-shaking keeps is what an application gets.
 * Used by the bundle-size budgets (budgets.test.ts); the same figures are printed by
 * `pnpm bench`.
 *
 * Code splitting is on, as in an application build: what a dynamic `import()` reaches goes into
 * chunks loaded on first use. The size reported is the initial load, the entry chunk and every
 * chunk it imports statically (concatenated, then gzipped: one figure whatever the chunk
 * count); the lazy chunks are reported apart. esbuild assigns a file to chunks by static
 * reachability, so code a package's index re-exports is initial even when only a dynamic
 * import makes it live: lazy code must be unreachable from the entry's static graph.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Plugin } from 'esbuild'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** What one bundle holds: its size and the source files that contributed bytes. */
export interface BundleReport {
  /** The initial chunks' code. */
  readonly text: string
  /** Minified bytes of the initial chunks. */
  readonly minBytes: number
  /** Gzip (level 9) of the initial chunks, concatenated. */
  readonly gzipBytes: number
  /** Inputs contributing to the initial chunks, relative to the repository root. */
  readonly inputs: readonly string[]
  /** Minified bytes of the chunks loaded only through `import()`. */
  readonly lazyMinBytes: number
  /** Inputs contributing to the lazy chunks only. */
  readonly lazyInputs: readonly string[]
}

const sideEffectsOf = new Map<string, unknown>()

function packageSideEffects(pkg: string, file: string): boolean {
  if (!sideEffectsOf.has(pkg)) {
    const manifest = JSON.parse(readFileSync(`${root}packages/${pkg}/package.json`, 'utf8')) as { sideEffects?: unknown }
    sideEffectsOf.set(pkg, manifest.sideEffects)
  }
  const declared = sideEffectsOf.get(pkg)
  if (declared === false) return false
  if (Array.isArray(declared)) return declared.includes(`./src/${pkg === 'core' ? 'entries/' : ''}${file}.ts`)
  return true
}

/**
 * `@signet/<pkg>` and `@signet/<pkg>/<entry>` to packages/<pkg>/src/<entry>.ts (core's entries
 * are in src/entries/), as the package `exports` map them to dist/<entry>.js, with each
 * package's `sideEffects`.
 */
export const sources: Plugin = {
  name: 'signet-sources',
  setup(b) {
    b.onResolve({ filter: /^@signet\/[a-z]+(?:\/[a-z0-9-]+)?$/ }, (args) => {
      const [, pkg, entry = 'index'] = /^@signet\/([a-z]+)(?:\/([a-z0-9-]+))?$/.exec(args.path) as unknown as [string, string, string?]
      return { path: `${root}packages/${pkg}/src/${pkg === 'core' ? 'entries/' : ''}${entry}.ts`, sideEffects: packageSideEffects(pkg, entry) }
    })
  },
}

/**
 * Bundle `contents` (TypeScript importing `@signet/*`) for the browser.
 *
 * @param contents - the application module.
 * @param external - module ids left as imports (node builtins for Node-only packages).
 * @param split - code splitting (default true); false bundles everything, lazy code included,
 *   into one file (what an application carries in all, for "what does X add" comparisons).
 */
export async function bundle(contents: string, external: readonly string[] = [], split = true): Promise<BundleReport> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'app.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    splitting: split,
    outdir: `${root}.tmp/bundle-out`,
    logLevel: 'silent',
    external: [...external],
    plugins: [sources],
    tsconfig: `${root}test/runtimes/tsconfig.runtime.json`,
  })
  const outputs = result.metafile.outputs
  const entry = Object.keys(outputs).find((name) => outputs[name]?.entryPoint !== undefined && !outputs[name]?.entryPoint?.startsWith('packages/'))
  if (entry === undefined) throw new Error('esbuild produced no entry chunk')
  // The initial load: the entry and what it imports statically, transitively.
  const initial = new Set<string>()
  const pending = [entry]
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (initial.has(name)) continue
    initial.add(name)
    for (const imported of outputs[name]?.imports ?? []) if (imported.kind === 'import-statement' && imported.path in outputs) pending.push(imported.path)
  }
  const textOf = (name: string): string => {
    const file = result.outputFiles.find((f) => f.path === `${root}${name}` || f.path.endsWith(`/${name}`))
    if (file === undefined) throw new Error(`esbuild output ${name} missing`)
    return file.text
  }
  const inputsOf = (names: readonly string[]): string[] => [
    ...new Set(names.flatMap((name) => Object.entries(outputs[name]?.inputs ?? {}).filter(([, info]) => info.bytesInOutput > 0).map(([path]) => path.replace(root, '')))),
  ]
  const initialNames = [...initial]
  const lazyNames = Object.keys(outputs).filter((name) => !initial.has(name) && !name.endsWith('.map'))
  const text = initialNames.map(textOf).join('\n')
  const bytes = new TextEncoder().encode(text)
  const inputs = inputsOf(initialNames)
  return {
    text,
    minBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    inputs,
    lazyMinBytes: lazyNames.reduce((sum, name) => sum + new TextEncoder().encode(textOf(name)).length, 0),
    lazyInputs: inputsOf(lazyNames).filter((path) => !inputs.includes(path)),
  }
}
