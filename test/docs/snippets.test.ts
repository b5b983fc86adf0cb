/**
 * The documentation's code is the code in docs/snippets: each marked block equals its file,
 * every snippet file is shown somewhere, the pages this suite owns show no unmarked TypeScript,
 * and every snippet type-checks against the packages' sources.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
// A plain JS helper, shared with the command that rewrites the docs.
import { codeBlocks, markdownFiles, readSnippet, root, snippetNames } from './snippet-blocks.mjs'

interface Block { lang: string; snippet: string | undefined; body: string }

const pages = (markdownFiles() as string[]).map((path) => ({ path: relative(root, path), blocks: codeBlocks(readFileSync(path, 'utf8')) as Block[] }))
const names = snippetNames() as string[]

// The pages written from snippets: every TypeScript block on them must be a tested snippet.
// camelCase names on the pages that are options, members or fields rather than exports.
const OWNED_OPTIONS = [
  'trustedProxies', 'maxAgeSeconds', 'clockSkewSeconds', 'requiredScopes', 'requiredComponents', 'cfConnectingIp',
  'clockOffsetSeconds', 'keyId', 'rawBody', 'remoteAddr', 'requestIP', 'maxEntries', 'maxBodyBytes', 'clientIp',
  'enableOfflineQueue', 'onVerified', 'onRejected', 'originalUrl', 'signatureBases', 'captureRequest',
  'allowIps', 'denyIps', 'notBefore', 'dispatchFetch', 'CryptoKey', 'forwardedHeader', 'authorities', 'maxEntriesPerOwner',
  'timeoutMs', 'materialCacheMs', 'kvNamespaces', 'durableObjects', 'expireIn', 'openKv', 'moduleResolution',
]
const OPTION_OR_MEMBER = new Set(OWNED_OPTIONS)

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

  it('every function or class named in inline code on the owned pages is exported by a package', () => {
    const surface = JSON.parse(readFileSync(join(root, 'docs', 'api-surface.json'), 'utf8')) as Record<string, Record<string, string>>
    const exported = new Set(Object.values(surface).flatMap((names) => Object.keys(names)))
    // Names that are not Signet exports but are meant: web and runtime APIs, the snippets' own
    // helpers, and option and method names shown as calls.
    const other = new Set(['fetch', 'set', 'signatureBases', 'captureRequest', 'onRejected', 'onVerified', 'Request', 'Response', 'URL', 'require', 'import'])
    const unknown: string[] = []
    for (const page of pages.filter((p) => OWNED.test(p.path))) {
      const text = readFileSync(join(root, page.path), 'utf8').replace(/```[\s\S]*?```/g, '')
      for (const [, name] of text.matchAll(/`(?:new )?([A-Za-z_$][\w$]*)\(/g)) {
        if (!exported.has(name!) && !other.has(name!)) unknown.push(`${page.path}: ${name}`)
      }
      // A bare PascalCase or camelCase name followed by nothing: a type, class or function.
      for (const [, name] of text.matchAll(/`([A-Z][a-z]+[A-Z][A-Za-z]*|[a-z]+[A-Z][A-Za-z]*)`/g)) {
        if (!exported.has(name!) && !OPTION_OR_MEMBER.has(name!)) unknown.push(`${page.path}: ${name}`)
      }
    }
    expect(unknown).toEqual([])
  })

  it('every relative link on the owned pages points at an existing file and heading', () => {
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')
    const broken: string[] = []
    for (const page of pages.filter((p) => OWNED.test(p.path))) {
      const text = readFileSync(join(root, page.path), 'utf8').replace(/```[\s\S]*?```/g, '')
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue
        const [file, anchor] = target!.split('#') as [string, string | undefined]
        const path = file === '' ? join(root, page.path) : join(root, dirname(page.path), file)
        if (!existsSync(path)) {
          broken.push(`${page.path}: ${target}`)
          continue
        }
        if (anchor !== undefined) {
          const headings = [...readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '').matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!))
          if (!headings.includes(anchor)) broken.push(`${page.path}: ${target} (no such heading)`)
        }
      }
    }
    expect(broken).toEqual([])
  })

  it('JSON blocks parse; the JWK Set shown on the Deno page is docs/snippets/jwks.json', () => {
    for (const page of pages.filter((p) => OWNED.test(p.path))) {
      for (const b of page.blocks.filter((x) => x.lang === 'json')) expect(() => JSON.parse(b.body), page.path).not.toThrow()
    }
    const deno = pages.find((p) => p.path === 'docs/getting-started/deno.md')!
    const shown = deno.blocks.filter((b) => b.lang === 'json').map((b) => JSON.parse(b.body) as unknown)
    expect(shown).toContainEqual(JSON.parse(readFileSync(join(root, 'docs', 'snippets', 'jwks.json'), 'utf8')))
  })

  it('the signed fields shown on the Node page are those of the troubleshooting example', () => {
    const node = pages.find((p) => p.path === 'docs/getting-started/node.md')!
    const fields = node.blocks.find((b) => b.lang === 'http')!.body.trim().split('\n')
    expect(fields.map((f) => f.split(':')[0])).toEqual(['Content-Digest', 'Signature-Input', 'Signature'])
    const example = readFileSync(join(root, 'docs', 'troubleshooting.md'), 'utf8')
    for (const field of fields) expect(example).toContain(`${field}\n`)
  })

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
    const run = (extra: string[]) =>
      promisify(execFile)(process.execPath, [tsc, '-p', 'docs/snippets/tsconfig.json', '--pretty', 'false', ...extra], { cwd: root, maxBuffer: 1 << 24 })
        .then(({ stdout }) => stdout, (error: { stdout?: string }) => error.stdout ?? String(error))
    // The program really holds the snippets: a tsconfig that matches nothing would check nothing.
    const listed = await run(['--listFilesOnly'])
    const snippets = readdirSync(join(root, 'docs', 'snippets')).filter((f) => f.endsWith('.ts'))
    expect(snippets.length).toBeGreaterThan(0)
    for (const file of snippets) expect(listed, file).toContain(`docs/snippets/${file}`)
    // Every error counts except one located in the packages themselves (those fail the project's
    // own typecheck step): a snippet error, and a config error such as TS18003, fail here.
    const result = await run([])
    const errors = result.split('\n').filter((line) => /error TS\d+/.test(line) && !line.startsWith('packages/'))
    expect(errors).toEqual([])
  }, 120_000)
})
