/**
 * What a browser application that signs with `createSigner` + `signedFetch` downloads when it
 * runs (issue 10 item 3): the bundle is built as an application would build it (esbuild, code
 * splitting, browser, the package sources with their `sideEffects`) and run here with no
 * server runtime detected (no `process.getBuiltinModule`, so WebCrypto signs, as in a page),
 * every dynamic `import()` of the bundle counted.
 *
 * Signing an HMAC or Ed25519 JWK with parameterless components, a description, a `Request` or
 * through `signedFetch` to a 200, loads no lazy chunk; components with parameters, a redirect
 * and a clock-skew 401 each load theirs (which shows that the count sees a load).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sources } from './bundle.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const hmacJwk = { kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url') }
const edJwk = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
}

interface ClientModule {
  createSigner(options: Record<string, unknown>): {
    sign(input: unknown): Promise<{ headers: unknown }>
  }
  signedFetch(signer: unknown): (input: string | Request, init?: RequestInit) => Promise<Response>
}

let dir: string
let client: ClientModule
const loaded: string[] = []
const lazy = globalThis as { __signetLazy?: (path: string) => Promise<unknown> }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'signet-lazy-'))
  await build({
    stdin: { contents: `export { createSigner, signedFetch } from '@signet/client'`, resolveDir: root, loader: 'ts', sourcefile: 'app.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    splitting: true,
    outdir: dir,
    entryNames: 'app',
    logLevel: 'silent',
    plugins: [sources],
    tsconfig: `${root}test/runtimes/tsconfig.runtime.json`,
  })
  // Every dynamic import of the bundle goes through the counter (the chunks share one folder).
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\bimport\(/g, 'globalThis.__signetLazy('))
  }
  lazy.__signetLazy = (path) => {
    loaded.push(path.replace(/^\.\//, '').replace(/-[A-Z0-9]{8}\.js$/, ''))
    return import(/* @vite-ignore */ pathToFileURL(join(dir, path)).href)
  }
  client = (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'app.js')).href)) as ClientModule
})

afterAll(() => {
  delete lazy.__signetLazy
  rmSync(dir, { recursive: true, force: true })
})

/** Run `body` as a page would: no server runtime, `fetch` answered by `answer`. */
async function inPage<T>(answer: (request: Request) => Response, body: () => Promise<T>): Promise<{ result: T; chunks: string[]; sent: Request[] }> {
  const process_ = process as { getBuiltinModule?: unknown }
  const getBuiltinModule = process_.getBuiltinModule
  const fetch_ = globalThis.fetch
  const sent: Request[] = []
  process_.getBuiltinModule = undefined
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    sent.push(request)
    return answer(request)
  }) as typeof fetch
  loaded.length = 0
  try {
    const result = await body()
    return { result, chunks: [...loaded], sent }
  } finally {
    process_.getBuiltinModule = getBuiltinModule
    globalThis.fetch = fetch_
  }
}

const ok = (): Response => new Response('ok', { status: 200 })

describe('the initial load of createSigner + signedFetch is all a plain signer needs', () => {
  for (const [name, key, keyId] of [['HMAC', hmacJwk, 'client-1'], ['Ed25519', edJwk, undefined]] as const) {
    it(`${name} JWK, default components: a description, a Request and signedFetch load no chunk`, async () => {
      const { result, chunks, sent } = await inPage(ok, async () => {
        const signer = client.createSigner({ key, keyId })
        const described = await signer.sign({ method: 'POST', url: 'https://api.example/orders', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
        const request = await signer.sign(new Request('https://api.example/orders', { method: 'POST', body: '{"a":1}' }))
        const fetchSigned = client.signedFetch(signer)
        const first = await fetchSigned('https://api.example/orders', { method: 'POST', body: '{"a":1}' })
        const second = await fetchSigned(new Request('https://api.example/orders?page=2'))
        return { described, request, statuses: [first.status, second.status] }
      })
      expect(chunks).toEqual([])
      expect(result.statuses).toEqual([200, 200])
      expect((result.described.headers as Record<string, string>)['signature-input']).toMatch(/^sig1=\("@method" "@target-uri" "content-digest" "content-type"\);created=\d+;nonce="[\w-]{22}"/)
      expect((result.request as unknown as Request).headers.get('signature')).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/)
      expect(sent.map((r) => r.headers.get('signature-input')?.slice(0, 4))).toEqual(['sig1', 'sig1'])
    })
  }

  it('parameterless components given by name load no chunk either', async () => {
    const { chunks } = await inPage(ok, async () => {
      const signer = client.createSigner({ key: hmacJwk, keyId: 'client-1', components: ['@method', '@authority', '@path', '@query', 'content-type', 'content-digest'] })
      return client.signedFetch(signer)('https://api.example/orders?x=1', { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } })
    })
    expect(chunks).toEqual([])
  })
})

describe('what only some requests need loads on first need (and the count sees it)', () => {
  it('a component with parameters loads core', async () => {
    const { chunks } = await inPage(ok, async () =>
      client.createSigner({ key: hmacJwk, keyId: 'client-1', components: ['@method', '"@query-param";name="x"'] }).sign({ url: 'https://api.example/?x=1' }),
    )
    expect(chunks).toContain('core-extras')
  })

  it('a same-origin redirect loads the redirect rules', async () => {
    const { chunks, sent } = await inPage(
      (request) => (new URL(request.url).pathname === '/old' ? new Response(null, { status: 302, headers: { location: '/new' } }) : ok()),
      async () => client.signedFetch(client.createSigner({ key: hmacJwk, keyId: 'client-1' }))('https://api.example/old'),
    )
    expect(chunks).toEqual(['redirect'])
    expect(sent.map((r) => new URL(r.url).pathname)).toEqual(['/old', '/new'])
  })

  it('a clock-skew 401 loads the retry logic', async () => {
    let answered = 0
    const { chunks, sent } = await inPage(
      () =>
        answered++ === 0
          ? new Response(JSON.stringify({ code: 'ERR_SIGNATURE_TOO_OLD' }), { status: 401, headers: { 'content-type': 'application/problem+json', date: new Date(Date.now() + 3_600_000).toUTCString() } })
          : ok(),
      async () => client.signedFetch(client.createSigner({ key: hmacJwk, keyId: 'client-1' }))('https://api.example/orders'),
    )
    expect(chunks).toContain('retry')
    expect(sent).toHaveLength(2)
  })
})
