#!/usr/bin/env node
// Runs the conformance suite in this Node process against the built packages (dist/index.js,
// through import), as Node users load them; then loads each entry with require() too, as a
// CommonJS user does: the packages are ES modules only, and every Node release they support
// (>=20.19) loads them through require(esm), which must hand back the very module instance
// that import() gave (one copy, one backend registry). vitest covers Node on the sources; this
// covers what is published. Usage: node test/runtimes/node.mjs [--core FILE] [--client FILE]
// [--server FILE]. esbuild bundles only the suite (TypeScript); the packages stay external and
// load through Node's own resolution. Ends with `N passed, N failed`.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { SUITE_ENTRY, TSCONFIG, announce, crashed, finish, locate, readVectors } from './common.mjs'

const runtime = 'node'
const found = locate(runtime)
if (found.core === undefined) {
  finish(runtime, { passed: 0, failed: 0, failures: [] }, found.problems)
} else {
  announce(runtime, found, `, ${process.version}, import and require(esm)`)
  try {
    const esbuild = await import('esbuild')
    const built = await esbuild.build({
      stdin: { contents: `export { runConformance } from ${JSON.stringify(SUITE_ENTRY)}`, resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      tsconfig: TSCONFIG,
      logLevel: 'silent',
    })
    const { runConformance } = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`)
    const vectors = readVectors(found)
    const problems = [...found.problems]

    const esm = async (file) => (file === undefined ? undefined : import(pathToFileURL(file).href))
    const core = await esm(found.core)
    await esm(found.pure)
    const esmReport = await runConformance({ core, client: await esm(found.client), server: await esm(found.server), profiles: await esm(found.profiles) }, vectors)

    // require(esm): the same namespace object as import(), or a clear failure per entry.
    const require = createRequire(import.meta.url)
    const cjsReport = { passed: 0, failed: 0, failures: [] }
    for (const file of [found.core, found.pure, found.client, found.server, found.profiles]) {
      if (file === undefined) continue
      try {
        const required = require(file)
        if (required === (await esm(file))) cjsReport.passed += 1
        else throw new Error('require() returned another instance than import()')
      } catch (error) {
        cjsReport.failed += 1
        cjsReport.failures.push({ name: `require(${file})`, message: error instanceof Error ? error.message : String(error) })
      }
    }

    const tagged = (tag, r) => r.failures.map((f) => ({ name: `${tag}: ${f.name}`, message: f.message }))
    finish(
      runtime,
      {
        passed: esmReport.passed + cjsReport.passed,
        failed: esmReport.failed + cjsReport.failed,
        failures: [...tagged('esm', esmReport), ...tagged('require', cjsReport)],
      },
      problems,
    )
  } catch (error) {
    crashed(runtime, error, found.problems)
  }
}
