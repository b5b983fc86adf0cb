/**
 * `pnpm demo` and `pnpm signet` rebuild only when a source is newer than the build
 * (scripts/staleness.mjs, used by `scripts/build.mjs --if-stale`): checked on a scratch tree
 * with set modification times, never on the real dist (other tests read it).
 *
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
// A plain JS helper of the build script.
import { staleness } from '../../scripts/staleness.mjs'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A tree with one library (`core`, entries index and pure) and the cli, every file at time `at`. */
function tree(at: number): { root: string; touch: (file: string, time: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'signet-stale-'))
  dirs.push(root)
  const touch = (file: string, time: number): void => {
    const path = join(root, file)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, file.endsWith('package.json') ? JSON.stringify({ exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './pure': { types: './dist/pure.d.ts', default: './dist/pure.js' }, './package.json': './package.json' } }) : '')
    utimesSync(path, time, time)
  }
  for (const file of ['rollup.config.mjs', 'packages/core/package.json', 'packages/core/src/index.ts', 'packages/cli/package.json', 'packages/cli/src/bin.ts']) touch(file, at)
  for (const dir of ['packages/core/src', 'packages/cli/src']) utimesSync(join(root, dir), at, at)
  for (const file of ['packages/core/dist/index.js', 'packages/core/dist/pure.js', 'packages/cli/dist/bin.js']) touch(file, at + 10)
  return { root, touch }
}

describe('build staleness', () => {
  it('is up to date when every entry file is newer than every input', () => {
    const { root } = tree(1_000_000)
    expect(staleness(root, ['core'])).toBeUndefined()
  })

  it('names a missing entry file', () => {
    const { root } = tree(1_000_000)
    rmSync(join(root, 'packages/core/dist/pure.js'))
    expect(staleness(root, ['core'])).toBe(join('packages/core/dist/pure.js') + ' is missing')
  })

  it('names a source newer than the oldest entry file, however deep', () => {
    const { root, touch } = tree(1_000_000)
    touch('packages/core/src/keys/jwk.ts', 1_000_005)
    // Adding the file touched its directories too: put them back, so the file itself decides.
    for (const dir of ['packages/core/src', 'packages/core/src/keys']) utimesSync(join(root, dir), 1_000_000, 1_000_000)
    expect(staleness(root, ['core'])).toBeUndefined()
    touch('packages/core/src/keys/jwk.ts', 1_000_020)
    expect(staleness(root, ['core'])).toBe(join('packages/core/src') + ' is newer than the build')
  })

  it('counts package.json and rollup.config.mjs as inputs', () => {
    const first = tree(1_000_000)
    first.touch('packages/cli/package.json', 1_000_020)
    expect(staleness(first.root, ['core'])).toBe(join('packages/cli/package.json') + ' is newer than the build')
    const second = tree(1_000_000)
    second.touch('rollup.config.mjs', 1_000_020)
    expect(staleness(second.root, ['core'])).toBe('rollup.config.mjs is newer than the build')
  })
})
