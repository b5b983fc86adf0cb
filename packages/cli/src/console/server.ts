/**
 * The console's HTTP server: the page, and a small JSON API over the registry.
 *
 * ```
 * GET  /                              the page (the session token in a meta element)
 * GET  /app.js, /app.css              its script and styles
 * GET  /api/keys                      every key, as key-view.ts shows it (never a secret)
 * GET  /api/keys/KEYID/usage?by=B     usage over time (usage-series.ts)
 * GET  /api/keys/KEYID/rotation       the rotation chain through the key
 * GET  /api/keys/KEYID/audit          the key's audit entries, newest first (at most 100)
 * POST /api/inspect                   { request, key?, clientScheme?, serverScheme?, serverAuthority?, label? }
 * POST /api/keys/KEYID/ACTION         disable | enable | revoke | rotate, with { confirm: KEYID }
 * ```
 *
 * Every request passes guard.ts first (Host, and for POST the origin and the session token).
 * An action changes the registry only when its body repeats the key id in `confirm`: the page
 * sends it after its user confirmed, so a stray call changes nothing. The successor's secret
 * from `rotate` is in that one answer and nowhere else; the console keeps no copy. Keys pasted
 * into the inspector live for one call: they are not logged, stored or echoed.
 *
 * Errors are JSON `{ "code", "message" }` with the registry's codes (`ERR_KEY_NOT_FOUND`,
 * `ERR_INVALID_STATE`, ...) and the console's own: `ERR_NOT_FOUND`, `ERR_METHOD_NOT_ALLOWED`,
 * `ERR_BODY_TOO_LARGE`, `ERR_USAGE` (a body that is not the JSON expected) and the guard's.
 *
 * @module
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { SignetError, isSignetError } from '@signet/core'
import { assertKeyId, parseDuration } from '@signet/registry'
import type { Registry } from '@signet/registry'
import { loadConsoleAssets } from './assets.ts'
import type { ConsoleAssets } from './assets.ts'
import { consoleAuthorities, createGuard, newSessionToken } from './guard.ts'
import { MAX_REQUEST_CHARS, inspectRequest } from './inspect.ts'
import type { InspectRequest } from './inspect.ts'
import { keyView, rotationChain } from './key-view.ts'
import { UsageHistory } from './usage-series.ts'
import type { BucketSize, ReadUsage } from './usage-series.ts'

/** How the console is started. */
export interface ConsoleOptions {
  readonly registry: Registry
  /** Listening address (default 127.0.0.1). */
  readonly host?: string
  /** Listening port (default 8081; 0 picks a free one). */
  readonly port?: number
  /** Who acts, for the audit log. */
  readonly actor?: string
  /** The clock in unix seconds. */
  readonly now?: () => number
  /** How often usage totals are sampled for a registry without buckets, ms (default 5000). */
  readonly sampleIntervalMs?: number
}

/** A running console. */
export interface RunningConsole {
  /** `http://H:P` */
  readonly url: string
  /** Stop accepting connections, let requests in flight finish, and stop sampling. */
  close(): Promise<void>
}

/** Largest request body read, bytes (a pasted request plus a key, as JSON). */
const MAX_BODY_BYTES = 2 * MAX_REQUEST_CHARS + 65_536
/** How long requests in flight may run after shutdown begins, ms. */
const SHUTDOWN_GRACE_MS = 2000

class HttpProblem extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** HTTP statuses for registry and inspector errors. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ERR_KEY_NOT_FOUND: 404,
  ERR_KEY_ID_MALFORMED: 400,
  ERR_INVALID_STATE: 409,
  ERR_USAGE: 400,
  ERR_INVALID_EXPIRY: 400,
  ERR_KEY_INVALID: 400,
  ERR_KEY_UNSUPPORTED: 400,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_REGISTRY_LOCKED: 503,
}

const SECURITY_HEADERS = {
  // The page loads only its own script and styles; nothing may frame it (the confirm step
  // cannot be clickjacked); no referrer leaves it.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
} as const

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(bytes.length) })
  res.end(bytes)
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value))
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, 'ERR_BODY_TOO_LARGE', `the request body is over ${MAX_BODY_BYTES} bytes`))
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve(text === '' ? {} : JSON.parse(text))
      } catch {
        reject(new HttpProblem(400, 'ERR_USAGE', 'the request body is not JSON'))
      }
    })
  })
}

function stringMember(body: Record<string, unknown>, name: string, required = false): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) {
    if (required) throw new HttpProblem(400, 'ERR_USAGE', `"${name}" is required`)
    return undefined
  }
  if (typeof value !== 'string') throw new HttpProblem(400, 'ERR_USAGE', `"${name}" expected a string`)
  return value
}

function objectBody(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpProblem(400, 'ERR_USAGE', 'the request body must be a JSON object')
  return value as Record<string, unknown>
}

/** The registry's `usage(keyid, { since, by })`; a registry keeping totals ignores the options. */
function usageReader(registry: Registry): ReadUsage {
  const usage = registry.usage.bind(registry) as (keyid: string, options?: unknown) => Promise<unknown>
  return (keyid, options) => usage(keyid, options)
}

/**
 * Start the console.
 *
 * @param options - the open registry, the address, the clock
 * @returns the console's address and how to stop it
 * @throws {SignetError} `ERR_IO` when the address cannot be bound; what loading the page's files throws
 * @example
 * ```ts
 * const running = await startConsole({ registry, port: 0 })
 * await running.close()
 * ```
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { registry } = options
  const now = options.now ?? ((): number => Date.now() / 1000)
  const assets: ConsoleAssets = await loadConsoleAssets()
  const token = newSessionToken()
  const created = new Map<string, number>()
  const history = new UsageHistory(usageReader(registry), now, (keyid) => created.get(keyid))
  const actorOption = options.actor === undefined ? {} : { actor: options.actor }
  let check: ReturnType<typeof createGuard> | undefined
  const page = Buffer.from(assets.html.replace('%%TOKEN%%', token))

  async function sampleAll(): Promise<void> {
    const keys = await registry.list()
    for (const k of keys) {
      created.set(k.keyid, k.created)
      const totals = await registry.usage(k.keyid).catch(() => undefined)
      if (totals !== undefined && !Array.isArray(totals)) history.record(k.keyid, totals)
    }
  }

  async function keyAction(keyid: string, action: string, body: Record<string, unknown>): Promise<unknown> {
    const confirm = stringMember(body, 'confirm')
    if (confirm !== keyid) throw new HttpProblem(400, 'ERR_USAGE', `"confirm" must repeat the key id: ${action} changes nothing without it`)
    switch (action) {
      case 'disable':
        return { key: keyView(await registry.disable(keyid, actorOption)) }
      case 'enable':
        return { key: keyView(await registry.enable(keyid, actorOption)) }
      case 'revoke':
        return { key: keyView(await registry.revoke(keyid, actorOption)) }
      case 'rotate': {
        const overlapText = stringMember(body, 'overlap')
        const publicKeyText = stringMember(body, 'publicKey')
        let overlapSeconds: number | undefined
        if (overlapText !== undefined && overlapText !== '') {
          try {
            overlapSeconds = overlapText === '0' ? 0 : parseDuration(overlapText, 'overlap')
          } catch (error) {
            throw new HttpProblem(400, 'ERR_USAGE', error instanceof Error ? error.message : String(error))
          }
        }
        let publicKey: JsonWebKey | string | undefined
        if (publicKeyText !== undefined && publicKeyText.trim() !== '') {
          const trimmed = publicKeyText.trim()
          try {
            publicKey = trimmed.startsWith('{') ? (JSON.parse(trimmed) as JsonWebKey) : trimmed
          } catch {
            throw new HttpProblem(400, 'ERR_KEY_INVALID', 'the public key is not valid JSON (paste a public JWK or PEM)')
          }
        }
        const rotated = await registry.rotate(keyid, {
          ...actorOption,
          ...(overlapSeconds === undefined ? {} : { overlapSeconds }),
          ...(publicKey === undefined ? {} : { publicKey }),
        })
        // The one answer that carries the successor's secret (shown once, as `signet keys rotate`
        // prints it): only the members that hold it, beside the safe view.
        const shown: Record<string, unknown> = {}
        if (rotated.secret !== undefined) shown['secret'] = rotated.secret
        if (rotated.privateKey !== undefined) shown['privateKey'] = rotated.privateKey
        return { key: keyView(rotated), previous: rotated.previous, once: shown }
      }
      default:
        throw new HttpProblem(404, 'ERR_NOT_FOUND', `no action ${JSON.stringify(action.slice(0, 20))}: disable, enable, revoke or rotate`)
    }
  }

  async function api(req: IncomingMessage, path: string, query: URLSearchParams): Promise<unknown> {
    const method = req.method ?? 'GET'
    if (path === '/api/keys') {
      if (method !== 'GET') throw new HttpProblem(405, 'ERR_METHOD_NOT_ALLOWED', 'GET only')
      const keys = await registry.list()
      for (const k of keys) created.set(k.keyid, k.created)
      return { now: Math.floor(now()), keys: keys.map(keyView) }
    }
    if (path === '/api/inspect') {
      if (method !== 'POST') throw new HttpProblem(405, 'ERR_METHOD_NOT_ALLOWED', 'POST only')
      const body = objectBody(await readBody(req))
      const input: InspectRequest = {
        request: stringMember(body, 'request', true) as string,
        key: stringMember(body, 'key'),
        clientScheme: stringMember(body, 'clientScheme'),
        serverScheme: stringMember(body, 'serverScheme'),
        serverAuthority: stringMember(body, 'serverAuthority'),
        label: stringMember(body, 'label'),
      }
      try {
        return await inspectRequest(input, async (keyid) => (await registry.resolve(keyid).catch(() => undefined)) ?? undefined, now())
      } catch (error) {
        if (error instanceof TypeError || error instanceof RangeError) throw new HttpProblem(400, 'ERR_USAGE', error.message)
        throw error
      }
    }
    const match = /^\/api\/keys\/([^/]+)\/([a-z]+)$/.exec(path)
    if (match === null) throw new HttpProblem(404, 'ERR_NOT_FOUND', 'no such endpoint')
    const keyid = decodeURIComponent(match[1] as string)
    const what = match[2] as string
    assertKeyId(keyid)
    if (what === 'usage' || what === 'rotation' || what === 'audit') {
      if (method !== 'GET') throw new HttpProblem(405, 'ERR_METHOD_NOT_ALLOWED', 'GET only')
      if (what === 'audit') {
        await registry.get(keyid)
        // The key's own entries, newest first; audit entries never hold a secret.
        const entries = (await registry.audit()).filter((e) => e.keyid === keyid)
        return { keyid, entries: entries.slice(-100).reverse() }
      }
      if (what === 'rotation') {
        await registry.get(keyid)
        return { keyid, now: Math.floor(now()), chain: rotationChain(await registry.list(), keyid) }
      }
      const by = query.get('by') ?? 'minute'
      if (by !== 'minute' && by !== 'hour' && by !== 'day') throw new HttpProblem(400, 'ERR_USAGE', '"by" expected minute, hour or day')
      if (!created.has(keyid)) created.set(keyid, (await registry.get(keyid)).created)
      return history.series(keyid, by as BucketSize)
    }
    if (method !== 'POST') throw new HttpProblem(405, 'ERR_METHOD_NOT_ALLOWED', 'POST only')
    return keyAction(keyid, what, objectBody(await readBody(req)))
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = (check as ReturnType<typeof createGuard>)({ method: req.method ?? 'GET', headers: req.headers })
    if (refusal !== undefined) {
      req.resume()
      return sendJson(res, refusal.status, { code: refusal.code, message: refusal.message })
    }
    const url = new URL(req.url ?? '/', 'http://console.invalid')
    const path = url.pathname
    if (!path.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { code: 'ERR_METHOD_NOT_ALLOWED', message: 'GET only' })
      if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', page)
      if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', assets.script)
      if (path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', assets.style)
      return sendJson(res, 404, { code: 'ERR_NOT_FOUND', message: 'no such page' })
    }
    try {
      sendJson(res, 200, await api(req, path, url.searchParams))
    } catch (error) {
      if (error instanceof HttpProblem) return sendJson(res, error.status, { code: error.code, message: error.message })
      if (isSignetError(error)) return sendJson(res, STATUS_BY_CODE[error.code] ?? 400, { code: error.code, message: error.message })
      if (error instanceof TypeError || error instanceof RangeError) return sendJson(res, 400, { code: 'ERR_USAGE', message: error.message })
      sendJson(res, 500, { code: 'ERR_INTERNAL', message: 'the console failed to answer' })
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  const host = options.host ?? '127.0.0.1'
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SignetError('ERR_IO', `signet console: cannot listen on ${host}:${options.port ?? 8081} (${error.code ?? error.message})`, { cause: error })),
    )
    server.listen(options.port ?? 8081, host, () => resolve(server.address() as AddressInfo))
  })
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const interfaces = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address))
  check = createGuard(consoleAuthorities(shown, address.port, { given: host, interfaces }), token)

  // A registry without usage buckets: sample the totals so the chart has a history. The first
  // sample is the baseline and is taken before the console announces itself.
  await sampleAll().catch(() => undefined)
  let sampling: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    sampling = sampling.then(() => sampleAll()).catch(() => undefined)
  }, options.sampleIntervalMs ?? 5000)
  timer.unref()

  return {
    url: `http://${shown}:${address.port}`,
    close: async () => {
      clearInterval(timer)
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS)
        server.close(() => {
          clearTimeout(force)
          resolve()
        })
        server.closeIdleConnections()
      })
      await sampling
    },
  }
}
