/**
 * The built `signet` (packages/cli/dist/bin.js, made by `pnpm build`) as a user's terminal and
 * pipes see it: CLI.md "Additions of the second wave", sections "Every command", "Keys and key
 * ids", "`signet sign`", "`signet fetch`" and the `keys` read-only rule (issue 13). Each defect
 * the issue names has a test here that failed on the CLI before it was fixed.
 *
 * `SIGNET_CLI_BIN` points the suite at another build (to check that it fails on an old one).
 */
import { spawn } from 'node:child_process'
import type { StdioOptions } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, existsSync, openSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportPem, generateKey } from '@signet/core'
import { MemoryNonceStore, createVerifier, parseJwks, problemFor, verifyNodeRequest, writeProblem } from '@signet/server'
import { root, startService } from '../../../test/support/service.ts'
import type { Service } from '../../../test/support/service.ts'
import { scratch, vectorJwk } from './helpers.ts'

const bin = process.env['SIGNET_CLI_BIN'] ?? join(root, 'packages/cli/dist/bin.js')
const work = scratch()
const MASTER = Buffer.alloc(32, 7).toString('base64url')
const env = { SIGNET_MASTER_KEY: MASTER, SIGNET_ACTOR: 'test' }

interface Ran {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: Buffer
  readonly stderr: string
  /** From the first bytes on standard error to the exit, ms (undefined when nothing was written there). */
  readonly stderrToExitMs: number | undefined
}

interface RunOptions {
  readonly input?: string | Uint8Array
  /** Keep standard input open (a command waiting on it), instead of writing `input` and closing. */
  readonly holdStdin?: boolean
  /** Standard output: a pipe read here (default), a pipe closed at once, or a file descriptor. */
  readonly stdout?: 'pipe' | 'closed' | number
  /** Send this signal once the process has run this long, ms. */
  readonly signal?: { readonly name: NodeJS.Signals; readonly afterMs: number }
  readonly timeoutMs?: number
}

/** Run the built binary in the scratch directory. */
function signet(args: string[], options: RunOptions = {}): Promise<Ran> {
  const stdio: StdioOptions = ['pipe', typeof options.stdout === 'number' ? options.stdout : 'pipe', 'pipe']
  const child = spawn(process.execPath, [bin, ...args], { cwd: work.dir, env: { ...process.env, ...env }, stdio })
  const out: Buffer[] = []
  let err = ''
  let firstErrAt: number | undefined
  if (options.stdout === 'closed') child.stdout?.destroy()
  else child.stdout?.on('data', (d: Buffer) => void out.push(d))
  child.stderr?.on('data', (d: Buffer) => {
    firstErrAt ??= performance.now()
    err += d.toString()
  })
  child.stdin?.on('error', () => {})
  if (options.holdStdin !== true) child.stdin?.end(options.input ?? '')
  if (options.signal !== undefined) {
    const { name, afterMs } = options.signal
    setTimeout(() => child.kill(name), afterMs)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`signet ${args.join(' ')} did not end within ${options.timeoutMs ?? 20_000} ms; stderr ${err}`))
    }, options.timeoutMs ?? 20_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, stderrToExitMs: firstErrAt === undefined ? undefined : performance.now() - firstErrAt })
    })
  })
}

function report(r: Ran): { code: string; message: string } {
  expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  expect(lines, r.stderr).toHaveLength(1)
  return JSON.parse(lines[0] as string) as { code: string; message: string }
}

const text = (r: Ran): string => r.stdout.toString('utf8')

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run pnpm build first`)
  work.write('ed.jwk', JSON.stringify(vectorJwk('test-key-ed25519')))
  work.write('hmac.jwk', JSON.stringify(vectorJwk('test-shared-secret')))
  work.write('get.http', 'GET /items?x=1 HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n\r\n')
})

describe('standard output closed or failing, and signals (CLI.md "Every command")', () => {
  it('a closed pipe ends the command quietly with its status so far: verify of a good signature exits 0', async () => {
    const signed = await signet(['sign', '--key', 'ed.jwk', '--scheme', 'http', 'get.http'])
    work.write('signed.http', signed.stdout)
    const r = await signet(['verify', '--key', 'ed.jwk', '--scheme', 'http', 'signed.http'], { stdout: 'closed' })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('keys audit into a pipe closed early: no trace, exit 0', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await signet(['keys', 'create', 'audit.signet', '--owner', `o${i}`, '--alg', 'ed25519'])
      expect(c.code, c.stderr).toBe(0)
    }
    const r = await signet(['keys', 'audit', 'audit.signet'], { stdout: 'closed' })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('any other write error (a full disk) is ERR_IO, exit 2, without a trace', async () => {
    const full = openSync('/dev/full', 'w')
    try {
      const r = await signet(['keygen', '--alg', 'ed25519'], { stdout: full })
      expect(r.code).toBe(2)
      expect(report(r).code).toBe('ERR_IO')
    } finally {
      closeSync(full)
    }
  })

  it('keys create whose output cannot be written revokes the key whose secret no one saw (ERR_IO, exit 2)', async () => {
    const r = await signet(['keys', 'create', 'lost.signet', '--owner', 'alice', '--alg', 'hmac-sha256'], { stdout: 'closed' })
    expect(r.code).toBe(2)
    const failure = report(r)
    expect(failure.code).toBe('ERR_IO')
    const keyid = /sgn_id_[A-Za-z0-9]+/.exec(failure.message)?.[0]
    expect(keyid, failure.message).toBeDefined()
    expect(failure.message).toContain('revoked')
    const shown = await signet(['keys', 'show', 'lost.signet', keyid as string])
    expect(shown.code, shown.stderr).toBe(0)
    expect(JSON.parse(text(shown))).toMatchObject({ keyid, state: 'revoked' })
    expect(text(shown)).not.toContain('sgn_sk_')
  })

  it('SIGINT and SIGTERM end a command waiting on standard input at once: 130 and 143', async () => {
    for (const [name, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const started = Date.now()
      const r = await signet(['sign', '--key', 'ed.jwk'], { holdStdin: true, signal: { name, afterMs: 1500 }, timeoutMs: 10_000 })
      expect(r.code, `${name}: ${r.stderr}`).toBe(status)
      expect(Date.now() - started).toBeLessThan(6000)
      expect(r.stderr).toBe('')
    }
  })
})

describe('help (CLI.md "Every command")', () => {
  it('signet alone prints the general usage and exits 2', async () => {
    const r = await signet([])
    expect(r.code).toBe(2)
    expect(text(r)).toContain('Usage: signet <command>')
    expect(report(r).code).toBe('ERR_USAGE')
  })

  it('signet COMMAND --help prints that command\'s usage with every option and its default, exit 0', async () => {
    const expected: Record<string, string[]> = {
      keygen: ['--alg', '--kid', 'thumbprint', 'hmac-sha256', 'ed25519', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'ES256'],
      pubkey: ['--alg'],
      sign: ['--key', '--alg', '--keyid', '--label', '(default: sig1)', '--components', '"@method" "@target-uri"', '--created', '(default: now)', '--expires', '--nonce', '(default: auto)', '--tag', '--digest', '--request', '--scheme', '(default: https)', '--field-type', '--backend', '--headers-only'],
      verify: ['--key', '--jwks', '--alg', '--label', '--tag', '--now', '--max-age', '--require', '--request', '--scheme', '(default: https)', '--backend'],
      base: ['--label', '--request', '--scheme', '--field-type'],
      fetch: ['-X', '-H', '-d', '--data-binary', '-i', '--fail', '--key', '--keyid', '--nonce', '(default: auto)'],
      serve: ['--host', '(default: 127.0.0.1)', '--port', '(default: 8080)', '--jwks', '--registry', '--nonce-store', '(default: memory)', '--require', '--max-age', '--upstream', '--debug'],
      keys: ['create', 'list', 'show', 'rotate', 'usage', 'audit', '--owner', '--scopes', '--expires-in'],
      demo: ['--no-color'],
    }
    for (const [command, words] of Object.entries(expected)) {
      const r = await signet([command, '--help'])
      expect(r.code, `${command}: ${r.stderr}`).toBe(0)
      expect(r.stderr).toBe('')
      const usage = text(r)
      expect(usage.startsWith(`Usage: signet ${command}`), usage.slice(0, 80)).toBe(true)
      for (const word of words) expect(usage, `${command} --help lacks ${word}`).toContain(word)
    }
    const create = text(await signet(['keys', 'create', '--help']))
    expect(create).toContain('Options of keys create')
    expect(create).toContain('--not-before')
  })
})

describe('algorithms and messages', () => {
  it('JOSE names are aliases wherever an algorithm is named; an unknown one lists the valid names', async () => {
    const r = await signet(['keygen', '--alg', 'ES256'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(text(r))).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
    const c = await signet(['keys', 'create', 'jose.signet', '--owner', 'o', '--alg', 'EdDSA'])
    expect(c.code, c.stderr).toBe(0)
    expect(JSON.parse(text(c))).toMatchObject({ alg: 'ed25519' })
    const s = await signet(['sign', '--key', 'ed.jwk', '--alg', 'EdDSA', '--scheme', 'http', 'get.http'])
    expect(s.code, s.stderr).toBe(0)
    expect(text(s)).toContain(';alg="ed25519"')
    const bad = await signet(['keygen', '--alg', 'ed448'])
    expect(bad.code).toBe(2)
    const failure = report(bad)
    expect(failure.code).toBe('ERR_ALG_UNSUPPORTED')
    for (const name of ['hmac-sha256', 'ed25519', 'rsa-pss-sha512', 'ecdsa-p384-sha384', 'EdDSA']) expect(failure.message).toContain(name)
  })

  it('messages say "an Ed25519 key" and "an oct key"', async () => {
    const ed = report(await signet(['sign', '--key', 'ed.jwk', '--alg', 'ecdsa-p256-sha256', 'get.http']))
    expect(ed.message).toContain('an Ed25519 key')
    const oct = report(await signet(['sign', '--key', 'hmac.jwk', '--alg', 'ed25519', 'get.http']))
    expect(oct.message).toContain('an oct key')
    expect(`${ed.message} ${oct.message}`).not.toMatch(/\ba (Ed25519|oct)\b/)
  })

  it('a signature too old says how old in whole seconds ("created 15 s ago")', async () => {
    const created = String(Math.floor(Date.now() / 1000) - 15)
    const signed = await signet(['sign', '--key', 'ed.jwk', '--scheme', 'http', '--created', created, 'get.http'])
    work.write('old.http', signed.stdout)
    const r = await signet(['verify', '--key', 'ed.jwk', '--scheme', 'http', '--max-age', '5', 'old.http'])
    expect(r.code).toBe(1)
    const failure = report(r)
    expect(failure.code).toBe('ERR_SIGNATURE_TOO_OLD')
    expect(failure.message).toMatch(/created (1[5-9]|[2-5][0-9]) s ago,/) // whole seconds, however slow the machine
  })

  it('ERR_SIGNATURE_INVALID on verify names the rebuilt @target-uri and @authority (a scheme mismatch)', async () => {
    const signed = await signet(['sign', '--key', 'ed.jwk', '--scheme', 'http', 'get.http'])
    work.write('http-signed.http', signed.stdout)
    const r = await signet(['verify', '--key', 'ed.jwk', 'http-signed.http'])
    expect(r.code).toBe(1)
    const failure = report(r)
    expect(failure.code).toBe('ERR_SIGNATURE_INVALID')
    expect(failure.message).toContain('https://127.0.0.1:18080/items?x=1')
    expect(failure.message).toContain('@authority "127.0.0.1:18080"')
  })
})

describe('secrets never in a message', () => {
  it('keys show with a secret in place of the key id does not repeat it', async () => {
    const created = await signet(['keys', 'create', 'secret.signet', '--owner', 'o', '--alg', 'hmac-sha256'])
    const secret = (JSON.parse(text(created)) as { secret: string }).secret
    expect(secret).toMatch(/^sgn_sk_/)
    const r = await signet(['keys', 'show', 'secret.signet', secret])
    expect(r.code).toBe(2)
    expect(report(r).code).toBe('ERR_KEY_ID_MALFORMED')
    expect(r.stderr).not.toContain(secret.slice(7))
  })

  it('a password in a Redis URL is not repeated', async () => {
    work.write('one.jwks', JSON.stringify({ keys: [vectorJwk('test-key-ed25519')] }))
    for (const store of ['rediss://user:hunter2pw@127.0.0.1:1', 'redis://user:hunter2pw@127.0.0.1:1/x']) {
      const r = await signet(['serve', '--jwks', 'one.jwks', '--port', '0', '--nonce-store', store], { timeoutMs: 15_000 })
      expect(r.code).toBe(2)
      report(r)
      expect(r.stderr).not.toContain('hunter2pw')
      // Reported, then gone: no Redis client timer keeps the process alive (it once took 2 s).
      expect(r.stderrToExitMs).toBeLessThan(1500)
    }
  })
})

describe('keys (CLI.md "Keys and key ids", the read-only rule, terminal tables)', () => {
  it('read-only commands on a path with no registry: ERR_IO, exit 2, nothing created', async () => {
    const { dir } = scratch()
    for (const argv of [['list'], ['show', 'sgn_id_0000000000000000000000000000'], ['usage', 'sgn_id_0000000000000000000000000000'], ['audit']]) {
      const [sub, ...rest] = argv as [string, ...string[]]
      const r = await signet(['keys', sub, join(dir, 'typo.signet'), ...rest])
      expect(r.code, `${sub}: ${r.stderr}`).toBe(2)
      // show/usage may refuse the made-up key id first; list and audit must say ERR_IO.
      if (sub === 'list' || sub === 'audit') expect(report(r).code).toBe('ERR_IO')
      expect(text(r)).toBe('')
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('sign --key PEM sends the thumbprint pubkey prints; --keyid overrides', async () => {
    work.write('ed.pem', await exportPem(await generateKey('ed25519', { extractable: true }), { private: true }))
    const kid = (JSON.parse(text(await signet(['pubkey', 'ed.pem']))) as { kid: string }).kid
    const r = await signet(['sign', '--key', 'ed.pem', '--headers-only', 'get.http'])
    expect(r.code, r.stderr).toBe(0)
    expect(text(r)).toContain(`;keyid="${kid}"`)
    const named = await signet(['sign', '--key', 'ed.pem', '--keyid', 'mine', '--headers-only', 'get.http'])
    expect(text(named)).toContain(';keyid="mine"')
  })

  it('keys create --public-key prints jwk (kid = the key id) and a sign hint naming --keyid', async () => {
    const pub = await signet(['pubkey', 'ed.pem'])
    work.write('ed.pub.jwk', pub.stdout)
    const r = await signet(['keys', 'create', 'pub.signet', '--owner', 'bob', '--public-key', 'ed.pub.jwk'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(text(r)) as { keyid: string; jwk: { kid: string; x: string }; sign: string }
    expect(out.jwk.kid).toBe(out.keyid)
    expect(out.jwk.x).toBe((JSON.parse(text(pub)) as { x: string }).x)
    expect(out.sign).toContain(`--keyid ${out.keyid}`)
  })

  it('on a terminal, list, show, usage and audit print aligned tables with dates; through a pipe, JSON', async () => {
    const created = JSON.parse(text(await signet(['keys', 'create', 'tty.signet', '--owner', 'carol', '--alg', 'ed25519']))) as { keyid: string }
    const piped = await signet(['keys', 'list', 'tty.signet'])
    expect(JSON.parse(text(piped))).toEqual([expect.objectContaining({ keyid: created.keyid, owner: 'carol' })])
    const audit = await signet(['keys', 'audit', 'tty.signet'])
    for (const line of text(audit).trim().split('\n')) expect(JSON.parse(line)).toHaveProperty('action')

    const year = String(new Date().getUTCFullYear())
    for (const argv of [['list', 'tty.signet'], ['show', 'tty.signet', created.keyid], ['usage', 'tty.signet', created.keyid], ['audit', 'tty.signet']]) {
      const command = [process.execPath, bin, 'keys', ...argv].map((a) => `'${a}'`).join(' ')
      // script(1) gives the command a pseudo-terminal as standard output.
      const r = await runScript(command)
      expect(r, argv.join(' ')).not.toMatch(/^\s*[[{]/)
      if (argv[0] !== 'usage') expect(r, argv.join(' ')).toContain(year)
      if (argv[0] === 'list') expect(r).toMatch(/KEYID\s+OWNER\s+ALG\s+STATE/)
      if (argv[0] === 'audit') expect(r).toMatch(/TIME\s+ACTION\s+KEYID/)
      if (argv[0] === 'show') expect(r).toMatch(/owner\s+carol/)
    }
  })
})

function runScript(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: work.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out.replace(/\r/g, '')) : reject(new Error(`${command}: exit ${code}: ${out}`))))
  })
}

describe('sign --headers-only into an HTTP request, and serve --debug', () => {
  let service: Service | undefined
  let port = 0
  beforeAll(async () => {
    const jwks = join(work.dir, 'serve.jwks')
    writeFileSync(jwks, JSON.stringify({ keys: [vectorJwk('test-key-ed25519')] }))
    service = startService(process.execPath, [bin, 'serve', '--jwks', jwks, '--port', '0', '--debug'])
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(service.output())
      if (m !== null) {
        port = Number(m[1])
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    if (port === 0) throw new Error(`serve did not start: ${service.output()}`)
  }, 20_000)
  afterAll(async () => {
    await service?.stop()
  })

  it('prints only the fields sign added; sent as headers (as curl -H would), serve accepts them', async () => {
    work.write('post.http', `POST /orders HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n\r\n{"n":1}`)
    const r = await signet(['sign', '--key', 'ed.jwk', '--headers-only', '--scheme', 'http', 'post.http'])
    expect(r.code, r.stderr).toBe(0)
    const lines = text(r).trimEnd().split('\n')
    expect(lines.map((l) => l.slice(0, l.indexOf(':')))).toEqual(['Content-Digest', 'Signature-Input', 'Signature'])
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
    const answer = await fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: '{"n":1}' })
    expect(answer.status, await answer.clone().text()).toBe(200)
    expect(await answer.json()).toMatchObject({ keyid: 'test-key-ed25519' })
  })

  it('with --debug, an invalid signature names the rebuilt @target-uri and @authority in "debug"', async () => {
    work.write('wrong.http', `GET /x HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    // Signed for https: serve (plain http) rebuilds another @target-uri.
    const r = await signet(['sign', '--key', 'ed.jwk', '--headers-only', 'wrong.http'])
    const headers = Object.fromEntries(text(r).trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
    const answer = await fetch(`http://127.0.0.1:${port}/x`, { headers })
    expect(answer.status).toBe(401)
    expect(await answer.json()).toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
      debug: { '@target-uri': `http://127.0.0.1:${port}/x`, '@authority': `127.0.0.1:${port}` },
    })
  })
})

describe('signet fetch (a signed curl)', () => {
  let server: Server
  let other: Server
  let origin = ''
  let otherOrigin = ''
  const seenElsewhere: Array<string | undefined> = []
  let aheadAttempts = 0

  beforeAll(async () => {
    const keys = await parseJwks(new TextEncoder().encode(JSON.stringify({ keys: [vectorJwk('test-key-ed25519')] })), 'test')
    const verifier = createVerifier({ keys, nonces: new MemoryNonceStore(), policy: { requireNonce: true } })
    // A server whose clock runs an hour ahead: the first signature is an hour old to it.
    const ahead = createVerifier({ keys, nonces: new MemoryNonceStore(), policy: { requireNonce: true }, clock: () => Date.now() + 3_600_000 })
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/ahead') {
        aheadAttempts++
        verifyNodeRequest(ahead, req).then(
          () => res.writeHead(200, { 'content-type': 'text/plain' }).end('in step'),
          (error: unknown) => writeProblem(res, problemFor(error, { policy: ahead.policy, now: ahead.now() })),
        )
        return
      }
      if (req.url === '/away') {
        res.writeHead(302, { location: `${otherOrigin}/landed` }).end()
        return
      }
      verifyNodeRequest(verifier, req).then(
        ({ identity, body }) => {
          if (req.url === '/missing') {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing')
            return
          }
          res.writeHead(200, { 'content-type': 'application/json', 'x-test': 'yes' })
          res.end(JSON.stringify({ keyid: identity.keyid, method: req.method, components: identity.components, contentType: req.headers['content-type'] ?? null, sha256: createHash('sha256').update(body).digest('hex') }))
        },
        (error: unknown) => writeProblem(res, problemFor(error, { policy: verifier.policy })),
      )
    })
    other = createServer((req, res) => {
      seenElsewhere.push(req.headers['signature'] as string | undefined)
      res.writeHead(200, { 'content-type': 'text/plain' }).end('landed')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    otherOrigin = `http://localhost:${(other.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    other.closeAllConnections()
    await new Promise((r) => server.close(r))
    await new Promise((r) => other.close(r))
  })

  it('GET: the body on stdout, exit 0; the server verified the signature', async () => {
    const r = await signet(['fetch', '--key', 'ed.jwk', `${origin}/items?x=1`])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(text(r))).toMatchObject({ keyid: 'test-key-ed25519', method: 'GET' })
  })

  it('-X, -H, -d: a signed POST with a digest; -i prints the status line and fields first', async () => {
    const r = await signet(['fetch', '--key', 'ed.jwk', '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"a":1}', '-i', `${origin}/things`])
    expect(r.code, r.stderr).toBe(0)
    const [head, body] = text(r).split('\r\n\r\n') as [string, string]
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(head).toContain('x-test: yes')
    const answer = JSON.parse(body) as { method: string; components: string[]; contentType: string; sha256: string }
    expect(answer.method).toBe('PUT')
    expect(answer.contentType).toBe('application/json')
    expect(answer.components).toContain('"content-digest"')
    expect(answer.sha256).toBe(createHash('sha256').update('{"a":1}').digest('hex'))
  })

  it('--data-binary @FILE sends the bytes as they are (POST by default)', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x80])
    work.write('blob.bin', bytes)
    const r = await signet(['fetch', '--key', 'ed.jwk', '--data-binary', '@blob.bin', `${origin}/upload`])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(text(r))).toMatchObject({ method: 'POST', sha256: createHash('sha256').update(bytes).digest('hex') })
  })

  it('a 4xx is still exit 0 without --fail; with --fail, exit 1 and no body', async () => {
    const plain = await signet(['fetch', '--key', 'ed.jwk', `${origin}/missing`])
    expect(plain.code).toBe(0)
    expect(text(plain)).toBe('no such thing')
    const failing = await signet(['fetch', '--key', 'ed.jwk', '--fail', `${origin}/missing`])
    expect(failing.code).toBe(1)
    expect(text(failing)).toBe('')
    expect(report(failing).code).toBe('ERR_HTTP_STATUS')
    // A key the server does not know: 401, named in the report.
    const unknown = await signet(['fetch', '--key', 'hmac.jwk', '--fail', `${origin}/items`])
    expect(unknown.code).toBe(1)
    expect(report(unknown).message).toContain('401')
  })

  it('a server whose clock differs: the 401 teaches the offset and the retry is accepted (as signedFetch does)', async () => {
    aheadAttempts = 0
    const r = await signet(['fetch', '--key', 'ed.jwk', '--fail', `${origin}/ahead`])
    expect(r.code, r.stderr).toBe(0)
    expect(text(r)).toBe('in step')
    expect(aheadAttempts).toBe(2)
  })

  it('a redirect to another origin is followed without the signature', async () => {
    seenElsewhere.length = 0
    const r = await signet(['fetch', '--key', 'ed.jwk', `${origin}/away`])
    expect(r.code, r.stderr).toBe(0)
    expect(text(r)).toBe('landed')
    expect(seenElsewhere).toEqual([undefined])
  })

  it('no response (nothing listening) is exit 2; a bad URL or a missing key is a usage error', async () => {
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const closedPort = (probe.address() as AddressInfo).port
    await new Promise((r) => probe.close(r))
    const none = await signet(['fetch', '--key', 'ed.jwk', `http://127.0.0.1:${closedPort}/`])
    expect(none.code).toBe(2)
    expect(report(none).code).toBe('ERR_IO')
    expect(report(await signet(['fetch', '--key', 'ed.jwk', 'ftp://127.0.0.1/'])).code).toBe('ERR_USAGE')
    expect(report(await signet(['fetch', `${origin}/`])).code).toBe('ERR_USAGE')
  })
})
