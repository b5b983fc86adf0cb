/**
 * `signet serve`: a verifying HTTP server, or a verifying reverse proxy in front of an API
 * written in any language (CLI.md "signet serve").
 *
 * Everything that can be wrong with the command line is checked before the socket opens: the
 * JWKS is read and every key imported, Redis is connected and answers, the upstream URL parses.
 * A failure at any of those steps releases what was already acquired and ends the command with
 * one line of JSON on standard error and exit 2, so nothing is ever half-started. Once listening,
 * `listening on http://H:P` is printed; aborting `io.signal` (SIGINT or SIGTERM in the binary)
 * stops accepting connections, lets requests in flight finish for a short grace period, and
 * closes the Redis connection.
 *
 * Requests are verified straight from Node's `IncomingMessage` (`verifyNodeRequest`); a nonce
 * store is always set (memory by default), so every signature needs a nonce and a replay is a
 * 401. With `--upstream`, a verified request is forwarded carrying only what the signature
 * vouches for (CLI.md "Additions", `signet serve`): the covered fields, `Content-Type` and
 * `Content-Length` for framing, and the fields serve writes itself: the verified key id in
 * `Signet-Key-Id` and `X-Forwarded-*`/`Forwarded` naming the client serve saw. Everything else
 * a client sends (`Authorization`, `Cookie`, `X-HTTP-Method-Override`, ...) stays here, and a
 * client field whose name folds (`_` to `-`, any case) to a `Signet-*` or forwarding field is
 * dropped even when covered: CGI and WSGI upstreams read `Signet_Key_Id` as `HTTP_SIGNET_KEY_ID`.
 * A covered field the client also names in `Connection` is still forwarded: the signature, not
 * the client's hop-by-hop list, decides what the upstream sees.
 *
 * `--authority` pins the authorities served (421 `ERR_AUTHORITY_MISMATCH` for others);
 * `--trust-proxy` names the proxies whose forwarding field (`--forwarded-header`, default
 * `x-forwarded-for`) is walked from the right for the client address and scheme.
 *
 * @module
 */
import { createServer, request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { SignetError, fromNodeRequest, fromUtf8, isSignetError } from '@signet/core'
import {
  chainKeys,
  createVerifier,
  directoryKeys,
  parseJwks,
  problemFor,
  rateLimitHeaders,
  verifyNodeRequest,
  writeProblem,
} from '@signet/server'
import { openRegistryResolver, parseRateLimit, secretScanningHandler } from '@signet/registry'
import type { RateLimitSpec, RedisLocation, Registry } from '@signet/registry'
import type { KeyResolver, NonceStore, ProblemResponse, VerificationEvent, VerifiedIdentity, Verifier, VerifierPolicy } from '@signet/server'
import { getAll, getString, has, parseArgs, resolveBackend, splitComponents, usage } from '../args.ts'
import type { CommandUsage, OptionSpecs, ParsedArgs } from '../args.ts'
import type { CliIO, Command } from '../io.ts'
import { readInput } from '../io.ts'
import { openNonceStore, parseNonceStoreOption } from '../nonce-store-option.ts'
import { rebuiltTarget } from './verify.ts'

const COMMAND = 'serve'

/** The options of `signet serve`, which also write its `--help`. */
const options: OptionSpecs = {
  host: { type: 'string', valueName: 'H', description: 'the address to listen on', default: '127.0.0.1' },
  port: { type: 'string', valueName: 'N', description: 'the port to listen on (0: any free port)', default: '8080' },
  jwks: { type: 'string', valueName: 'FILE', description: 'the keys, a JWKS file (each key with its kid)' },
  registry: { type: 'string', valueName: 'PATH|REDIS-URL', description: 'the keys, from a registry made with signet keys' },
  'master-key-file': { type: 'string', valueName: 'FILE', description: 'the registry master key', default: 'SIGNET_MASTER_KEY' },
  'nonce-store': { type: 'string', valueName: 'memory|REDIS-URL', description: 'where nonces are recorded against replay', default: 'memory' },
  require: {
    type: 'string',
    valueName: '"C1 C2 ..."',
    description: 'the components every signature must cover, replacing the default',
    default: '"@method" "@target-uri" (or "@authority" "@path" "@query"), plus "content-digest" with a body',
  },
  'max-age': { type: 'string', valueName: 'S', description: 'the largest signature age in seconds', default: '300' },
  upstream: {
    type: 'string',
    valueName: 'URL',
    description: 'proxy verified requests to this http(s) URL; it receives only the covered fields, Content-Type, Content-Length, Signet-Key-Id and the forwarding fields serve sets itself',
    default: 'answer with the identity',
  },
  backend: { type: 'string', valueName: 'native|webcrypto|pure', description: 'the crypto backend', default: 'the fastest present' },
  authority: {
    type: 'string',
    multiple: true,
    valueName: 'HOST[:PORT]',
    description: 'repeatable: the only @authority values accepted; a request signed for another gets 421 ERR_AUTHORITY_MISMATCH',
    default: 'any',
  },
  'trust-proxy': {
    type: 'string',
    multiple: true,
    valueName: 'CIDR',
    description: 'repeatable: peers whose --forwarded-header field is believed, walked from the right to the first untrusted hop',
    default: 'none',
  },
  'forwarded-header': {
    type: 'string',
    valueName: 'x-forwarded-for|forwarded',
    description: 'the one field trusted proxies write (with X-Forwarded-Proto, or RFC 7239 Forwarded); the other is never read',
    default: 'x-forwarded-for',
  },
  'nonce-quota': {
    type: 'string',
    valueName: 'N',
    description: 'live nonces one key may hold in the nonce store; a key past it gets 429 while every other key is served (default: 75000 in memory, none on Redis)',
  },
  directory: {
    type: 'boolean',
    description: 'also take keys from Web Bot Auth Signature-Agent key directories (fetched over https, cached); --jwks and --registry become optional',
  },
  'allow-private-directories': {
    type: 'boolean',
    description: 'with --directory: allow loopback and private addresses and plain http there (for tests)',
  },
  'owner-rate-limit': {
    type: 'string',
    multiple: true,
    valueName: 'OWNER=N/PERIOD',
    description: 'repeatable, with --registry: a rate limit across all the keys of OWNER (429 ERR_RATE_LIMITED past it)',
    default: 'none',
  },
  'secret-scanning': {
    type: 'string',
    valueName: 'FILE',
    description: 'with --registry: mount POST /.well-known/signet/secret-scanning for GitHub-style leak alerts signed by a key in FILE (the provider\'s public_keys JSON); every live registry secret reported is revoked',
  },
  debug: {
    type: 'boolean',
    description: 'on ERR_SIGNATURE_INVALID, name the rebuilt @target-uri and @authority in a "debug" member of the problem body',
  },
}

const USAGE: CommandUsage = {
  synopsis: 'serve (--jwks FILE | --registry PATH|REDIS-URL | --directory) [options]',
  summary: `A verifying HTTP server, on 127.0.0.1:8080 by default; prints "listening on http://H:P" once
ready. A verified request gets 200 with the verified identity as JSON, or is proxied to
--upstream with the verified key id in Signet-Key-Id; a refused one gets a problem+json answer
with its code. A nonce store is always set (memory by default), so every signature needs a
nonce. A registry's revocations reach the server without a restart.`,
  notes: `The scheme of @target-uri is http (serve has no TLS): sign with --scheme http.
REDIS-URL: redis://H:P[/DB] (one node), redis://H:P,H:P,... (a Redis Cluster),
redis+cluster://H:P (a cluster from one seed), redis+sentinel://H:P,.../NAME[/DB] (Sentinel).
SIGINT or SIGTERM: stop accepting connections, finish the requests in flight, exit 0.`,
}

/**
 * `--directory`: Web Bot Auth agents' keys from their `Signature-Agent` directories, asked
 * after the configured keys (CLI.md "signet serve"). A directory that cannot be used answers
 * with the server package's status for `ERR_DIRECTORY_*` (401).
 *
 * @param configured - the `--jwks` or `--registry` keys, if any.
 * @param args - the parsed command line.
 * @returns the resolver to verify with.
 * @throws {SignetError} `ERR_USAGE` when neither keys nor `--directory` are given, or
 *   `--allow-private-directories` comes without `--directory`.
 */
function withDirectories(configured: KeyResolver | undefined, args: ParsedArgs): KeyResolver {
  const allowPrivate = has(args, 'allow-private-directories')
  if (!has(args, 'directory')) {
    if (allowPrivate) throw usage(COMMAND, '--allow-private-directories needs --directory')
    if (configured === undefined) throw usage(COMMAND, 'give exactly one of --jwks FILE or --registry PATH')
    return configured
  }
  const directories = directoryKeys({ allowPrivateNetworks: allowPrivate })
  return configured === undefined ? directories : chainKeys(configured, directories)
}

/** How long requests in flight may run after shutdown begins, ms. */
const SHUTDOWN_GRACE_MS = 2000

/** Keys from a registry, the usage recorder that feeds its records, and how to release it. */
interface OpenedRegistry {
  readonly keys: KeyResolver
  readonly recordUsage: (event: VerificationEvent) => void
  readonly close: () => Promise<void>
  readonly registry: Registry
}

/**
 * Turn a `--registry PATH|redis://H:P` location into a key resolver backed by the registry, so
 * a disable or revoke made with `signet keys` reaches this server without a restart.
 *
 * @param location - the value of `--registry`.
 * @param masterKeyFile - the value of `--master-key-file`, else `SIGNET_MASTER_KEY` is read.
 * @throws {SignetError} `ERR_IO` for a registry file that does not exist, `ERR_MASTER_KEY`,
 *   `ERR_REGISTRY_CORRUPT`, `ERR_STORE_UNAVAILABLE` for an unreachable Redis.
 */
async function openRegistryKeys(location: string, io: CliIO, masterKeyFile?: string, ownerRateLimits: Record<string, RateLimitSpec> = {}): Promise<OpenedRegistry> {
  const opened = await openRegistryResolver(location, io.env, {
    cwd: io.cwd,
    ...(masterKeyFile === undefined ? {} : { masterKeyFile }),
    registry: { ownerRateLimits },
  })
  return { keys: opened, recordUsage: opened.recordUsage, close: () => opened.close(), registry: opened.registry }
}

/** `--owner-rate-limit OWNER=N/PERIOD`, repeatable, as the registry's `ownerRateLimits`. */
function parseOwnerLimits(values: readonly string[]): Record<string, RateLimitSpec> {
  const out: Record<string, RateLimitSpec> = {}
  for (const value of values) {
    const at = value.lastIndexOf('=')
    if (at <= 0) throw usage(COMMAND, `--owner-rate-limit expects OWNER=N/PERIOD, got ${JSON.stringify(value.slice(0, 60))}`)
    try {
      out[value.slice(0, at)] = parseRateLimit(value.slice(at + 1), 'owner-rate-limit')
    } catch (err) {
      throw usage(COMMAND, (err as Error).message)
    }
  }
  return out
}

/** The path `--secret-scanning` mounts (CLI.md). */
const SECRET_SCANNING_PATH = '/.well-known/signet/secret-scanning'

/** Hand a Node request to a fetch-style handler and write its answer. */
function serveFetch(req: IncomingMessage, res: ServerResponse, fetchHandler: (request: Request) => Promise<Response>): void {
  const chunks: Buffer[] = []
  let size = 0
  req.on('data', (chunk: Buffer) => {
    size += chunk.length
    // The handler refuses large alerts itself; this only stops unbounded buffering.
    if (size <= 2 << 20) chunks.push(chunk)
  })
  req.on('end', () => {
    const headers = new Headers()
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string)
    const request = new Request(`http://localhost${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}) })
    fetchHandler(request).then(async (response) => {
      const text = Buffer.from(await response.arrayBuffer())
      const out: Record<string, string> = { 'content-length': String(text.length) }
      response.headers.forEach((value, name) => {
        out[name] = value
      })
      res.writeHead(response.status, out)
      res.end(text)
    }, () => {
      res.writeHead(500, { 'content-type': 'application/problem+json' })
      res.end('{"code":"ERR_INTERNAL"}')
    })
  })
}

/**
 * Read and import a `--jwks` file. The server's parser names the file and the key in every
 * refusal (`JWKS "keys.json" key 1 (kid "k2"): ...`), so an operator finds the entry to fix.
 *
 * @param file - the value of `--jwks` (`-` for standard input).
 * @throws {SignetError} `ERR_IO` for an unreadable file; `ERR_KEY_INVALID` for text that is not
 *   a JWKS, a set without keys (every request would be refused), a repeated `kid`; the
 *   importer's own code for a key it cannot use.
 */
async function loadJwks(io: CliIO, file: string): Promise<KeyResolver> {
  const source = file === '-' ? 'JWKS on standard input' : `JWKS ${JSON.stringify(file)}`
  const keys = await parseJwks(await readInput(io, file, 'JWKS'), source)
  if (keys.records().length === 0) throw new SignetError('ERR_KEY_INVALID', `${source} has no keys: every request would be refused`)
  return keys
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw usage(COMMAND, `--port expects a number from 0 to 65535, got ${JSON.stringify(value)}`)
  return Number(value)
}

function parseMaxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw usage(COMMAND, `--max-age expects a whole number of seconds, got ${JSON.stringify(value)}`)
  return Number(value)
}

function parseNonceQuota(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0) throw usage(COMMAND, `--nonce-quota expects a positive whole number, got ${JSON.stringify(value)}`)
  return Number(value)
}

function parseUpstream(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw usage(COMMAND, `--upstream expects an http(s) URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(COMMAND, `--upstream expects an http(s) URL, got ${JSON.stringify(value)}`)
  return url
}

// RFC 9110 section 7.6.1: connection-specific fields are not forwarded by a proxy.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/**
 * Fields through which a client could claim another address, scheme or host (besides every
 * `X-Forwarded-*`). An upstream that trusts its proxy reads them as this proxy's word, so the
 * client's copies are dropped and the address fields are set from the socket instead.
 */
const CLIENT_ADDRESS_FIELDS = new Set(['forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip'])

function isClientAddressField(name: string): boolean {
  return CLIENT_ADDRESS_FIELDS.has(name) || name.startsWith('x-forwarded-')
}

/**
 * Whether a client's field name would reach an upstream as one serve writes: names are folded
 * as CGI, WSGI and several servers fold them (`_` to `-`, any case), so `Signet_Key_Id` is
 * `Signet-Key-Id` there.
 */
function isReservedField(name: string): boolean {
  const folded = name.toLowerCase().replace(/_/g, '-')
  return folded.startsWith('signet-') || isClientAddressField(folded) || folded === 'host'
}

/** The field names a signature covers (`"content-type"`, `"x-a";sf`), without derived components. */
function coveredFieldNames(identity: VerifiedIdentity): Set<string> {
  const names = new Set<string>()
  for (const id of identity.components) {
    const end = id.indexOf('"', 1)
    if (id.charCodeAt(1) !== 0x40 && end > 1) names.add(id.slice(1, end))
  }
  return names
}

/** What serve says about the client: the address and scheme after the trusted-proxy rules. */
interface ClientView {
  readonly ip: string | undefined
  readonly proto: string
}

/**
 * The fields sent upstream: the covered ones, `Content-Type`, and serve's own. Hop-by-hop fields
 * (RFC 9110 section 7.6.1) describe the client's connection and are never forwarded; a field the
 * client nominates in `Connection` is dropped only when the signature does not cover it.
 */
function forwardHeaders(req: IncomingMessage, identity: VerifiedIdentity, upstream: URL, body: Uint8Array, client: ClientView): OutgoingHttpHeaders {
  const covered = coveredFieldNames(identity)
  const headers: OutgoingHttpHeaders = {}
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    if (HOP_BY_HOP.has(name) || name === 'content-length' || isReservedField(name)) continue
    if (!covered.has(name) && name !== 'content-type') continue
    const value = raw[i + 1] as string
    const existing = headers[name]
    if (existing === undefined) headers[name] = value
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [String(existing), value]
  }
  headers['host'] = upstream.host
  headers['content-length'] = String(body.length)
  headers['signet-key-id'] = identity.keyid
  // The client as serve established it: the socket's address, or the one its trusted proxies
  // reported; the scheme likewise (serve itself speaks plain http); the Host the client sent.
  const host = req.headers.host
  headers['x-forwarded-proto'] = client.proto
  if (host !== undefined) headers['x-forwarded-host'] = host
  if (client.ip !== undefined) {
    headers['x-forwarded-for'] = client.ip
    // RFC 7239 section 6: an IPv6 node is bracketed and quoted.
    const node = client.ip.includes(':') ? `"[${client.ip}]"` : client.ip
    headers['forwarded'] = `for=${node};proto=${client.proto}${host === undefined ? '' : `;host="${host.replace(/["\\]/g, '')}"`}`
  }
  return headers
}

function copyResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    out[name] = value
  }
  return out
}

function proxy(req: IncomingMessage, res: ServerResponse, identity: VerifiedIdentity, body: Uint8Array, upstream: URL, client: ClientView): void {
  const base = upstream.pathname.endsWith('/') ? upstream.pathname.slice(0, -1) : upstream.pathname
  const path = base + (req.url ?? '/')
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest
  const outgoing = send(
    {
      protocol: upstream.protocol,
      hostname: upstream.hostname.startsWith('[') ? upstream.hostname.slice(1, -1) : upstream.hostname,
      port: upstream.port === '' ? undefined : Number(upstream.port),
      method: req.method,
      path,
      headers: forwardHeaders(req, identity, upstream, body, client),
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, copyResponseHeaders(answer.headers))
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    },
  )
  outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('upstream timed out')))
  outgoing.on('error', () => {
    if (res.headersSent) {
      res.destroy()
      return
    }
    const bodyText = JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, code: 'ERR_UPSTREAM', detail: 'the upstream did not answer' })
    res.writeHead(502, { 'content-type': 'application/problem+json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(bodyText)) })
    res.end(bodyText)
  })
  outgoing.end(body)
}

function identityJson(identity: VerifiedIdentity): string {
  return JSON.stringify({
    keyid: identity.keyid,
    label: identity.label,
    alg: identity.alg,
    components: identity.components,
    params: identity.params,
    owner: identity.owner ?? null,
    scopes: identity.scopes,
  })
}

/**
 * `--debug`: a refusal for ERR_SIGNATURE_INVALID also names, in a `debug` member of the problem
 * body, the `@target-uri` and `@authority` this server rebuilt, the usual reason a signature
 * made elsewhere does not hold (signed for https, or for another host). Off by default: a
 * production server need not tell a caller how it sees itself.
 */
function withDebug(problem: ProblemResponse, error: unknown, verifier: Verifier, req: IncomingMessage): ProblemResponse {
  if (!isSignetError(error) || error.code !== 'ERR_SIGNATURE_INVALID') return problem
  let rebuilt: { targetUri: string; authority: string } | undefined
  try {
    let message = fromNodeRequest(req, { scheme: 'http' })
    const proto = verifier.forwarded(req.socket.remoteAddress, message.fields).proto
    if (proto !== undefined) message = { ...message, scheme: proto }
    rebuilt = rebuiltTarget(message)
  } catch {
    rebuilt = undefined
  }
  if (rebuilt === undefined) return problem
  const body = { ...(JSON.parse(problem.body) as Record<string, unknown>), debug: { '@target-uri': rebuilt.targetUri, '@authority': rebuilt.authority } }
  return { ...problem, body: JSON.stringify(body) }
}

function handler(
  verifier: Verifier, upstream: URL | undefined, debug = false, secretScanning?: (request: Request) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Alerts are signed by the scanning provider, not with a registry key: their own route.
    if (secretScanning !== undefined && (req.url ?? '').split('?')[0] === SECRET_SCANNING_PATH) return serveFetch(req, res, secretScanning)
    verifyNodeRequest(verifier, req).then(
      ({ identity, body, message }) => {
        // What is left of the key's rate limits and credits (a registry's keys), on the answer
        // or the upstream's response alike (an upstream's own fields win).
        for (const [name, value] of Object.entries(rateLimitHeaders(identity))) res.setHeader(name, value)
        if (upstream !== undefined) {
          const seen = verifier.forwarded(req.socket.remoteAddress, message.fields)
          proxy(req, res, identity, body, upstream, { ip: identity.clientIp, proto: seen.proto ?? 'http' })
          return
        }
        const text = identityJson(identity)
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' })
        res.end(text)
      },
      (error: unknown) => {
        const problem = problemFor(error, { policy: verifier.policy, now: verifier.now(), withBody: req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined })
        writeProblem(res, debug ? withDebug(problem, error, verifier, req) : problem)
      },
    )
  }
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      const reason = error.code ?? error.message
      reject(new SignetError('ERR_IO', `signet serve: cannot listen on ${host}:${port} (${reason})`, { cause: error }))
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS)
    server.close(() => {
      clearTimeout(timer)
      resolve()
    })
    server.closeIdleConnections()
  })
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return // Runs until the process ends.
    if (signal.aborted) return resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

/**
 * Run `signet serve` (CLI.md): verify every request against the JWKS (or registry) and answer
 * with the verified identity, or proxy it to `--upstream`.
 *
 * @returns 0 after a clean shutdown, or after printing the usage for `--help`.
 * @throws {SignetError} `ERR_USAGE` for bad options, `ERR_IO` for an unreadable JWKS or a port
 *   in use, `ERR_KEY_*` for a malformed JWKS, `ERR_STORE_UNAVAILABLE` when Redis is unreachable
 *   at start: the dispatcher prints it and exits 2.
 */
export const serveCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: COMMAND, maxPositionals: 0, usage: USAGE })
  const host = getString(args, 'host') ?? '127.0.0.1'
  if (host === '') throw usage(COMMAND, '--host expects an address')
  const port = parsePort(getString(args, 'port'))
  const maxAge = parseMaxAge(getString(args, 'max-age'))
  const upstream = parseUpstream(getString(args, 'upstream'))
  const jwksFile = getString(args, 'jwks')
  const registry = getString(args, 'registry')
  if (jwksFile !== undefined && registry !== undefined) throw usage(COMMAND, 'give exactly one of --jwks FILE or --registry PATH')
  // Checked before anything is opened; withDirectories applies it once the keys are loaded.
  if (jwksFile === undefined && registry === undefined && !has(args, 'directory')) throw usage(COMMAND, 'give exactly one of --jwks FILE or --registry PATH')
  const storeOption = parseNonceStoreOption(COMMAND, getString(args, 'nonce-store') ?? 'memory')
  const nonceQuota = parseNonceQuota(getString(args, 'nonce-quota'))
  const policy: { -readonly [K in keyof VerifierPolicy]: VerifierPolicy[K] } = { requireNonce: true }
  const required = getString(args, 'require')
  if (required !== undefined) policy.requiredComponents = splitComponents(required, 'require', COMMAND)
  if (maxAge !== undefined) policy.maxAgeSeconds = maxAge
  // CLI.md: every command that verifies takes --backend. The name is checked (and `pure` loaded)
  // before anything starts; the verifier then runs every verification on that backend.
  const backend = await resolveBackend(getString(args, 'backend'), COMMAND)
  const authorities = getAll(args, 'authority')
  const ownerLimits = parseOwnerLimits(getAll(args, 'owner-rate-limit'))
  const scanningFile = getString(args, 'secret-scanning')
  if ((scanningFile !== undefined || Object.keys(ownerLimits).length > 0) && registry === undefined) {
    throw usage(COMMAND, '--secret-scanning and --owner-rate-limit need --registry')
  }
  const trustedProxies = getAll(args, 'trust-proxy')
  const forwardedHeader = getString(args, 'forwarded-header') ?? 'x-forwarded-for'
  if (forwardedHeader !== 'x-forwarded-for' && forwardedHeader !== 'forwarded') {
    throw usage(COMMAND, `--forwarded-header expects x-forwarded-for or forwarded, got ${JSON.stringify(forwardedHeader)}`)
  }

  // Acquire in order, releasing everything already held if a later step fails.
  const releases: Array<() => Promise<void>> = []
  const releaseAll = async (): Promise<void> => {
    for (const release of releases.reverse()) await release().catch(() => {})
  }
  let server: Server | undefined
  try {
    let keys: KeyResolver | undefined
    let recordUsage: ((event: VerificationEvent) => void) | undefined
    let admit: ReturnType<Registry['admission']> | undefined
    let secretScanning: ((request: Request) => Promise<Response>) | undefined
    if (jwksFile !== undefined) {
      keys = await loadJwks(io, jwksFile)
    } else if (registry !== undefined) {
      const opened = await openRegistryKeys(registry, io, getString(args, 'master-key-file'), ownerLimits)
      releases.push(opened.close)
      keys = opened.keys
      recordUsage = opened.recordUsage
      // Rate limits and credits: the last stage, after signature, nonce and scopes held.
      admit = opened.registry.admission()
      if (scanningFile !== undefined) {
        const text = fromUtf8(await readInput(io, scanningFile, 'secret-scanning keys'))
        try {
          secretScanning = secretScanningHandler(opened.registry, text)
        } catch (cause) {
          throw new SignetError('ERR_KEY_INVALID', `--secret-scanning ${JSON.stringify(scanningFile)}: ${cause instanceof Error ? cause.message : String(cause)}`)
        }
      }
    }
    const openedNonces = await openNonceStore(COMMAND, storeOption, nonceQuota === undefined ? {} : { maxEntriesPerOwner: nonceQuota })
    releases.push(openedNonces.close)
    const nonces: NonceStore = openedNonces.store
    let verifier: Verifier
    try {
      verifier = createVerifier({
        keys: withDirectories(keys, args),
        nonces,
        policy,
        ...(backend === undefined ? {} : { backend }),
        ...(authorities.length === 0 ? {} : { authorities }),
        ...(trustedProxies.length === 0 ? {} : { trustedProxies, forwardedHeader }),
        ...(recordUsage === undefined ? {} : { onVerified: recordUsage, onRejected: recordUsage }),
        ...(admit === undefined ? {} : { admit }),
      })
    } catch (cause) {
      throw usage(COMMAND, cause instanceof Error ? cause.message : String(cause))
    }
    server = createServer(handler(verifier, upstream, has(args, 'debug'), secretScanning))
    // Slow-loris protection: a request must arrive in full within 30 s.
    server.requestTimeout = 30_000
    server.headersTimeout = 10_000
    const address = await listen(server, host, port)
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
    io.stdout(`listening on http://${shown}:${address.port}\n`)
  } catch (error) {
    await releaseAll()
    throw error
  }
  await waitForAbort(io.signal)
  await closeServer(server)
  await releaseAll()
  return 0
}
