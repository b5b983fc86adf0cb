/**
 * Who may talk to the console: the checks every request passes before it reaches a handler.
 *
 * A page on loopback is still reachable from any other site's JavaScript running in the same
 * browser. Three checks keep those sites out:
 *
 * - **Host.** Every request must name the console's own address in `Host`. A DNS-rebinding
 *   page (`evil.example` re-pointed at 127.0.0.1) sends its own name there, so it can neither
 *   read the page (and the token in it) nor call the API as a same-origin page.
 * - **Origin.** A request that changes anything (every POST) must come from the console's own
 *   origin: `Origin` equal to it, or, when a browser sends no `Origin`, `Sec-Fetch-Site:
 *   same-origin`. A request with neither is refused: browsers send one of them on every POST.
 * - **Token.** Every POST carries the per-session token from the page in `X-Signet-Console-Token`.
 *   Another origin cannot read the page to learn it, and a custom header cannot be sent across
 *   origins without a CORS preflight, which the console never grants.
 *
 * The token is compared in constant time.
 *
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'

/** The header that carries the session token. */
export const TOKEN_HEADER = 'x-signet-console-token'

/** Why a request was refused: a stable code, an HTTP status and words. */
export interface Refusal {
  readonly status: number
  readonly code: 'ERR_HOST_NOT_ALLOWED' | 'ERR_CROSS_ORIGIN' | 'ERR_CONSOLE_TOKEN'
  readonly message: string
}

/** The request members the guard reads (lower-case header names, as Node gives them). */
export interface GuardedRequest {
  readonly method: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

/** A new session token: 32 random bytes, base64url. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url')
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The console's guard for one listening address.
 *
 * @param authorities - the `Host` values accepted (`127.0.0.1:8081`, `localhost:8081`, ...)
 * @param token - the session token the page carries
 * @returns a check that answers undefined for an allowed request, else the refusal
 * @example
 * ```ts
 * const check = createGuard(['127.0.0.1:8081'], token)
 * const refusal = check({ method: req.method ?? 'GET', headers: req.headers })
 * ```
 */
export function createGuard(authorities: readonly string[], token: string): (request: GuardedRequest) => Refusal | undefined {
  if (authorities.length === 0) throw new TypeError('"authorities" expected at least one host:port')
  if (typeof token !== 'string' || token.length < 32) throw new TypeError('"token" expected at least 32 characters')
  const hosts = new Set(authorities.map((a) => a.toLowerCase()))
  const origins = new Set(authorities.map((a) => `http://${a.toLowerCase()}`))
  return (request) => {
    const host = one(request.headers['host'])?.toLowerCase()
    if (host === undefined || !hosts.has(host)) {
      return { status: 421, code: 'ERR_HOST_NOT_ALLOWED', message: 'this console answers only to its own address in Host' }
    }
    if (request.method === 'GET' || request.method === 'HEAD') return undefined
    const origin = one(request.headers['origin'])
    const site = one(request.headers['sec-fetch-site'])
    const sameOrigin = origin !== undefined ? origins.has(origin.toLowerCase()) : site === 'same-origin'
    if (!sameOrigin) return { status: 403, code: 'ERR_CROSS_ORIGIN', message: 'state-changing requests must come from the console page itself' }
    if (!sameToken(one(request.headers[TOKEN_HEADER]), token)) {
      return { status: 403, code: 'ERR_CONSOLE_TOKEN', message: `missing or wrong ${TOKEN_HEADER}: reload the console page` }
    }
    return undefined
  }
}

/**
 * The `Host` values a console listening on an address answers to: that address; `localhost` as
 * well for a loopback address (browsers open either); the name given to `--host`, if one was;
 * and for a wildcard address (`0.0.0.0`, `::`) every address of this machine's interfaces.
 *
 * @param listening - the address listened on as printed (an IPv6 address in brackets)
 * @param port - the listening port
 * @param options - `given`: the `--host` value as typed; `interfaces`: this machine's addresses
 *   (for a wildcard bind)
 * @returns the accepted authorities
 * @example
 * ```ts
 * consoleAuthorities('127.0.0.1', 8081) // ['127.0.0.1:8081', 'localhost:8081', '[::1]:8081']
 * ```
 */
export function consoleAuthorities(listening: string, port: number, options: { given?: string; interfaces?: readonly string[] } = {}): string[] {
  const bracket = (a: string): string => (a.includes(':') && !a.startsWith('[') ? `[${a}]` : a)
  const list = [`${bracket(listening)}:${port}`]
  if (options.given !== undefined && options.given !== '') list.push(`${bracket(options.given)}:${port}`)
  const loopback = ['127.0.0.1', '[::1]', 'localhost']
  if (loopback.includes(listening) || listening.startsWith('127.')) list.push(...loopback.map((a) => `${a}:${port}`))
  if (listening === '0.0.0.0' || listening === '[::]') {
    list.push(...loopback.map((a) => `${a}:${port}`), ...(options.interfaces ?? []).map((a) => `${bracket(a)}:${port}`))
  }
  return [...new Set(list.map((a) => a.toLowerCase()))]
}
