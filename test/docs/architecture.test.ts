/**
 * docs/architecture.md matches the code (issue 18): every module of the verifier's stage table
 * exists and defines the function the table names, every module in server/src/verifier/ and
 * every core entry point is on the map, and the stage table lists DESIGN.md's stages in
 * DESIGN.md's order.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8')
const section = doc.slice(doc.indexOf("## The verifier's stages"), doc.indexOf('\n## ', doc.indexOf("## The verifier's stages") + 5))
const rows = section
  .split('\n')
  .filter((line) => /^\| \d+ \|/.test(line))
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .map(([, , stage, fn, modules]) => ({ stage: stage as string, fn: fn as string, modules: modules as string }))

const moduleFile = (name: string): string =>
  name.startsWith('core ') ? join(root, 'packages/core/src', name.slice(5)) : join(root, 'packages/server/src', name)

describe("docs/architecture.md: the verifier's stages", () => {
  it('has a row per stage of DESIGN.md, in its order', () => {
    expect(rows.map((r) => r.stage)).toEqual([
      'body size, authority pinning',
      'parse (size limits)',
      'select (tag or label)',
      'required components and parameters',
      'resolve the key',
      'key state, algorithm pinned to the key',
      'IP rules',
      'times',
      'verify',
      'digest',
      'nonce',
      'scopes',
      'identity',
      'admission (rate limits, credits)',
    ])
  })

  it('names modules that exist and define the named functions', () => {
    for (const row of rows) {
      const modules = [...row.modules.matchAll(/`([^`]+)`/g)].map((m) => (row.modules.includes(`core \`${m[1]}\``) ? `core ${m[1]}` : (m[1] as string)))
      const sources = modules.map((m) => {
        expect(existsSync(moduleFile(m)), `${row.stage}: ${m}`).toBe(true)
        return readFileSync(moduleFile(m), 'utf8')
      })
      for (const fn of [...row.fn.matchAll(/`(\w+)`/g)].map((m) => m[1] as string)) {
        expect(sources.some((text) => new RegExp(`function ${fn}\\b`).test(text)), `${row.stage}: ${fn} in ${modules.join(', ')}`).toBe(true)
      }
    }
  })

  it('are called by createVerifier in the table order', () => {
    const source = readFileSync(join(root, 'packages/server/src/verifier.ts'), 'utf8')
    const body = source.slice(source.indexOf('export function createVerifier'))
    const calls = ['checkAuthority(', 'parseSignatures(', 'checkRequired(', 'resolveKey(', 'checkKey(', 'checkClientIp(', 'checkSignatureTimes(', 'verifySignature(', 'verifyMessageDigest(', 'recordNonce(', 'checkNonceFresh(', 'checkScopes(', 'identityOf(', 'admitIdentity(']
    const positions = calls.map((call) => body.indexOf(call))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect(positions).toEqual([...positions].sort((a, b) => a - b))
  })
})

describe('docs/architecture.md: the module map', () => {
  it('names every stage module in server/src/verifier/', () => {
    for (const file of readdirSync(join(root, 'packages/server/src/verifier'))) {
      expect(doc, file).toContain(file)
    }
  })

  it("names every core entry point, and they are the package's exports", () => {
    const entries = readdirSync(join(root, 'packages/core/src/entries')).map((f) => f.replace(/\.ts$/, ''))
    const manifest = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')) as { exports: Record<string, unknown> }
    const subpaths = Object.keys(manifest.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'index' : k.slice(2)))
    expect(entries.sort()).toEqual(subpaths.sort())
    for (const entry of entries) expect(doc).toContain(entry === 'index' ? 'index (@signet/core)' : `@signet/core/${entry}`)
  })
})
