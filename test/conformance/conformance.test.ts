/**
 * The conformance suite under vitest: against the TypeScript sources (through the `@signet/*`
 * aliases of vitest.config.ts) in the `node` and `happy-dom` projects, and against the built
 * packages (`packages/x/dist`) in the `happy-dom-dist` project.
 *
 * The vectors are read in place from ../shared/vectors beside the checkout. Without that
 * folder, one line says so and only the generated-key round trips run; in CI (CI=true) the
 * absence is a failing test. The client and server suites join when their sources exist
 * (required in CI).
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'vitest'
import * as core from '@signet/core'
// Registers the pure backend, so its cases run too (RFC vectors and round trips per backend).
import '@signet/core/pure'
import { type Libraries, collectCases } from './collect.ts'
import type { VectorFile } from './vectors.ts'

const inCi = process.env.CI === 'true' || process.env.CI === '1'
// Paths go through strings: under happy-dom the global URL is the DOM's, which node:fs refuses.
const pathOf = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url).href)
const vectorsPath = pathOf('../../../shared/vectors/rfc9421-vectors.json')
const sourceOf = (pkg: string): string => pathOf(`../../packages/${pkg}/src/index.ts`)

let vectors: VectorFile | undefined
if (existsSync(vectorsPath)) {
  vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as VectorFile
} else if (inCi) {
  test('the shared vectors folder is present (required in CI)', () => {
    throw new Error(`missing ${vectorsPath}`)
  })
} else {
  console.log(`conformance: ${vectorsPath} not found; vector cases skipped, round trips only`)
}

const optional = async <T>(pkg: 'client' | 'server' | 'profiles', load: () => Promise<T>): Promise<T | undefined> => {
  if (existsSync(sourceOf(pkg))) return load()
  if (inCi) test(`@signet/${pkg} is present (required in CI)`, () => { throw new Error(`missing ${sourceOf(pkg)}`) })
  return undefined
}

const libs: Libraries = {
  core,
  client: await optional('client', () => import('@signet/client')),
  server: await optional('server', () => import('@signet/server')),
  profiles: await optional('profiles', () => import('@signet/profiles')),
}

for (const c of collectCases(libs, vectors)) test(c.name, c.run)
