/**
 * `signet serve --registry PATH|redis://H:P` as real processes (issue 7, "Tests"): the `signet`
 * executable is bundled from the sources once, each server is a child process on 127.0.0.1,
 * and the key lifecycle is driven with `signet keys` and requests signed by `signet sign` with
 * the JWK that `keys create` printed (both run in-process through the dispatcher, so a request
 * costs milliseconds and the revocation delay is measured precisely).
 *
 * - A registry file: accepted, disabled (refused without a restart), enabled, revoked; usage
 *   (count, last IP, rejections by code) reaches the file through the batched recorder.
 * - A Redis registry with two server processes: disable and revoke reach both within one second
 *   (the delays are printed), and a rotation overlap is honoured by both.
 * - Start-up failures: one JSON line on stderr, exit 2, nothing listening.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'
import { bundleCli } from './helpers.ts'
import { exchangeRaw } from './serve-harness.ts'
import { startRedis } from '../../registry/test/redis-server.ts'
import type { RedisHandle } from '../../registry/test/redis-server.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const outDir = `${root}.tmp/serve-registry-test`
const bin = `${outDir}/bin.mjs`
const work = mkdtempSync(join(tmpdir(), 'signet-serve-registry-'))
const masterKey = randomBytes(32).toString('base64url')
const env = { SIGNET_MASTER_KEY: masterKey, SIGNET_ACTOR: 'serve-registry-test' }

const REDIS_SERVER = '/usr/bin/redis-server'
const haveRedis = existsSync(REDIS_SERVER)
if (!haveRedis) {
  if (process.env['CI'] === 'true') throw new Error(`${REDIS_SERVER} is required in CI for the two-server Redis registry tests`)
  console.log(`${REDIS_SERVER} not found: skipping the signet serve --registry redis:// tests (required when CI=true)`)
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  const metafile = await bundleCli(bin)
  const inputs = Object.keys(metafile.inputs)
  const stray = inputs.filter((p) => /packages\/[a-z]+\/dist\/|node_modules\/@signet\//.test(p))
  if (stray.length > 0) throw new Error(`the bundle holds a second copy of a Signet package: ${stray.join(', ')}`)
  if (!inputs.some((p) => p.endsWith('packages/core/src/errors.ts'))) throw new Error('the bundle does not hold @signet/core from its sources')
}, 60_000)

// ---------------------------------------------------------------------------------------------
// In-process `signet` (keys, sign)

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

async function signet(argv: string[], stdin = ''): Promise<Ran> {
  const out: Uint8Array[] = []
  let stderr = ''
  const enc = new TextEncoder()
  const io: CliIO = {
    stdin: async () => enc.encode(stdin),
    stdout: (text) => void out.push(enc.encode(text)),
    stdoutBytes: (bytes) => void out.push(bytes.slice()),
    stderr: (text) => {
      stderr += text
    },
    env,
    cwd: work,
  }
  const code = await main(argv, io)
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr }
}

/** `signet keys ARGS` that must succeed; its JSON output (one document). */
async function keys(argv: string[]): Promise<Record<string, unknown>> {
  const r = await signet(['keys', ...argv])
  if (r.code !== 0) throw new Error(`signet keys ${argv.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

/** Create an HMAC key and save the `jwk` it prints, for `signet sign --key`. */
async function createKey(registry: string[], owner: string, scopes: string): Promise<{ keyid: string; jwkFile: string }> {
  const created = await keys(['create', ...registry, '--owner', owner, '--alg', 'hmac-sha256', '--scopes', scopes])
  const keyid = created['keyid'] as string
  expect(keyid).toMatch(/^sgn_id_[0-9A-Za-z]{28}$/)
  expect(created['secret']).toMatch(/^sgn_sk_[0-9A-Za-z]{49}$/)
  const jwkFile = join(work, `${keyid}.jwk`)
  writeFileSync(jwkFile, JSON.stringify(created['jwk']))
  return { keyid, jwkFile }
}

// ---------------------------------------------------------------------------------------------
// Requests: signed by `signet sign`, sent byte for byte on a socket

interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
}

/** Sign `GET /orders` for the server on `port` with `signet sign --key jwkFile`, send it, read the answer. */
async function call(port: number, jwkFile: string): Promise<Answer> {
  const message = `GET /orders?id=7 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`
  const signed = await signet(['sign', '--key', jwkFile, '--scheme', 'http', '-'], message)
  if (signed.code !== 0) throw new Error(`signet sign exited ${signed.code}: ${signed.stderr}`)
  const { status, body } = await exchangeRaw(port, signed.stdout)
  return { status, body: JSON.parse(body) as Record<string, unknown> }
}

/** Call until `done(answer)` holds; the milliseconds from `since` to that answer. */
async function until(port: number, jwkFile: string, done: (a: Answer) => boolean, since: number, boundMs: number, onAnswer?: (a: Answer) => void): Promise<number> {
  for (;;) {
    const a = await call(port, jwkFile)
    onAnswer?.(a)
    if (done(a)) return Date.now() - since
    if (Date.now() - since > boundMs) throw new Error(`port ${port}: still ${a.status} ${JSON.stringify(a.body['code'] ?? a.body['keyid'])} after ${boundMs} ms`)
    await sleep(5)
  }
}

const refusedWith = (code: string) => (a: Answer): boolean => a.status === 401 && a.body['code'] === code
const accepted = (a: Answer): boolean => a.status === 200

// ---------------------------------------------------------------------------------------------
// `signet serve` processes

interface Proc {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

function spawnSignet(argv: string[], childEnv: Record<string, string>): Proc {
  const child = spawn(process.execPath, [bin, ...argv], { cwd: work, env: { PATH: process.env['PATH'] ?? '', ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => void (out += c))
  child.stderr!.setEncoding('utf8').on('data', (c: string) => void (err += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exited }
}

interface Server extends Proc {
  readonly port: number
  /** SIGTERM, then the exit code (SIGKILL after 8 s). */
  stop(): Promise<number | null>
}

const servers: Server[] = []

async function serve(argv: string[], childEnv: Record<string, string> = env): Promise<Server> {
  const p = spawnSignet(['serve', '--port', '0', ...argv], childEnv)
  const deadline = Date.now() + 20_000
  let port = 0
  while (port === 0) {
    const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)\n/.exec(p.stdout())
    if (m !== null) port = Number(m[1])
    else if (p.child.exitCode !== null) throw new Error(`signet serve exited ${p.child.exitCode}: ${p.stderr()}`)
    else if (Date.now() > deadline) {
      p.child.kill('SIGKILL')
      throw new Error(`signet serve did not listen within 20 s: ${p.stderr()}`)
    } else await sleep(20)
  }
  const server: Server = {
    ...p,
    port,
    async stop() {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM')
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 8000)
      const code = await p.exited
      clearTimeout(timer)
      return code
    },
  }
  servers.push(server)
  return server
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
})

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

interface Usage {
  readonly requests: number
  readonly rejections: Record<string, number>
}

/**
 * `signet keys usage` until `done` holds (usage is flushed in batches, every second): its
 * buckets (one JSON line each, the last day by hour) summed.
 */
async function usageUntil(registry: string[], keyid: string, done: (u: Usage) => boolean, boundMs = 4000): Promise<Usage> {
  const started = Date.now()
  for (;;) {
    const r = await signet(['keys', 'usage', ...registry, keyid])
    expect(r.code).toBe(0)
    const buckets = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Usage & { start: number })
    const rejections: Record<string, number> = {}
    for (const b of buckets) for (const [code, n] of Object.entries(b.rejections)) rejections[code] = (rejections[code] ?? 0) + n
    const u: Usage = { requests: buckets.reduce((n, b) => n + b.requests, 0), rejections }
    if (done(u)) return u
    if (Date.now() - started > boundMs) return u // the caller's assertion reports the difference
    await sleep(100)
  }
}

// ---------------------------------------------------------------------------------------------

describe('signet serve --registry FILE', () => {
  const masterKeyFile = join(work, 'master.key')
  const registry = ['--registry', 'keys.signet', '--master-key-file', 'master.key']

  it('accepts a key from `signet keys create`, follows disable, enable and revoke without a restart, and records usage', async () => {
    writeFileSync(masterKeyFile, `${randomBytes(32).toString('base64url')}\n`)
    const { keyid, jwkFile } = await createKey(registry, 'acme', 'orders:read orders:write')
    // The server reads its master key from the file, not the environment (which holds another one).
    const server = await serve(registry)
    let ok = 0
    const count = (a: Answer): void => {
      if (a.status === 200) ok++
    }

    const first = await call(server.port, jwkFile)
    count(first)
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ keyid, label: 'sig1', alg: 'hmac-sha256', owner: 'acme', scopes: ['orders:read', 'orders:write'] })

    // A key created while the server runs is found at its next look at the file.
    const other = await createKey(registry, 'globex', 'billing')
    const otherSeen = await until(server.port, other.jwkFile, accepted, Date.now(), 2000)
    expect((await call(server.port, other.jwkFile)).body).toMatchObject({ keyid: other.keyid, owner: 'globex', scopes: ['billing'] })

    let t = Date.now()
    expect(await keys(['disable', ...registry, keyid])).toMatchObject({ keyid, state: 'disabled' })
    const disabled = await until(server.port, jwkFile, refusedWith('ERR_KEY_DISABLED'), t, 2000, count)
    t = Date.now()
    expect(await keys(['enable', ...registry, keyid])).toMatchObject({ keyid, state: 'active' })
    const enabled = await until(server.port, jwkFile, accepted, t, 2000, count)
    t = Date.now()
    expect(await keys(['revoke', ...registry, keyid])).toMatchObject({ keyid, state: 'revoked' })
    const revoked = await until(server.port, jwkFile, refusedWith('ERR_KEY_REVOKED'), t, 2000, count)
    console.log(`file registry, one signet serve: new key accepted after ${otherSeen} ms, disable refused after ${disabled} ms, enable accepted after ${enabled} ms, revoke refused after ${revoked} ms (from the command's return)`)
    for (const d of [otherSeen, disabled, enabled, revoked]) expect(d).toBeLessThan(1000)
    expect(await call(server.port, jwkFile)).toMatchObject({ status: 401, body: { code: 'ERR_KEY_REVOKED' } })
    // The other key is untouched.
    expect((await call(server.port, other.jwkFile)).status).toBe(200)

    // Usage reaches the file in the running server's next batch (1 s timer).
    const usage = await usageUntil(registry, keyid, (u) => u.requests === ok && (u.rejections['ERR_KEY_REVOKED'] ?? 0) >= 2)
    expect(usage.requests).toBe(ok)
    expect(ok).toBeGreaterThanOrEqual(2)
    // The last use and its address are on the key's record (`keys show`).
    const shown = JSON.parse((await signet(['keys', 'show', ...registry, keyid])).stdout) as { lastUsed: number | null; lastIp: string | null }
    expect(shown.lastIp).toBe('127.0.0.1')
    expect(shown.lastUsed).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 30)
    expect(usage.rejections['ERR_KEY_DISABLED']).toBeGreaterThanOrEqual(1)
    expect(usage.rejections['ERR_KEY_REVOKED']).toBeGreaterThanOrEqual(2)

    // What is still pending when the server stops is flushed on the way out.
    const before = (await usageUntil(registry, other.keyid, () => true)).requests
    for (let i = 0; i < 3; i++) expect((await call(server.port, other.jwkFile)).status).toBe(200)
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).toBe('')
    expect(await portIsFree(server.port)).toBe(true)
    expect((await usageUntil(registry, other.keyid, () => true)).requests).toBe(before + 3)

    // The registry file never holds a secret in plaintext.
    const file = readFileSync(join(work, 'keys.signet'), 'utf8')
    expect(file).not.toMatch(/sgn_sk_/)
    expect(file).toContain(keyid)
  }, 45_000)
})

const describeRedis = haveRedis ? describe : describe.skip

describeRedis('two signet serve processes on one Redis registry', () => {
  let redis: RedisHandle
  let registry: string[]
  let a: Server
  let b: Server

  beforeAll(async () => {
    redis = await startRedis(REDIS_SERVER)
    registry = ['--registry', redis.url]
    // The registry exists (its data key is written) before the servers start.
    await createKey(registry, 'bootstrap', 'none')
    ;[a, b] = await Promise.all([serve(registry), serve(registry)])
  }, 60_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    redis?.stop()
  })

  it('disable and revoke reach both servers within one second; usage from both lands in Redis', async () => {
    const { keyid, jwkFile } = await createKey(registry, 'acme', 'orders:read')
    let ok = 0
    const count = (x: Answer): void => {
      if (x.status === 200) ok++
    }
    for (const s of [a, b]) {
      // Twice: the second answer comes from the server's local cache.
      for (let i = 0; i < 2; i++) {
        const x = await call(s.port, jwkFile)
        count(x)
        expect(x).toMatchObject({ status: 200, body: { keyid, owner: 'acme', scopes: ['orders:read'] } })
      }
    }

    // Measured from the moment the command starts (it connects to Redis, writes and publishes)
    // to the first refusal each server sends, polling both meanwhile.
    const measure = async (argv: string[], code: string): Promise<{ delays: number[]; commandMs: number }> => {
      const started = Date.now()
      let commandMs = 0
      const command = keys(argv).then((shown) => {
        commandMs = Date.now() - started
        return shown
      })
      const delays = await Promise.all([a, b].map((s) => until(s.port, jwkFile, refusedWith(code), started, 3000, count)))
      await command
      return { delays, commandMs }
    }

    const disabled = await measure(['disable', ...registry, keyid], 'ERR_KEY_DISABLED')
    await keys(['enable', ...registry, keyid])
    const enabledAt = Date.now()
    for (const s of [a, b]) await until(s.port, jwkFile, accepted, enabledAt, 2000, count)
    const revoked = await measure(['revoke', ...registry, keyid], 'ERR_KEY_REVOKED')
    console.log(`redis registry, 2 signet serve processes: disable refused after ${disabled.delays.join(' and ')} ms (command took ${disabled.commandMs} ms); revoke refused after ${revoked.delays.join(' and ')} ms (command took ${revoked.commandMs} ms), measured from the start of the signet keys command, one signed round trip included`)
    for (const d of [...disabled.delays, ...revoked.delays]) expect(d).toBeLessThan(1000)
    for (const s of [a, b]) expect(await call(s.port, jwkFile)).toMatchObject({ status: 401, body: { code: 'ERR_KEY_REVOKED' } })

    const usage = await usageUntil(registry, keyid, (u) => u.requests === ok && (u.rejections['ERR_KEY_REVOKED'] ?? 0) >= 4)
    expect(usage.requests).toBe(ok)
    const shown = JSON.parse((await signet(['keys', 'show', ...registry, keyid])).stdout) as { lastIp: string | null }
    expect(shown.lastIp).toBe('127.0.0.1')
    expect(usage.rejections['ERR_KEY_DISABLED']).toBeGreaterThanOrEqual(2)
    expect(usage.rejections['ERR_KEY_REVOKED']).toBeGreaterThanOrEqual(4)
  }, 30_000)

  it('rotation: both servers accept the old and the new key during the overlap, and refuse the old one after it', async () => {
    const old = await createKey(registry, 'acme', 'orders:read orders:write')
    for (const s of [a, b]) expect((await call(s.port, old.jwkFile)).status).toBe(200)
    const rotated = await keys(['rotate', ...registry, old.keyid, '--overlap', '4s'])
    const previous = rotated['previous'] as { keyid: string; overlapUntil: number }
    expect(previous.keyid).toBe(old.keyid)
    expect(previous.overlapUntil).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 2)
    const next = { keyid: rotated['keyid'] as string, jwkFile: join(work, `${rotated['keyid'] as string}.jwk`) }
    expect(next.keyid).not.toBe(old.keyid)
    expect(rotated).toMatchObject({ owner: 'acme', scopes: ['orders:read', 'orders:write'] })
    writeFileSync(next.jwkFile, JSON.stringify(rotated['jwk']))

    for (const s of [a, b]) {
      expect(await call(s.port, old.jwkFile)).toMatchObject({ status: 200, body: { keyid: old.keyid } })
      expect(await call(s.port, next.jwkFile)).toMatchObject({ status: 200, body: { keyid: next.keyid, owner: 'acme', scopes: ['orders:read', 'orders:write'] } })
    }
    // Every answer above came inside the overlap (else the 200s above would not prove it).
    expect(Date.now()).toBeLessThan(previous.overlapUntil * 1000)

    const endMs = previous.overlapUntil * 1000
    await sleep(Math.max(0, endMs - Date.now()))
    const after = await Promise.all([a, b].map((s) => until(s.port, old.jwkFile, refusedWith('ERR_KEY_EXPIRED'), endMs, 2000)))
    console.log(`redis registry rotation: old key refused by both servers ${after.join(' and ')} ms after the overlap ended`)
    for (const s of [a, b]) {
      expect(await call(s.port, old.jwkFile)).toMatchObject({ status: 401, body: { code: 'ERR_KEY_EXPIRED' } })
      expect(await call(s.port, next.jwkFile)).toMatchObject({ status: 200, body: { keyid: next.keyid } })
    }
  }, 30_000)

  // Last in this group: it stops Redis.
  it('Redis gone: both servers fail closed (503 ERR_STORE_UNAVAILABLE within 2 s) and still shut down cleanly', async () => {
    const { jwkFile } = await createKey(registry, 'acme', 'orders:read')
    for (const s of [a, b]) expect((await call(s.port, jwkFile)).status).toBe(200)
    redis.stop()
    const stoppedAt = Date.now()
    // Until a server sees its connections drop (milliseconds), it may still answer from its
    // cache; from then on it bypasses the cache and fails closed. CLI.md: 503 within 2 s.
    const failClosed = (x: Answer): boolean => x.status === 503 && x.body['code'] === 'ERR_STORE_UNAVAILABLE'
    const delays = await Promise.all([a, b].map((s) => until(s.port, jwkFile, failClosed, stoppedAt, 2500)))
    console.log(`redis registry stopped: both servers answer 503 ERR_STORE_UNAVAILABLE after ${delays.join(' and ')} ms`)
    for (const d of delays) expect(d).toBeLessThan(2000)
    for (const s of [a, b]) expect(await call(s.port, jwkFile)).toMatchObject({ status: 503, body: { code: 'ERR_STORE_UNAVAILABLE' } })
    const stopping = Date.now()
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0])
    const stopMs = Date.now() - stopping
    console.log(`both servers exited after SIGTERM in ${stopMs} ms with Redis down`)
    expect(stopMs).toBeLessThan(6000)
    for (const s of [a, b]) expect(await portIsFree(s.port)).toBe(true)
  }, 30_000)
})

describe('signet serve --registry: start-up failures', () => {
  it('a missing file, a wrong or missing master key, a corrupt file, an unreachable Redis: exit 2, one JSON line, nothing listening', async () => {
    // A registry file encrypted under the key in `env`.
    await createKey(['--registry', 'startup.signet'], 'acme', 'read')
    writeFileSync(join(work, 'corrupt.signet'), '{"not": "a registry"')
    writeFileSync(join(work, 'other.key'), randomBytes(32).toString('base64url'))
    const otherKey = { SIGNET_MASTER_KEY: randomBytes(32).toString('base64url') }
    const deadPort = await freePort()
    const cases: Array<{ name: string; argv: string[]; env: Record<string, string>; code: string; boundMs?: number }> = [
      { name: 'missing file', argv: ['--registry', 'missing.signet'], env, code: 'ERR_IO' },
      { name: 'wrong master key (environment)', argv: ['--registry', 'startup.signet'], env: otherKey, code: 'ERR_MASTER_KEY' },
      { name: 'wrong master key (file)', argv: ['--registry', 'startup.signet', '--master-key-file', 'other.key'], env, code: 'ERR_MASTER_KEY' },
      { name: 'no master key', argv: ['--registry', 'startup.signet'], env: {}, code: 'ERR_MASTER_KEY' },
      { name: 'missing master key file', argv: ['--registry', 'startup.signet', '--master-key-file', 'nope.key'], env, code: 'ERR_IO' },
      { name: 'corrupt file', argv: ['--registry', 'corrupt.signet'], env, code: 'ERR_REGISTRY_CORRUPT' },
      { name: 'unreachable redis', argv: ['--registry', `redis://127.0.0.1:${deadPort}`], env, code: 'ERR_STORE_UNAVAILABLE', boundMs: 8000 },
      { name: '--jwks and --registry', argv: ['--registry', 'startup.signet', '--jwks', 'keys.json'], env, code: 'ERR_USAGE' },
      { name: '--registry without a value', argv: ['--registry'], env, code: 'ERR_USAGE' },
    ]
    const results = await Promise.all(
      cases.map(async (c) => {
        const port = await freePort()
        const started = Date.now()
        const p = spawnSignet(['serve', '--port', String(port), ...c.argv], c.env)
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000)
        const exit = await p.exited
        clearTimeout(timer)
        return { c, port, exit, ms: Date.now() - started, stdout: p.stdout(), stderr: p.stderr() }
      }),
    )
    for (const r of results) {
      const where = `${r.c.name}: ${r.stderr}`
      expect(r.exit, where).toBe(2)
      expect(r.stdout, where).toBe('')
      const lines = r.stderr.split('\n').filter((l) => l !== '')
      expect(lines, where).toHaveLength(1)
      const report = JSON.parse(lines[0] as string) as { code: string; message: string }
      expect(report.code, where).toBe(r.c.code)
      expect(typeof report.message).toBe('string')
      expect(report.message).not.toContain(masterKey)
      expect(await portIsFree(r.port), where).toBe(true)
      if (r.c.boundMs !== undefined) expect(r.ms, where).toBeLessThan(r.c.boundMs)
    }
    const redisCase = results.find((r) => r.c.name === 'unreachable redis')
    console.log(`signet serve --registry redis:// (nothing listening): exit 2 after ${redisCase?.ms} ms (process start included)`)
  }, 40_000)
})
