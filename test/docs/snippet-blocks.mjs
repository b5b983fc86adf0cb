/**
 * Markdown code blocks that show a file of docs/snippets.
 *
 * A fenced ```ts block whose first line is `// snippet: NAME` must hold exactly the text of
 * docs/snippets/NAME.ts after that line. The tests compare them (drift fails); running this
 * file rewrites every marked block from its snippet file:
 *
 *   node test/docs/snippet-blocks.mjs          # rewrite the docs from docs/snippets/*.ts
 *   node test/docs/snippet-blocks.mjs --check  # exit 1 when a block differs
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const snippetDir = join(root, 'docs', 'snippets')

const MARKER = /^\/\/ snippet: ([a-z0-9-]+)$/
const FENCE = /^(`{3,})(\S*)\s*$/

/** Every markdown file the snippets may appear in: README.md and docs/ (not the generated API). */
export function markdownFiles() {
  const out = [join(root, 'README.md')]
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (path !== join(root, 'docs', 'api')) walk(path)
      } else if (entry.name.endsWith('.md')) out.push(path)
    }
  }
  walk(join(root, 'docs'))
  return out.sort()
}

/**
 * The fenced code blocks of a markdown text.
 * @returns `{ lang, snippet, body, start, end }`: `snippet` is the marker's name or undefined,
 *   `body` the lines after the marker (with a final newline), `start`/`end` the fence line indexes.
 */
export function codeBlocks(text) {
  const lines = text.split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i])
    if (open === null) continue
    let j = i + 1
    while (j < lines.length && lines[j] !== open[1]) j++
    const inner = lines.slice(i + 1, j)
    const marker = inner.length > 0 ? MARKER.exec(inner[0]) : null
    blocks.push({
      lang: open[2],
      snippet: marker === null ? undefined : marker[1],
      body: (marker === null ? inner : inner.slice(1)).join('\n') + '\n',
      start: i,
      end: j,
    })
    i = j
  }
  return blocks
}

/** The names of the snippet files (without `.ts`). */
export function snippetNames() {
  return readdirSync(snippetDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort()
}

export function readSnippet(name) {
  return readFileSync(join(snippetDir, `${name}.ts`), 'utf8')
}

/** Rewrite the marked blocks of one markdown file from the snippet files; true when it changed. */
export function syncFile(path) {
  const text = readFileSync(path, 'utf8')
  const lines = text.split('\n')
  const blocks = codeBlocks(text).filter((b) => b.snippet !== undefined)
  for (const b of blocks.reverse()) {
    const body = readSnippet(b.snippet).replace(/\n$/, '').split('\n')
    lines.splice(b.start + 2, b.end - b.start - 2, ...body)
  }
  const next = lines.join('\n')
  if (next === text) return false
  writeFileSync(path, next)
  return true
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const path of markdownFiles()) {
    if (check) {
      for (const b of codeBlocks(readFileSync(path, 'utf8'))) {
        if (b.snippet !== undefined && b.body !== readSnippet(b.snippet)) {
          stale++
          console.log(`${relative(root, path)}: block "${b.snippet}" differs from docs/snippets/${b.snippet}.ts`)
        }
      }
    } else if (syncFile(path)) console.log(`updated ${relative(root, path)}`)
  }
  process.exitCode = stale > 0 ? 1 : 0
}
