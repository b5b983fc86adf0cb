/**
 * The repository's copy of the published test vectors: every file is named in the README with
 * its source, keeps its top-level source fields, and nothing in the project reads a folder
 * outside the checkout (a fresh clone must pass alone).
 *
 * @module
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = fileURLToPath(new URL('../../', import.meta.url))
const files = readdirSync(here).filter((f) => f.endsWith('.json'))
const readme = readFileSync(join(here, 'README.md'), 'utf8')

describe('test/vectors', () => {
  test('holds the five vector files', () => {
    expect(files.sort()).toEqual(['binance-vectors.json', 'cavage-vectors.json', 'rfc9421-vectors.json', 'sigv4-suite.json', 'webhook-vectors.json'])
  })

  test.each(files)('%s is named in the README and keeps its top-level description', (file) => {
    expect(readme).toContain(`\`${file}\``)
    const data = JSON.parse(readFileSync(join(here, file), 'utf8')) as Record<string, unknown>
    const described = typeof data['description'] === 'string' || typeof data['$comment'] === 'string'
    expect(described).toBe(true)
  })

  test('no source, test or script reads the shared folder beside the checkout', () => {
    const offenders: string[] = []
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else if (/\.(?:[cm]?[jt]s)$/.test(name) && path !== fileURLToPath(import.meta.url)) {
          if (/\.\.\/shared\/|shared\/vectors/.test(readFileSync(path, 'utf8'))) offenders.push(path.slice(root.length))
        }
      }
    }
    for (const dir of ['packages', 'test', 'scripts', 'bench']) walk(join(root, dir))
    expect(offenders).toEqual([])
  })
})
