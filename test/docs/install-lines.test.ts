/**
 * The install lines of the README, every getting-started guide and every package README: each
 * shows the registry command and the path that works from a clone today (`pnpm release:pack`,
 * then `npm i` of tarballs in dist-packages/). Every tarball named must be one that release:pack
 * writes (current name and version), and each `npm i` line must name the tarballs of the
 * `@signet/*` packages the named ones depend on: npm cannot find those on the registry before
 * they are published. test/consumer installs the same tarballs with npm and uses them.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const PACKAGES = ['core', 'client', 'server', 'registry', 'profiles', 'cli'] as const
const manifests = Object.fromEntries(
  PACKAGES.map((p) => [p, JSON.parse(readFileSync(`${root}packages/${p}/package.json`, 'utf8')) as { name: string; version: string; dependencies?: Record<string, string> }]),
)
const tarballOf = Object.fromEntries(PACKAGES.map((p) => [`signet-${p}-${manifests[p]!.version}.tgz`, p]))

const pages = [
  'README.md',
  ...['browser', 'node', 'deno', 'bun', 'workers'].map((r) => `docs/getting-started/${r}.md`),
  ...PACKAGES.map((p) => `packages/${p}/README.md`),
]

/** The `npm i` commands (in code blocks or inline code) that install tarballs from dist-packages. */
function tarballInstalls(text: string): string[][] {
  return [...text.matchAll(/npm i (?:-D )?((?:\S*dist-packages\/\S+\.tgz ?)+)/g)].map((m) => m[1]!.trim().split(/\s+/).map((path) => path.split('/').at(-1)!))
}

describe('install lines', () => {
  for (const page of pages) {
    const text = readFileSync(`${root}${page}`, 'utf8')
    it(`${page}: the registry command and the from-clone path`, () => {
      expect(text).toMatch(/(?:pnpm add|bun add|deno add|npm i)(?: -D)? (?:npm:)?@signet\/[a-z]+/)
      expect(text).toContain('pnpm release:pack')
      const installs = tarballInstalls(text)
      expect(installs.length).toBeGreaterThan(0)
      for (const files of installs) {
        for (const file of files) expect(Object.keys(tarballOf), `${page}: ${file} is not a tarball release:pack writes`).toContain(file)
        const named = new Set(files.map((f) => tarballOf[f]!))
        for (const pkg of named) {
          for (const dep of Object.keys(manifests[pkg]!.dependencies ?? {}).filter((d) => d.startsWith('@signet/'))) {
            expect(named.has(dep.slice('@signet/'.length) as (typeof PACKAGES)[number]), `${page}: npm i of ${pkg} needs the tarball of ${dep} beside it`).toBe(true)
          }
        }
      }
    })
  }

  it('the guides no longer start a user with only a registry command', () => {
    const guides = pages.filter((p) => p.startsWith('docs/getting-started/'))
    expect(guides).toHaveLength(5)
  })
})
