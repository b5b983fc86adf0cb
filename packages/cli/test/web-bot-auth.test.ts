/**
 * Web Bot Auth on the command line: `sign --signature-agent`, `serve --directory`,
 * `directory serve` and `directory lint` (CLI.md "Additions of the second wave"). The lint
 * tests plant one fault each in a loopback directory and check that it is found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { exportJwk, generateKey, importKey, parseSignatureInput, publicKey, thumbprint } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'
import { errorReport, run, scratch } from './helpers.ts'
import { exchangeRaw, serveInProcess } from './serve-harness.ts'
import type { ServeRunning } from './serve-harness.ts'
import { directoryResponseParts } from '../../server/src/web-bot-auth/directory-response.ts'
import { startDirectoryServer } from '../../server/test/fixtures/directory-server.ts'
import type { DirectoryServer } from '../../server/test/fixtures/directory-server.ts'

interface DirectoryRunning {
  readonly origin: string
  stop(): Promise<number>
}

async function directoryServe(argv: string[], cwd: string): Promise<DirectoryRunning> {
  const controller = new AbortController()
  let announce: (origin: string) => void = () => {}
  const ready = new Promise<string>((resolve) => (announce = resolve))
  const io: CliIO = {
    stdin: async () => new Uint8Array(),
    stdout: (text) => {
      const m = /^directory on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(text)
      if (m !== null) announce(m[1] as string)
    },
    stderr: () => {},
    env: {},
    cwd,
    signal: controller.signal,
  }
  const done = main(['directory', 'serve', ...argv], io)
  const origin = await Promise.race([ready, done.then((code) => Promise.reject(new Error(`directory serve exited ${code}`)))])
  return { origin, stop: () => (controller.abort(), done) }
}

const files = scratch()
let agentKey: SignetKey
let agentPrint: string
let published: DirectoryRunning

beforeAll(async () => {
  agentKey = await generateKey('ed25519', { extractable: true })
  agentPrint = await thumbprint(publicKey(agentKey))
  files.write('agent.jwk', JSON.stringify(await exportJwk(agentKey, { private: true })))
  files.write('other.jwk', JSON.stringify(await exportJwk(await generateKey('ed25519', { extractable: true }), { private: true })))
  files.write('hmac.jwk', JSON.stringify({ kty: 'oct', kid: 'h', k: 'A'.repeat(43) }))
  published = await directoryServe(['--key', 'agent.jwk', '--port', '0'], files.dir)
})
afterAll(() => published.stop())

function requestFor(port: number, path = '/page'): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`
}

describe('signet sign --signature-agent', () => {
  it('adds the dictionary member, covers it, and defaults tag, keyid (thumbprint) and expires', async () => {
    files.write('req.http', requestFor(8080))
    const r = await run(['sign', '--key', 'agent.jwk', '--signature-agent', 'https://agent.example', '--created', '1800000000', 'req.http'], { cwd: files.dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('\r\nSignature-Agent: sig1="https://agent.example"\r\n')
    const input = /Signature-Input: (.*)\r\n/.exec(r.stdout)?.[1] ?? ''
    const member = parseSignatureInput([input]).get('sig1')!
    expect(member.components.map((c) => c.name)).toEqual(['@method', '@target-uri', 'signature-agent'])
    expect(member.components[2]?.params.get('key')).toBe('sig1')
    expect(member.params).toMatchObject({ created: 1800000000, expires: 1800000300, keyid: agentPrint, tag: 'web-bot-auth' })
  })

  it('refuses a shared secret and a URL that is not https', async () => {
    files.write('req.http', requestFor(8080))
    const hmac = await run(['sign', '--key', 'hmac.jwk', '--keyid', 'h', '--signature-agent', 'https://agent.example', 'req.http'], { cwd: files.dir })
    expect(hmac.code).toBe(2)
    expect(errorReport(hmac).message).toMatch(/asymmetric/)
    for (const url of ['agent.example', 'http://agent.example', 'ftp://agent.example']) {
      const bad = await run(['sign', '--key', 'agent.jwk', '--signature-agent', url, 'req.http'], { cwd: files.dir })
      expect(bad.code, url).toBe(2)
      expect(errorReport(bad).code).toBe('ERR_USAGE')
    }
  })
})

describe('signet serve --directory', () => {
  let serve: ServeRunning
  beforeAll(async () => {
    const started = await serveInProcess(['serve', '--port', '0', '--directory', '--allow-private-directories', '--require', '"@authority"'], files.dir)
    if (!('port' in started)) throw new Error(`serve exited: ${started.stderr.join('')}`)
    serve = started
  })
  afterAll(() => serve.stop())

  async function signedFor(key: string, agent: string): Promise<string> {
    files.write('agent-req.http', requestFor(serve.port))
    const r = await run(['sign', '--key', key, '--signature-agent', agent, '--components', '"@authority" "@path"', 'agent-req.http'], { cwd: files.dir })
    expect(r.code, r.stderr).toBe(0)
    return r.stdout
  }

  it('verifies an agent through its directory (published by signet directory serve)', async () => {
    const answer = await exchangeRaw(serve.port, await signedFor('agent.jwk', published.origin))
    expect(answer.status, answer.body).toBe(200)
    expect(JSON.parse(answer.body)).toMatchObject({ keyid: agentPrint, owner: `${published.origin}/.well-known/http-message-signatures-directory` })
  })

  it('answers 401 to a tampered request and to a key the directory does not list; 4xx to an unusable directory', async () => {
    const tampered = (await signedFor('agent.jwk', published.origin)).replace('GET /page', 'GET /admin')
    const forged = await exchangeRaw(serve.port, tampered)
    expect(forged.status).toBe(401)
    expect(JSON.parse(forged.body).code).toBe('ERR_SIGNATURE_INVALID')
    const unknown = await exchangeRaw(serve.port, await signedFor('other.jwk', published.origin))
    expect(unknown.status).toBe(401)
    expect(JSON.parse(unknown.body).code).toBe('ERR_KEY_NOT_FOUND')
    const down = await startDirectoryServer()
    const deadOrigin = down.origin
    await down.close()
    const unreachable = await exchangeRaw(serve.port, await signedFor('agent.jwk', deadOrigin))
    expect(unreachable.status).toBeGreaterThanOrEqual(400)
    expect(unreachable.status).toBeLessThan(500)
    expect(JSON.parse(unreachable.body).code).toBe('ERR_DIRECTORY_UNAVAILABLE')
  })

  it('without --allow-private-directories a loopback directory is refused', async () => {
    const strict = await serveInProcess(['serve', '--port', '0', '--directory', '--require', '"@authority"'], files.dir)
    if (!('port' in strict)) throw new Error(strict.stderr.join(''))
    try {
      files.write('strict.http', requestFor(strict.port))
      const signed = await run(['sign', '--key', 'agent.jwk', '--signature-agent', published.origin, '--components', '"@authority"', 'strict.http'], { cwd: files.dir })
      const answer = await exchangeRaw(strict.port, signed.stdout)
      expect(answer.status).toBe(401)
      expect(JSON.parse(answer.body).code).toBe('ERR_DIRECTORY_REFUSED')
    } finally {
      await strict.stop()
    }
  })

  it('--allow-private-directories needs --directory; keys or --directory are required', async () => {
    const a = await run(['serve', '--port', '0', '--jwks', 'missing.json', '--allow-private-directories'], { cwd: files.dir })
    expect(a.code).toBe(2)
    const b = await run(['serve', '--port', '0'], { cwd: files.dir })
    expect(errorReport(b).code).toBe('ERR_USAGE')
  })
})

describe('signet directory', () => {
  it('lint accepts what directory serve publishes', async () => {
    const r = await run(['directory', 'lint', published.origin, '--allow-private'], { cwd: files.dir })
    expect(r.stdout).toBe('')
    expect(r.code).toBe(0)
  })

  it('lint refuses a loopback directory without --allow-private', async () => {
    const r = await run(['directory', 'lint', published.origin], { cwd: files.dir })
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ code: 'fetch-failed' })
  })

  it('directory serve answers If-None-Match with 304 and other paths with 404', async () => {
    const first = await fetch(`${published.origin}/.well-known/http-message-signatures-directory`)
    const etag = first.headers.get('etag') ?? ''
    expect(etag).toMatch(/^".+"$/)
    expect((await fetch(`${published.origin}/.well-known/http-message-signatures-directory`, { headers: { 'if-none-match': etag } })).status).toBe(304)
    expect((await fetch(`${published.origin}/other`)).status).toBe(404)
  })

  it('prints usage for --help and refuses an unknown subcommand or a missing --key', async () => {
    const help = await run(['directory', '--help'], { cwd: files.dir })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('signet directory lint URL')
    expect(errorReport(await run(['directory', 'publish'], { cwd: files.dir })).code).toBe('ERR_USAGE')
    expect(errorReport(await run(['directory', 'serve'], { cwd: files.dir })).code).toBe('ERR_USAGE')
    expect(errorReport(await run(['directory', 'serve', '--key', 'hmac.jwk'], { cwd: files.dir })).code).toBe('ERR_USAGE')
  })
})

describe('signet directory lint finds each planted fault', () => {
  let faulty: DirectoryServer
  let otherJwk: JsonWebKey
  let agentPublic: JsonWebKey
  beforeAll(async () => {
    faulty = await startDirectoryServer()
    otherJwk = await exportJwk(publicKey(await generateKey('ed25519')))
    agentPublic = await exportJwk(publicKey(agentKey))
  })
  afterAll(() => faulty.close())

  type Res = import('node:http').ServerResponse
  type Req = import('node:http').IncomingMessage
  async function signed(req: Req, options: { created?: number; expiresInSeconds?: number; keys?: SignetKey[] } = {}): Promise<{ headers: Record<string, string>; body: Uint8Array }> {
    const { headers, body } = await directoryResponseParts(options.keys ?? [agentKey], { request: req.headers.host ?? '', ...options })
    return { headers: Object.fromEntries(headers.map(([n, v]) => [n.toLowerCase(), v])), body }
  }
  const testKeyJwk = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8')).keys['test-key-ed25519'].jwk as JsonWebKey

  const faults: [string, (req: Req, res: Res) => Promise<void> | void][] = [
    ['status', (_req, res) => void res.writeHead(404).end()],
    ['redirect', (_req, res) => void res.writeHead(301, { location: '/elsewhere' }).end()],
    ['media-type', async (req, res) => {
      const { headers, body } = await signed(req)
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(body)
    }],
    ['too-large', (_req, res) => void res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json' }).end(Buffer.alloc(5 * 1024 * 1024, 0x20))],
    ['json', (_req, res) => void res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json', 'cache-control': 'max-age=60' }).end('{"keys": [')],
    ['kid-not-thumbprint', async (req, res) => {
      const { headers } = await signed(req)
      res.writeHead(200, headers).end(JSON.stringify({ keys: [{ ...agentPublic, kid: 'agent-key-1' }] }))
    }],
    ['unsigned', (_req, res) => void res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json', 'cache-control': 'max-age=60' }).end(JSON.stringify({ keys: [{ ...otherJwk, kid: undefined }] }))],
    ['signature-invalid', async (req, res) => {
      const { headers, body } = await signed(req)
      res.writeHead(200, { ...headers, signature: headers.signature!.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`) }).end(body)
    }],
    ['digest-mismatch', async (req, res) => {
      const { headers, body } = await signed(req)
      res.writeHead(200, headers).end(Buffer.from(body).toString().replace('"use":"sig"', '"use":"sig" '))
    }],
    ['signature-expired', async (req, res) => {
      const { headers, body } = await signed(req, { created: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 3600 })
      res.writeHead(200, headers).end(body)
    }],
    ['cache-beyond-expiry', async (req, res) => {
      const { headers, body } = await signed(req, { expiresInSeconds: 600 })
      res.writeHead(200, { ...headers, 'cache-control': 'max-age=86400' }).end(body)
    }],
    ['no-cache-control', async (req, res) => {
      const { headers, body } = await signed(req)
      delete headers['cache-control']
      res.writeHead(200, headers).end(body)
    }],
    ['test-key', async (req, res) => {
      const { headers, body } = await signed(req, { keys: [await importKey(testKeyJwk)] })
      res.writeHead(200, headers).end(body)
    }],
    ['private-key-material', async (req, res) => {
      const { headers } = await signed(req)
      res.writeHead(200, headers).end(JSON.stringify({ keys: [await exportJwk(agentKey, { private: true })] }))
    }],
  ]

  for (const [code, handler] of faults) {
    it(`finds ${code}`, async () => {
      faulty.handler = handler
      const r = await run(['directory', 'lint', faulty.origin, '--allow-private'], { cwd: files.dir })
      expect(r.code, r.stdout).toBe(1)
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { code: string; url: string })
      expect(lines.map((l) => l.code)).toContain(code)
      expect(lines[0]?.url).toBe(`${faulty.origin}/.well-known/http-message-signatures-directory`)
    })
  }
})
