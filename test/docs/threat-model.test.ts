/**
 * docs/threat-model.md matches the attack suite: every file in test/attacks is named in its
 * table, and every test file the table names exists.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const fullDoc = readFileSync(new URL('docs/threat-model.md', root), 'utf8')
// The attack table is the section "## The attack suite"; other sections cite other test files.
const suiteStart = fullDoc.indexOf('## The attack suite')
const suiteEnd = fullDoc.indexOf('\n## ', suiteStart + 1)
const doc = fullDoc.slice(suiteStart, suiteEnd === -1 ? undefined : suiteEnd)
const files = readdirSync(new URL('test/attacks/', root)).filter((f) => f.endsWith('.test.ts'))

describe('docs/threat-model.md', () => {
  it('names every attack file, and only files that exist', () => {
    const named = new Set([...doc.matchAll(/`([\w.-]+\.test\.ts)`/g)].map((m) => m[1] as string))
    expect(files.filter((f) => !named.has(f))).toEqual([])
    expect([...named].filter((f) => !files.includes(f))).toEqual([])
  })

  it('has one file per RFC 9421 subsection 7.2.1-7.2.8, 7.3.1-7.3.7, 7.4.1-7.4.4, 7.5.1-7.5.7', () => {
    const sections = files.map((f) => /^rfc9421-(7\.\d\.\d)-/.exec(f)?.[1]).filter((s) => s !== undefined)
    const expected = [[2, 8], [3, 7], [4, 4], [5, 7]].flatMap(([s, n]) => Array.from({ length: n as number }, (_, i) => `7.${s}.${i + 1}`))
    expect([...sections].sort()).toEqual(expected.sort())
  })
})
