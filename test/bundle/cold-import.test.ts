/**
 * What Node compiles when a server starts: `import('@signet/server')` (issue 10 item 4).
 *
 * Node does not tree-shake: an ES module import compiles every byte of every file reached
 * through static imports, so the cold import follows the built files, not what a bundler would
 * keep. This builds core and the server with the project's own rollup configuration, in memory,
 * and walks the static imports from `@signet/server`'s entry file:
 * - the server reaches core only through `@signet/core/verifying`, never the whole of core
 *   (the full signer, key generation and export, the raw HTTP message parser);
 * - what only a rare call needs (directory transport, response signing, the signed directory,
 *   the PEM/DER reader) stays behind `import()`;
 * - the bytes of the files reached stay within a budget, about 5% above their size when it
 *   was set, so growth is noticed and raised on purpose. Timings are measured by
 *   `pnpm bench` (bench/import-time.mjs), not asserted here.
 *
 * `@signet/core/verifying` re-exports core's own bindings: one `SignetError` class whichever
 * entry a caller imports (checked here on the sources, and in test/consumer on the tarballs).
 */
import { describe, expect, it } from 'vitest'
import { rollup, type OutputChunk, type RollupOptions } from 'rollup'
import * as core from '@signet/core'
import * as verifying from '@signet/core/verifying'

// Raised on purpose only. Set at 258 000 (core's verifying chunk, its shared chunk and entry
// file, the server's entry file and chunk); 317 000 before, when the server imported all of core.
const COLD_BYTES_BUDGET = 271_000

// Core modules that only a signer, a key generator or a raw-message parser reach.
const NOT_FOR_VERIFYING = /packages\/core\/src\/(?:sign-message\.ts|keys\/(?:generate|export)\.ts|message\/parse-http-message\.ts|backends\/pure\.ts)$/
// Modules that load on their first call: the server's rare paths, and core's key importer.
const SERVER_ON_FIRST_CALL = /packages\/server\/src\/(?:resolvers\/directory-transport|response-signature|web-bot-auth\/signed-directory)\.ts$/
const CORE_ON_FIRST_CALL = /packages\/core\/src\/keys\/(?:import-any|pem-read)\.ts$/

interface Built {
  /** Output chunks by package and file name. */
  readonly chunks: Map<string, OutputChunk>
}

async function build(): Promise<Built> {
  const configs = ((await import('../../rollup.config.mjs')) as { default: RollupOptions[] }).default
  const chunks = new Map<string, OutputChunk>()
  for (const pkg of ['core', 'server']) {
    const config = configs.find((c) => !Array.isArray(c.output) && c.output?.dir === `packages/${pkg}/dist`)
    if (config === undefined || Array.isArray(config.output) || config.output === undefined) throw new Error(`no rollup configuration for ${pkg}`)
    const bundle = await rollup({ ...config, onwarn: () => {} })
    const { output } = await bundle.generate(config.output)
    await bundle.close()
    for (const item of output) if (item.type === 'chunk') chunks.set(`${pkg}/${item.fileName}`, item)
  }
  return { chunks }
}

/** The files a static import of `pkg/file` compiles, following package subpaths of core. */
function staticGraph({ chunks }: Built, start: string): { files: OutputChunk[]; external: string[] } {
  const seen = new Map<string, OutputChunk>()
  const external = new Set<string>()
  const visit = (key: string): void => {
    if (seen.has(key)) return
    const chunk = chunks.get(key)
    if (chunk === undefined) throw new Error(`${key} is not in the build`)
    seen.set(key, chunk)
    const [pkg] = key.split('/') as [string]
    // rollup lists a chunk's own imports by output file name, and external ones by specifier.
    for (const imported of chunk.imports) {
      if (chunks.has(`${pkg}/${imported}`)) visit(`${pkg}/${imported}`)
      else {
        external.add(imported)
        if (imported.startsWith('@signet/core')) visit(`core/${imported === '@signet/core' ? 'index' : imported.slice('@signet/core/'.length)}.js`)
      }
    }
  }
  visit(start)
  return { files: [...seen.values()], external: [...external] }
}

describe("@signet/server's cold import (the built files Node compiles)", () => {
  let built: Promise<Built> | undefined
  const get = (): Promise<Built> => (built ??= build())

  it('reaches core through @signet/core/verifying only', async () => {
    const { external } = staticGraph(await get(), 'server/index.js')
    expect(external.filter((e) => e.startsWith('@signet/'))).toEqual(['@signet/core/verifying'])
  }, 60_000)

  it("compiles none of core's signer, key generation, raw-message parser, key importer or PEM reader", async () => {
    const { files } = staticGraph(await get(), 'server/index.js')
    const modules = files.flatMap((f) => Object.keys(f.modules))
    expect(modules.some((m) => m.endsWith('packages/core/src/verify.ts'))).toBe(true)
    expect(modules.filter((m) => NOT_FOR_VERIFYING.test(m))).toEqual([])
    expect(modules.filter((m) => SERVER_ON_FIRST_CALL.test(m) || CORE_ON_FIRST_CALL.test(m))).toEqual([])
  }, 60_000)

  it('the rare paths are still built, behind import()', async () => {
    const { chunks } = await get()
    const lazy = [...chunks.values()].filter((c) => c.isDynamicEntry).flatMap((c) => Object.keys(c.modules))
    expect(lazy.filter((m) => SERVER_ON_FIRST_CALL.test(m))).toHaveLength(3)
    expect(lazy.filter((m) => CORE_ON_FIRST_CALL.test(m))).toHaveLength(2)
  }, 60_000)

  it(`compiles at most ${COLD_BYTES_BUDGET} bytes`, async () => {
    const { files } = staticGraph(await get(), 'server/index.js')
    const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.code), 0)
    expect(bytes, files.map((f) => `${f.fileName} ${f.code.length}`).join(', ')).toBeLessThanOrEqual(COLD_BYTES_BUDGET)
  }, 60_000)
})

describe('@signet/core/verifying', () => {
  it("exports core's own bindings, nothing of its own", () => {
    const names = Object.keys(verifying)
    expect(names.length).toBeGreaterThan(20)
    for (const name of names) expect((core as Record<string, unknown>)[name], name).toBe((verifying as Record<string, unknown>)[name])
  })

  it('has what a verifier needs', () => {
    for (const name of ['SignetError', 'parseSignatures', 'selectSignatures', 'verifySignature', 'verifyMessageDigest', 'importKey', 'thumbprint', 'checkTimes']) {
      expect(typeof (verifying as Record<string, unknown>)[name], name).toBe('function')
    }
  })
})
