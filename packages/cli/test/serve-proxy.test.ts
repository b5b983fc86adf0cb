/**
 * `signet serve` run in-process through the dispatcher, with requests signed by `signet sign`
 * and sent byte for byte on 127.0.0.1:
 *
 * - Proxy mode: the client's X-Forwarded-*, Forwarded, X-Real-IP and kin never reach the
 *   upstream; the address fields it receives name the socket's peer, and Signet-Key-Id the key;
 *   uncovered fields stay behind.
 * - `--backend` (CLI.md "Keys": every command that verifies takes it): a known name serves and
 *   verifies, another one is a usage error before anything listens.
 * - `--jwks`: an empty set is refused at start, and a bad key is named by file, index and kid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run, scratch } from './helpers.ts'
import { exchangeRaw, serveInProcess, startUpstream } from './serve-harness.ts'
import type { ServeExited, ServeRunning, Upstream } from './serve-harness.ts'

const work = scratch()
let jwkFile: string
let jwk: Record<string, unknown>

beforeAll(async () => {
  const generated = await run(['keygen', '--alg', 'hmac-sha256', '--kid', 'k-proxy'], { cwd: work.dir })
  if (generated.code !== 0) throw new Error(`signet keygen exited ${generated.code}: ${generated.stderr}`)
  jwk = JSON.parse(generated.stdout) as Record<string, unknown>
  jwkFile = work.write('k-proxy.jwk', generated.stdout)
  work.write('keys.json', JSON.stringify({ keys: [{ ...jwk, owner: 'acme', scopes: ['orders:read'] }] }))
})

// ---------------------------------------------------------------------------------------------
// `signet serve` in-process

type Started = ServeRunning

async function serve(argv: string[]): Promise<ServeRunning | ServeExited> {
  return serveInProcess(['serve', '--port', '0', ...argv], work.dir)
}

const started: Started[] = []

async function running(argv: string[]): Promise<Started> {
  const s = await serve(argv)
  if ('exit' in s) throw new Error(`signet serve exited ${s.exit}: ${s.stderr.join('')}`)
  started.push(s)
  return s
}

/** The one `{ code, message }` line of a start-up failure, after checking nothing was printed. */
async function failure(argv: string[]): Promise<{ code: string; message: string }> {
  const s = await serve(argv)
  if (!('exit' in s)) {
    await s.stop()
    throw new Error(`signet serve ${argv.join(' ')} started on port ${s.port}; a failure was expected`)
  }
  expect(s.exit).toBe(2)
  expect(s.stdout).toEqual([])
  expect(s.stderr).toHaveLength(1)
  return JSON.parse(s.stderr[0] as string) as { code: string; message: string }
}

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()))
})

// ---------------------------------------------------------------------------------------------
// Requests

interface Answer {
  readonly status: number
  readonly body: string
}

/** Sign `GET /orders?id=7` with extra field lines, send it to `port`, read the answer. */
async function call(port: number, extraFields: string[] = []): Promise<Answer> {
  const message = [`GET /orders?id=7 HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...extraFields, 'Connection: close', '', ''].join('\r\n')
  const signed = await run(['sign', '--key', jwkFile, '--scheme', 'http', '-'], { cwd: work.dir, stdin: message })
  if (signed.code !== 0) throw new Error(`signet sign exited ${signed.code}: ${signed.stderr}`)
  const { status, body } = await exchangeRaw(port, signed.stdout)
  return { status, body }
}

// ---------------------------------------------------------------------------------------------

describe('signet serve --upstream: client-supplied address fields', () => {
  let upstream: Upstream

  beforeAll(async () => {
    // Echoes the field lines it received, as sent (name, value pairs).
    upstream = await startUpstream((req, res) => {
      req.resume()
      req.on('end', () => {
        const text = JSON.stringify({ rawHeaders: req.rawHeaders, peer: req.socket.remoteAddress })
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
        res.end(text)
      })
    })
  })

  afterAll(() => upstream.close())

  it('replaces X-Forwarded-For/Proto/Host and Forwarded with the socket\'s, and drops X-Real-IP and kin', async () => {
    const s = await running(['--jwks', 'keys.json', '--upstream', `http://127.0.0.1:${upstream.port}`])
    const forged = [
      'X-Forwarded-For: 10.9.9.9',
      'x-FORWARDED-for: 10.8.8.8, 10.7.7.7',
      'X-Forwarded-Proto: https',
      'X-Forwarded-Host: admin.example',
      'X-Forwarded-Port: 443',
      'X-Real-IP: 10.9.9.9',
      'X-Client-IP: 10.9.9.9',
      'True-Client-IP: 10.9.9.9',
      'CF-Connecting-IP: 10.9.9.9',
      'Forwarded: for=10.9.9.9;proto=https;host=admin.example',
      'Signet-Key-Id: admin',
      'X-Custom: not covered',
    ]
    const answer = await call(s.port, forged)
    expect(answer.status).toBe(200)
    const echoed = JSON.parse(answer.body) as { rawHeaders: string[]; peer: string }
    const fields: Array<[string, string]> = []
    for (let i = 0; i + 1 < echoed.rawHeaders.length; i += 2) fields.push([(echoed.rawHeaders[i] as string).toLowerCase(), echoed.rawHeaders[i + 1] as string])
    const all = (name: string): string[] => fields.filter(([n]) => n === name).map(([, v]) => v)

    // Nothing the client claimed survives, under any spelling.
    for (const [name, value] of fields) {
      expect(value, name).not.toContain('10.9.9.9')
      expect(value, name).not.toContain('10.8.8.8')
      expect(value, name).not.toContain('admin')
    }
    for (const name of ['x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'x-forwarded-port']) expect(all(name), name).toEqual([])
    // Exactly one of each address field, from the socket (the client connected from 127.0.0.1).
    expect(all('x-forwarded-for')).toEqual(['127.0.0.1'])
    expect(all('x-forwarded-proto')).toEqual(['http'])
    expect(all('x-forwarded-host')).toEqual([`127.0.0.1:${s.port}`])
    expect(all('forwarded')).toEqual([`for=127.0.0.1;proto=http;host="127.0.0.1:${s.port}"`])
    expect(all('signet-key-id')).toEqual(['k-proxy'])
    expect(all('host')).toEqual([`127.0.0.1:${upstream.port}`])
    // Fields the signature does not cover, the signature itself included, stay here (issue 11,
    // defect 2: only covered fields, framing and serve's own reach the upstream).
    expect(all('x-custom')).toEqual([])
    expect(all('signature')).toEqual([])
  })
})

describe('signet serve --backend', () => {
  it('--backend pure and --backend native start, verify, and still refuse an unsigned request', async () => {
    for (const backend of ['pure', 'native']) {
      const s = await running(['--jwks', 'keys.json', '--backend', backend])
      const ok = await call(s.port)
      expect(ok.status, backend).toBe(200)
      expect(JSON.parse(ok.body), backend).toMatchObject({ keyid: 'k-proxy', alg: 'hmac-sha256', owner: 'acme', scopes: ['orders:read'] })
      // An unsigned request is still refused: the option changes how, not whether, it verifies.
      const unsigned = await exchangeRaw(s.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`)
      expect(unsigned.status, backend).toBe(401)
      expect(await s.stop(), backend).toBe(0)
      expect(s.stderr, backend).toEqual([])
    }
  })

  it('--backend bogus: exit 2 with ERR_USAGE naming the choices, nothing started', async () => {
    const report = await failure(['--jwks', 'keys.json', '--backend', 'bogus'])
    expect(report.code).toBe('ERR_USAGE')
    expect(report.message).toContain('--backend expects native, webcrypto or pure')
  })
})

describe('signet serve --jwks: refused at start, naming the file and the key', () => {
  it('an empty key set: exit 2, ERR_KEY_INVALID (not a server that refuses every request)', async () => {
    work.write('empty.json', '{"keys":[]}')
    const report = await failure(['--jwks', 'empty.json'])
    expect(report.code).toBe('ERR_KEY_INVALID')
    expect(report.message).toBe('JWKS "empty.json" has no keys: every request would be refused')
  })

  it('a bad key is named by index and kid; a key without a kid by index', async () => {
    work.write('second-bad.json', JSON.stringify({ keys: [jwk, { kty: 'oct', kid: 'k2' }] }))
    const second = await failure(['--jwks', 'second-bad.json'])
    expect(second.code).toBe('ERR_KEY_INVALID')
    expect(second.message).toMatch(/^JWKS "second-bad\.json" key 1 \(kid "k2"\): \S/)

    work.write('no-kid.json', JSON.stringify({ keys: [{ ...jwk, kid: undefined }] }))
    const noKid = await failure(['--jwks', 'no-kid.json'])
    expect(noKid).toEqual({ code: 'ERR_KEY_INVALID', message: 'JWKS "no-kid.json" key 0: has no "kid"' })

    work.write('bad-member.json', JSON.stringify({ keys: [jwk, { ...jwk, kid: 'k3', scopes: 'all' }] }))
    const member = await failure(['--jwks', 'bad-member.json'])
    expect(member).toEqual({ code: 'ERR_KEY_INVALID', message: 'JWKS "bad-member.json" key 1 (kid "k3"): "scopes" expected an array of strings' })

    work.write('twice.json', JSON.stringify({ keys: [jwk, jwk] }))
    const twice = await failure(['--jwks', 'twice.json'])
    expect(twice).toEqual({ code: 'ERR_KEY_INVALID', message: 'JWKS "twice.json" key 1 (kid "k-proxy"): the kid is also used by key 0' })
  })

  it('text that is not a JWKS names the file', async () => {
    work.write('text.json', 'not json')
    expect(await failure(['--jwks', 'text.json'])).toMatchObject({ code: 'ERR_KEY_INVALID', message: 'JWKS "text.json" is not valid JSON' })
    work.write('array.json', '[]')
    expect(await failure(['--jwks', 'array.json'])).toEqual({ code: 'ERR_KEY_INVALID', message: 'JWKS "array.json" is not an object with a "keys" array' })
  })
})
