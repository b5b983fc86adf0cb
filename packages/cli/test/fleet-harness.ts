/**
 * Helpers for tests that run several `signet serve` processes on a shared store (a Redis
 * Cluster, Sentinel): `signet` in-process for keys and signing, a serve process started through
 * test/support/service.ts (so it never outlives the run), and raw signed requests.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'
import { exchangeRaw } from './serve-harness.ts'
import { startService } from '../../../test/support/service.ts'
import type { Service } from '../../../test/support/service.ts'

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export interface Fleet {
  /** The working directory of every command. */
  readonly work: string
  readonly env: Record<string, string>
  signet(argv: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>
  /** `signet keys ARGS`, which must succeed; its JSON output. */
  keys(argv: string[]): Promise<Record<string, unknown>>
  /** A signed `GET /orders` for the server on `port`: the raw bytes and the nonce it carries. */
  signedRequest(port: number, jwkFile: string): Promise<{ bytes: string; nonce: string }>
  /** Start `signet serve --port 0 ARGS` from the bundled binary `bin`; resolves once it listens. */
  serve(bin: string, argv: string[]): Promise<Server>
}

export interface Answer {
  readonly status: number
  readonly code: string | undefined
  readonly ms: number
}

export interface Server {
  readonly port: number
  readonly service: Service
}

/** Send raw request bytes; the status, the problem code if any, and how long the answer took. */
export async function send(port: number, bytes: string): Promise<Answer> {
  const started = Date.now()
  const { status, body } = await exchangeRaw(port, bytes)
  return { status, code: (JSON.parse(body) as { code?: string }).code, ms: Date.now() - started }
}

export function fleet(name: string): Fleet {
  const work = mkdtempSync(join(tmpdir(), `signet-${name}-`))
  const env = { SIGNET_MASTER_KEY: randomBytes(32).toString('base64url'), SIGNET_ACTOR: `${name}-test` }
  async function signet(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = ''
    let stderr = ''
    const enc = new TextEncoder()
    const io: CliIO = {
      stdin: async () => enc.encode(stdin),
      stdout: (text) => void (stdout += text),
      stdoutBytes: (bytes) => void (stdout += Buffer.from(bytes).toString('utf8')),
      stderr: (text) => void (stderr += text),
      env,
      cwd: work,
    }
    const code = await main(argv, io)
    return { code, stdout, stderr }
  }
  return {
    work,
    env,
    signet,
    async keys(argv) {
      const r = await signet(['keys', ...argv])
      if (r.code !== 0) throw new Error(`signet keys ${argv.join(' ')} exited ${r.code}: ${r.stderr}`)
      return JSON.parse(r.stdout) as Record<string, unknown>
    },
    async signedRequest(port, jwkFile) {
      const message = `GET /orders?id=7 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`
      const signed = await signet(['sign', '--key', jwkFile, '--scheme', 'http', '-'], message)
      if (signed.code !== 0) throw new Error(`signet sign exited ${signed.code}: ${signed.stderr}`)
      const nonce = /;nonce="([^"]+)"/.exec(signed.stdout)?.[1]
      if (nonce === undefined) throw new Error('signet sign wrote no nonce')
      return { bytes: signed.stdout, nonce }
    },
    async serve(bin, argv) {
      const service = startService(process.execPath, [bin, 'serve', '--port', '0', ...argv], env)
      const deadline = Date.now() + 20_000
      for (;;) {
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(service.output())
        if (m !== null) return { port: Number(m[1]), service }
        if (service.child.exitCode !== null || Date.now() > deadline) {
          await service.stop()
          throw new Error(`signet serve did not start: ${service.output()}`)
        }
        await sleep(20)
      }
    },
  }
}
