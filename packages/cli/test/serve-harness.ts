/**
 * `signet serve` in tests: run in-process until it announces its port (or exits), and exchange
 * raw HTTP/1.1 bytes with it on a socket, so a request signed by `signet sign` arrives byte for
 * byte. Shared by the serve tests of the cli and server packages.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'

/** A server that announced `listening on http://127.0.0.1:PORT`. */
export interface ServeRunning {
  readonly port: number
  readonly stdout: string[]
  readonly stderr: string[]
  /** The exit code, once it has stopped. */
  readonly done: Promise<number>
  /** Abort (as on SIGINT) and wait for the exit code. */
  stop(): Promise<number>
}

/** A `signet serve` that exited before it listened. */
export interface ServeExited {
  readonly exit: number
  readonly stdout: string[]
  readonly stderr: string[]
  /** How long it took to give up, in ms. */
  readonly ms: number
}

/** Run `signet ...argv` (argv starts with `serve`) in `cwd` until it listens or exits. */
export async function serveInProcess(argv: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<ServeRunning | ServeExited> {
  const controller = new AbortController()
  const stdout: string[] = []
  const stderr: string[] = []
  let announce: (port: number) => void = () => {}
  const listening = new Promise<number>((resolve) => (announce = resolve))
  const io: CliIO = {
    stdin: async () => new Uint8Array(),
    stdout: (text) => {
      stdout.push(text)
      const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)\n$/.exec(text)
      if (m !== null) announce(Number(m[1]))
    },
    stderr: (text) => void stderr.push(text),
    env,
    cwd,
    signal: controller.signal,
  }
  const started = Date.now()
  const done = main(argv, io)
  const first = await Promise.race([listening.then((port) => ({ port })), done.then((exit) => ({ exit }))])
  if ('exit' in first) return { exit: first.exit, stdout, stderr, ms: Date.now() - started }
  return {
    port: first.port,
    stdout,
    stderr,
    done,
    stop: () => {
      controller.abort()
      return done
    },
  }
}

/** The answer to one raw exchange. */
export interface RawAnswer {
  readonly status: number
  /** The header section, as received. */
  readonly head: string
  readonly body: string
}

/**
 * Write `bytes` to 127.0.0.1:`port` and read until the server closes (send `Connection: close`).
 * An answer shorter than its Content-Length is an error, not a silently truncated body.
 */
export async function exchangeRaw(port: number, bytes: string | Uint8Array): Promise<RawAnswer> {
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    // Written without a half-close: the server closes the connection after its answer.
    const socket = connect(port, '127.0.0.1', () => void socket.write(bytes))
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer from 127.0.0.1:${port} within 5 s`)))
    socket.on('data', (c: Buffer) => void chunks.push(c))
    socket.on('end', () => resolve(Buffer.concat(chunks)))
    socket.on('error', reject)
  })
  const text = raw.toString('utf8')
  const split = text.indexOf('\r\n\r\n')
  const head = split < 0 ? text : text.slice(0, split)
  const body = split < 0 ? '' : text.slice(split + 4)
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1]
  if (length !== undefined && Number(length) !== Buffer.byteLength(body)) throw new Error(`truncated answer: ${JSON.stringify(text.slice(0, 300))}`)
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0), head, body }
}

/** A loopback HTTP server standing for an `--upstream`. */
export interface Upstream {
  readonly port: number
  close(): Promise<void>
}

/** Start `handler` on 127.0.0.1 (an ephemeral port), as the upstream `signet serve` proxies to. */
export async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
