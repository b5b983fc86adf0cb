/**
 * No import circle among the modules of packages/*\/src (issue 18), checked by the same walker
 * `pnpm lint` runs (scripts/import-cycles.mjs). The walker itself is first shown to find the
 * circles it must: direct, through a third module, type-only, and an `export ... from`, on a
 * scratch tree.
 *
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
// A plain JS helper of the lint script.
import { findImportCycles } from '../../scripts/import-cycles.mjs'

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url))
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'signet-cycles-'))
  dirs.push(root)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true })
    writeFileSync(join(root, file), `/** doc */\n${text}\n`)
  }
  return root
}

describe('the import-circle walker', () => {
  it('finds a circle through three modules, one edge of it type-only', () => {
    const root = tree({
      'packages/core/src/keys/sign.ts': "import { selectBackend } from '../backends/registry.ts'",
      'packages/core/src/backends/registry.ts': "import { nativeBackend } from './native.ts'",
      'packages/core/src/backends/native.ts': "import type { Base64Signer } from '../keys/sign.ts'",
      'packages/core/src/bytes.ts': 'export const x = 1',
    })
    expect(findImportCycles(root)).toEqual([
      ['packages/core/src/backends/native.ts', 'packages/core/src/backends/registry.ts', 'packages/core/src/keys/sign.ts'],
    ])
  })

  it('finds a two-module circle made by a re-export and a dynamic import', () => {
    const root = tree({
      'packages/cli/src/args.ts': "export { formatUsage } from './help.ts'",
      'packages/cli/src/help.ts': "const args = await import('./args.ts')",
    })
    expect(findImportCycles(root)).toEqual([['packages/cli/src/args.ts', 'packages/cli/src/help.ts']])
  })

  it('ignores imports shown in comments and imports of other packages', () => {
    const root = tree({
      'packages/core/src/a.ts': "/** @example import { b } from './b.ts' */\nimport { SignetError } from '@signet/core'",
      'packages/core/src/b.ts': "// import { a } from './a.ts'\nimport { a } from './a.ts'",
    })
    expect(findImportCycles(root)).toEqual([])
  })
})

describe('the packages', () => {
  it('have no import circle', () => {
    expect(findImportCycles(repositoryRoot)).toEqual([])
  })
})
