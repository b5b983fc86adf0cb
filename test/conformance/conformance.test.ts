/**
 * The conformance suite under vitest: against the TypeScript sources (through the `@signet/*`
 * aliases of vitest.config.ts) in the `node` and `happy-dom` projects, and against the built
 * packages (`packages/x/dist`) in the `happy-dom-dist` project.
 *
 * The vectors are the repository's own copy in test/vectors (see its README); the client and
 * server suites join when their sources exist (required in CI).
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
const vectorsPath = pathOf('../vectors/rfc9421-vectors.json')
const sourceOf = (pkg: string): string => pathOf(`../../packages/${pkg}/src/${pkg === 'core' ? 'entries/' : ''}index.ts`)

// Part of the repository: a checkout without it is broken, so reading it may throw.
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as VectorFile

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
