/**
 * The documentation's code is the code in docs/snippets: each marked block equals its file,
 * every snippet file is shown somewhere, the pages this suite owns show no unmarked TypeScript,
 * and every snippet type-checks against the packages' sources.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
// A plain JS helper, shared with the command that rewrites the docs.
import { codeBlocks, markdownFiles, readSnippet, root, snippetNames } from './snippet-blocks.mjs'

interface Block { lang: string; snippet: string | undefined; body: string }

const pages = (markdownFiles() as string[]).map((path) => ({ path: relative(root, path), blocks: codeBlocks(readFileSync(path, 'utf8')) as Block[] }))
const names = snippetNames() as string[]

// The pages written from snippets: every TypeScript block on them must be a tested snippet.
const OWNED = /^(README\.md|docs\/getting-started\/.+\.md|docs\/troubleshooting\.md)$/

describe('docs snippets', () => {
  it('there are snippets, and the owned pages exist', () => {
    expect(names.length).toBeGreaterThanOrEqual(10)
    for (const page of ['README.md', 'docs/troubleshooting.md', ...['browser', 'node', 'deno', 'bun', 'workers'].map((r) => `docs/getting-started/${r}.md`)]) {
      expect(pages.map((p) => p.path)).toContain(page)
    }
  })

  for (const page of pages) {
    const marked = page.blocks.filter((b) => b.snippet !== undefined)
    if (marked.length === 0 && !OWNED.test(page.path)) continue
    it(`${page.path}: every marked block equals its snippet file`, () => {
      for (const b of marked) {
        expect(names, `${page.path} shows a snippet that does not exist: ${b.snippet}`).toContain(b.snippet)
        expect(b.body, `${page.path}: block "${b.snippet}" differs from docs/snippets/${b.snippet}.ts (run: node test/docs/snippet-blocks.mjs)`).toBe(readSnippet(b.snippet))
      }
    })
    if (OWNED.test(page.path)) {
      it(`${page.path}: every TypeScript block is a snippet`, () => {
        const unmarked = page.blocks.filter((b) => ['ts', 'typescript', 'js', 'javascript'].includes(b.lang) && b.snippet === undefined)
        expect(unmarked.map((b) => b.body.split('\n')[0])).toEqual([])
      })
    }
  }

  it('every snippet file is shown on some page', () => {
    const shown = new Set(pages.flatMap((p) => p.blocks.map((b) => b.snippet)))
    expect(names.filter((n) => !shown.has(n))).toEqual([])
  })

  it('every snippet file ends with exactly one newline and no tabs', () => {
    for (const name of names) {
      const text = readSnippet(name) as string
      expect(text.endsWith('\n') && !text.endsWith('\n\n'), name).toBe(true)
      expect(text.includes('\t'), name).toBe(false)
    }
  })

  it('every snippet type-checks (tsc -p docs/snippets)', async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'docs/snippets/tsconfig.json', '--pretty', 'false'], { cwd: root, maxBuffer: 1 << 24 })
      .then(() => '', (error: { stdout?: string }) => error.stdout ?? String(error))
    // Only errors located in the snippets count here; the packages' own type errors fail the
    // project's typecheck, not the docs.
    const errors = result.split('\n').filter((line) => line.startsWith('docs/snippets/'))
    expect(errors).toEqual([])
    if (errors.length === 0 && result.trim() !== '') expect(result).toMatch(/error TS/) // tsc ran
  }, 120_000)
})
