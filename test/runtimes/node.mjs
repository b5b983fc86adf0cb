#!/usr/bin/env node
// Runs the conformance suite in this Node process against the built packages, twice: the ESM
// build (dist/index.js, through import) and the CJS build (dist/index.cjs, through require),
// as Node users load them. vitest covers Node on the sources; this covers what is published.
// Usage: node test/runtimes/node.mjs [--core FILE] [--client FILE] [--server FILE]
// (FILE names the ESM entry; the CJS entry is the .cjs beside it.) esbuild bundles only the
// suite (TypeScript); the packages stay external and load through Node's own resolution.
// Ends with `N passed, N failed`.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { SUITE_ENTRY, TSCONFIG, announce, crashed, finish, locate, readVectors } from './common.mjs'

const runtime = 'node'
const found = locate(runtime)
if (found.core === undefined) {
  finish(runtime, { passed: 0, failed: 0, failures: [] }, found.problems)
} else {
  announce(runtime, found, `, ${process.version}, ESM and CJS builds`)
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

    const require = createRequire(import.meta.url)
    const cjsOf = (file) => file?.replace(/\.js$/, '.cjs')
    const cjs = (file) => {
      if (file === undefined) return undefined
      if (existsSync(cjsOf(file))) return require(cjsOf(file))
      problems.push(`${cjsOf(file)} missing (the CJS build of ${file})`)
      return undefined
    }
    const coreCjs = cjs(found.core)
    cjs(found.pure)
    const cjsReport =
      coreCjs === undefined
        ? { passed: 0, failed: 0, failures: [] }
        : await runConformance({ core: coreCjs, client: cjs(found.client), server: cjs(found.server), profiles: cjs(found.profiles) }, vectors)

    const tagged = (tag, r) => r.failures.map((f) => ({ name: `${tag}: ${f.name}`, message: f.message }))
    finish(
      runtime,
      {
        passed: esmReport.passed + cjsReport.passed,
        failed: esmReport.failed + cjsReport.failed,
        failures: [...tagged('esm', esmReport), ...tagged('cjs', cjsReport)],
      },
      problems,
    )
  } catch (error) {
    crashed(runtime, error, found.problems)
  }
}
