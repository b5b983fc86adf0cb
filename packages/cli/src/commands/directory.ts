/**
 * `signet directory`: publish and check Web Bot Auth key directories (CLI.md "signet
 * directory"; draft-ietf-webbotauth-httpsig-protocol).
 *
 * - `directory serve --key KEY... [--host H] [--port N]` serves
 *   `/.well-known/http-message-signatures-directory` with each public key and one signature per
 *   key (`directoryResponseParts` of the server package), signed afresh for each request since
 *   the signatures cover the request's authority. An `ETag` over the body answers
 *   `If-None-Match` with 304.
 * - `directory lint URL [--allow-private]` fetches a directory as a verifier would (the server
 *   package's `fetchDirectory` and `readDirectory`) and prints one JSON line per problem:
 *   `{ "code", "message", "kid"? }`. Exit 0 when there is none, 1 otherwise.
 *
 * @module
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignetError, createContentDigest } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { DIRECTORY_PATH, directoryResponseParts, fetchDirectory, readAgentUrl, readDirectory } from '@signet/server'
import type { DirectoryProblem } from '@signet/server'
import { getAll, getString, has, parseArgs, usage, wantsHelp } from '../args.ts'
import type { OptionSpecs } from '../args.ts'
import type { CliIO, Command } from '../io.ts'
import { loadKey } from '../key-file.ts'

const USAGE = `Usage: signet directory serve --key KEY [--key KEY ...] [--host H] [--port N]
       signet directory lint URL [--allow-private]

serve   publishes a Web Bot Auth key directory at
        ${DIRECTORY_PATH} (default 127.0.0.1:8082, prints
        "directory on http://H:P"), each key with one signature per key.
lint    fetches a directory as a verifier would and prints one JSON line per problem
        (status, redirect, media type, size, kid thumbprints, signatures, expiry against
        Cache-Control, known test keys); exit 0 when there is none, 1 otherwise.
        --allow-private allows loopback and private addresses and plain http on loopback.
`

const serveOptions: OptionSpecs = {
  key: { type: 'string', multiple: true },
  host: { type: 'string' },
  port: { type: 'string' },
}

const lintOptions: OptionSpecs = {
  'allow-private': { type: 'boolean' },
}

/**
 * Run `signet directory serve|lint`.
 *
 * @param argv - the arguments after `directory`
 * @param io - the command's surroundings
 * @returns 0, or 1 when `lint` found problems
 * @throws {SignetError} `ERR_USAGE`, `ERR_IO`, key errors (exit 2)
 * @example `signet directory lint https://agent.example`
 */
export const directoryCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const sub = argv[0]
  if (sub === 'help' || (sub === undefined ? false : wantsHelp(argv))) {
    io.stdout(USAGE)
    return 0
  }
  if (sub === 'serve') return serveDirectory(argv.slice(1), io)
  if (sub === 'lint') return lintDirectory(argv.slice(1), io)
  throw usage('directory', `expected a subcommand (serve, lint), got ${sub === undefined ? 'none' : JSON.stringify(sub.slice(0, 40))}`)
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8082
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw usage('directory serve', `--port expects a number from 0 to 65535, got ${JSON.stringify(value)}`)
  return Number(value)
}

async function serveDirectory(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, serveOptions, { command: 'directory serve', maxPositionals: 0 })
  const files = getAll(args, 'key')
  if (files.length === 0) throw usage('directory serve', '--key KEY is required (repeat it for several keys)')
  const host = getString(args, 'host') ?? '127.0.0.1'
  const port = parsePort(getString(args, 'port'))
  const keys: SignetKey[] = []
  for (const file of files) {
    const key = await loadKey(io, file, { need: 'private' })
    if (key.algorithm.symmetric) throw usage('directory serve', `--key ${file}: a directory publishes public keys; a shared secret has none`)
    keys.push(key)
  }
  // Fail before listening on a key that cannot sign its entry.
  await directoryResponseParts(keys, { request: 'localhost' })
  const server = createServer((req, res) => {
    answer(req, res, keys).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  server.requestTimeout = 10_000
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SignetError('ERR_IO', `signet directory serve: cannot listen on ${host}:${port} (${error.code ?? error.message})`, { cause: error })),
    )
    server.listen(port, host, () => resolve(server.address() as AddressInfo))
  })
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  io.stdout(`directory on http://${shown}:${address.port}\n`)
  await new Promise<void>((resolve) => {
    if (io.signal === undefined) return
    if (io.signal.aborted) return resolve()
    io.signal.addEventListener('abort', () => resolve(), { once: true })
  })
  await close(server)
  return 0
}

async function answer(req: IncomingMessage, res: ServerResponse, keys: readonly SignetKey[]): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]
  if (path !== DIRECTORY_PATH) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    return
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end()
    return
  }
  const { headers, body } = await directoryResponseParts(keys, { request: req.headers.host ?? 'localhost' })
  // The body is the same for every request (only the signatures change): its digest is the ETag.
  const etag = `"${(await createContentDigest(body, ['sha-256'])).slice(9, -1)}"`
  const out: Record<string, string> = { etag, 'access-control-allow-origin': '*' }
  for (const [name, value] of headers) out[name.toLowerCase()] = value
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag, 'cache-control': out['cache-control'] as string }).end()
    return
  }
  out['content-length'] = String(body.length)
  res.writeHead(200, out)
  res.end(req.method === 'HEAD' ? undefined : body)
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

async function lintDirectory(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, lintOptions, { command: 'directory lint', maxPositionals: 1 })
  const value = args.positionals[0]
  if (value === undefined) throw usage('directory lint', 'URL is required')
  const agent = readAgentUrl(value)
  if (agent === undefined) throw usage('directory lint', `URL must be absolute, got ${JSON.stringify(value.slice(0, 200))}`)
  const problems: DirectoryProblem[] = []
  try {
    const result = await fetchDirectory(agent.fetchUrl, { allowPrivateNetworks: has(args, 'allow-private') })
    problems.push(...(await readDirectory(result, { now: Math.floor(Date.now() / 1000) })).problems)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    problems.push({ code: /exceeds/.test(message) ? 'too-large' : 'fetch-failed', message })
  }
  for (const problem of problems) io.stdout(`${JSON.stringify({ url: agent.fetchUrl.href, ...problem })}\n`)
  return problems.length === 0 ? 0 : 1
}
