/**
 * `signet serve` as a real process (the `signet` executable bundled from the sources):
 *
 * - SIGINT while a proxied request is in flight: the answer still arrives, then the process
 *   exits 0 and the port is free.
 * - The default listen address. The host is checked on a successful start (`--port 0`, no
 *   `--host`). Port 8080 cannot be guaranteed free on a shared machine, so the default port is
 *   checked the other way round, which holds whoever owns it: this test holds 127.0.0.1:8080
 *   (or finds it already held), and serve without `--port` must fail to bind exactly there.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { connect, createServer } from 'node:net'
import type { Server as NetServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, run, scratch } from './helpers.ts'
import { startUpstream } from './serve-harness.ts'
import type { Upstream } from './serve-harness.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = `${root}.tmp/serve-process-test/bin.mjs`
const work = scratch()
let jwkFile: string

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  await bundleCli(bin)
  const generated = await run(['keygen', '--alg', 'hmac-sha256', '--kid', 'k-process'], { cwd: work.dir })
  if (generated.code !== 0) throw new Error(`signet keygen exited ${generated.code}: ${generated.stderr}`)
  jwkFile = work.write('k-process.jwk', generated.stdout)
  work.write('keys.json', JSON.stringify({ keys: [JSON.parse(generated.stdout) as Record<string, unknown>] }))
}, 60_000)

// ---------------------------------------------------------------------------------------------
// Processes: every child is killed in afterAll, whatever the test did

interface Proc {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** The exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
}

const children: ChildProcess[] = []

function spawnSignet(argv: string[]): Proc {
  const child = spawn(process.execPath, [bin, ...argv], { cwd: work.dir, env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => void (out += c))
  child.stderr!.setEncoding('utf8').on('data', (c: string) => void (err += c))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })))
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Spawn `signet serve ARGS` and wait for its `listening on` line; the port it printed. */
async function serve(argv: string[]): Promise<Proc & { port: number }> {
  const p = spawnSignet(['serve', ...argv])
  const deadline = Date.now() + 20_000
  for (;;) {
    const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)\n/.exec(p.stdout())
    if (m !== null) return { ...p, port: Number(m[1]) }
    if (p.child.exitCode !== null) throw new Error(`signet serve exited ${p.child.exitCode}: ${p.stderr()}`)
    if (Date.now() > deadline) throw new Error(`signet serve did not listen within 20 s: ${p.stderr()}`)
    await sleep(20)
  }
}

afterAll(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await gone
    }),
  )
})

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** Sign `GET /slow` for `port` with `signet sign` (in-process); the bytes to send. */
async function signedRequest(port: number): Promise<string> {
  const message = `GET /slow HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`
  const signed = await run(['sign', '--key', jwkFile, '--scheme', 'http', '-'], { cwd: work.dir, stdin: message })
  if (signed.code !== 0) throw new Error(`signet sign exited ${signed.code}: ${signed.stderr}`)
  return signed.stdout
}

// ---------------------------------------------------------------------------------------------

describe('signet serve: SIGINT with a request in flight', () => {
  const UPSTREAM_DELAY_MS = 800
  let upstream: Upstream
  let arrived: () => void = () => {}

  beforeAll(async () => {
    // Answers each request UPSTREAM_DELAY_MS after it arrives.
    upstream = await startUpstream((req, res) => {
      arrived()
      req.resume()
      setTimeout(() => {
        const text = `slow answer for ${String(req.headers['signet-key-id'])}`
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)) })
        res.end(text)
      }, UPSTREAM_DELAY_MS)
    })
  })

  afterAll(() => upstream.close())

  it('the in-flight answer arrives after the signal, then the process exits 0 and frees the port', async () => {
    const s = await serve(['--jwks', 'keys.json', '--port', '0', '--upstream', `http://127.0.0.1:${upstream.port}`])
    const request = await signedRequest(s.port)
    const atUpstream = new Promise<void>((resolve) => (arrived = resolve))
    const answer = new Promise<{ text: string; at: number }>((resolve, reject) => {
      let text = ''
      const socket = connect(s.port, '127.0.0.1', () => void socket.write(request))
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')))
      socket.setEncoding('utf8').on('data', (c: string) => void (text += c))
      socket.on('end', () => resolve({ text, at: Date.now() }))
      socket.on('error', reject)
    })
    // The request was verified and is now waiting on the upstream: stop the server.
    await atUpstream
    const signalled = Date.now()
    expect(s.child.kill('SIGINT')).toBe(true)

    const got = await answer
    expect(got.text).toMatch(/^HTTP\/1\.1 200 /)
    expect(got.text.endsWith('\r\n\r\nslow answer for k-process')).toBe(true)
    expect(got.at).toBeGreaterThan(signalled)

    const exit = await s.exited
    expect(exit).toMatchObject({ code: 0, signal: null })
    expect(exit.at).toBeGreaterThanOrEqual(got.at - 50)
    console.log(`signet serve: SIGINT with a request in flight; answer ${got.at - signalled} ms and exit ${exit.at - signalled} ms after the signal`)
    expect(s.stderr()).toBe('')
    expect(s.stdout()).toBe(`listening on http://127.0.0.1:${s.port}\n`)
    expect(await portIsFree(s.port)).toBe(true)
  }, 30_000)
})

describe('signet serve: the default listen address 127.0.0.1:8080', () => {
  it('without --host it listens on 127.0.0.1', async () => {
    const s = await serve(['--jwks', 'keys.json', '--port', '0'])
    expect(s.stdout()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/)
    s.child.kill('SIGTERM')
    expect(await s.exited).toMatchObject({ code: 0, signal: null })
  }, 30_000)

  it('without --port it binds 127.0.0.1:8080: with that port held, it fails there (exit 2, ERR_IO, EADDRINUSE)', async () => {
    // Hold the port; if another program already holds it, serve fails the same way.
    const holder: NetServer = createServer()
    const held = await new Promise<boolean>((resolve, reject) => {
      holder.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)))
      holder.listen(8080, '127.0.0.1', () => resolve(true))
    })
    try {
      const p = spawnSignet(['serve', '--jwks', 'keys.json'])
      const exit = await p.exited
      expect(exit, p.stderr()).toMatchObject({ code: 2, signal: null })
      expect(p.stdout()).toBe('')
      const lines = p.stderr().split('\n').filter((l) => l !== '')
      expect(lines).toHaveLength(1)
      const report = JSON.parse(lines[0] as string) as { code: string; message: string }
      expect(report.code).toBe('ERR_IO')
      expect(report.message).toContain('cannot listen on 127.0.0.1:8080 (EADDRINUSE)')
    } finally {
      if (held) await new Promise((resolve) => holder.close(resolve))
    }
  }, 30_000)
})
