/**
 * Bundling an application snippet the way a user's bundler would: esbuild, minified, ESM, for
 * the browser, with `@signet/*` (and its subpaths) resolved to the package sources and each
 * package's `sideEffects` honoured, so what tree-shaking keeps is what an application gets.
 * Used by the bundle-size budgets (budgets.test.ts); the same figures are printed by
 * `pnpm bench`.
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
  readonly text: string
  readonly minBytes: number
  readonly gzipBytes: number
  /** Contributing inputs, relative to the repository root. */
  readonly inputs: readonly string[]
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

// `@signet/<pkg>` and `@signet/<pkg>/<entry>` to packages/<pkg>/src/<entry>.ts (core's entries
// are in src/entries/), as the package `exports` map them to dist/<entry>.js.
const sources: Plugin = {
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
 */
export async function bundle(contents: string, external: readonly string[] = []): Promise<BundleReport> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'app.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: [...external],
    plugins: [sources],
    tsconfig: `${root}test/runtimes/tsconfig.runtime.json`,
  })
  const output = Object.values(result.metafile.outputs)[0]
  const file = result.outputFiles[0]
  if (output === undefined || file === undefined) throw new Error('esbuild produced no output')
  const inputs = Object.entries(output.inputs)
    .filter(([, info]) => info.bytesInOutput > 0)
    .map(([path]) => path.replace(root, ''))
  return { text: file.text, minBytes: file.contents.length, gzipBytes: gzipSync(file.contents).length, inputs }
}
