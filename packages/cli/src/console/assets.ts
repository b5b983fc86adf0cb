/**
 * The console page's files: `index.html`, `app.js` (the page script with uPlot bundled in) and
 * `app.css` (the page's styles and uPlot's).
 *
 * `pnpm build` bundles them with esbuild into `dist/console/` beside the CLI (scripts/build.mjs),
 * so an installed `signet` needs neither esbuild nor uPlot at run time. Run from the sources
 * (tests, `signet` through the vitest alias), the same bundle is made once in memory with the
 * same esbuild options: the page under test is the page that ships.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { SignetError } from '@signet/core'

/** The console page's files, ready to serve. */
export interface ConsoleAssets {
  /** The page, with `%%TOKEN%%` where the session token goes. */
  readonly html: string
  readonly script: Uint8Array
  readonly style: Uint8Array
}

/** esbuild options of the page bundle; scripts/build.mjs uses the same. */
export const PAGE_BUILD = { bundle: true, format: 'esm', target: 'es2022', minify: true, legalComments: 'inline' } as const

let cached: Promise<ConsoleAssets> | undefined

async function fromDist(dir: URL): Promise<ConsoleAssets> {
  const [html, script, style] = await Promise.all([
    readFile(new URL('index.html', dir), 'utf8'),
    readFile(new URL('app.js', dir)),
    readFile(new URL('app.css', dir)),
  ])
  return { html, script: new Uint8Array(script), style: new Uint8Array(style) }
}

async function fromSources(): Promise<ConsoleAssets> {
  const page = new URL('./page/', import.meta.url)
  // esbuild is a development dependency, reached only when running from the sources. The name
  // is a variable so that no bundler of the CLI (rollup for dist, esbuild in the tests) pulls
  // esbuild itself into the bundle.
  const builder = 'esbuild'
  const esbuild = (await import(builder)) as typeof import('esbuild')
  const built = await esbuild.build({ ...PAGE_BUILD, entryPoints: [fileURLToPath(new URL('app.ts', page))], write: false })
  const require = createRequire(import.meta.url)
  const uplotCss = await readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')
  const ownCss = await readFile(new URL('console.css', page), 'utf8')
  return {
    html: await readFile(new URL('index.html', page), 'utf8'),
    script: (built.outputFiles[0] as { contents: Uint8Array }).contents,
    style: new TextEncoder().encode(`${uplotCss}\n${ownCss}`),
  }
}

/**
 * The console's files: from `dist/console/` when built, else bundled from the sources once.
 *
 * @returns the page, script and styles
 * @throws {SignetError} `ERR_IO` when neither the built files nor the sources are present
 */
export function loadConsoleAssets(): Promise<ConsoleAssets> {
  if (cached !== undefined) return cached
  const dist = new URL('./console/', import.meta.url)
  let attempt: Promise<ConsoleAssets>
  if (existsSync(new URL('app.js', dist))) attempt = fromDist(dist)
  else if (existsSync(new URL('./page/app.ts', import.meta.url))) attempt = fromSources()
  else attempt = Promise.reject(new SignetError('ERR_IO', 'signet console: the page files are missing beside the CLI (dist/console/); build it with pnpm build'))
  cached = attempt.catch((error: unknown) => {
    cached = undefined
    throw error
  })
  return cached
}
