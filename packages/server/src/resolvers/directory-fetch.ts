/**
 * One bounded GET of a Web Bot Auth key directory, with the SSRF rules of
 * draft-ietf-webbotauth-httpsig-protocol section "Server-Side Request Forgery (SSRF)": the URL
 * comes from an untrusted `Signature-Agent` field, so the fetch
 *
 * - goes only to `https:` origins (plain `http:` only to loopback, and only when private
 *   networks are allowed, for tests);
 * - never reaches a private, loopback, link-local or otherwise non-public address unless
 *   `allowPrivateNetworks` is set: the host name is resolved here, every address it resolves to
 *   is checked, and the connection is pinned to the address that was checked (no second DNS
 *   answer, so DNS rebinding cannot swap in an internal address between check and connect);
 * - never follows a redirect (section "Key Distribution and Discovery": a verifier MUST NOT);
 * - stops at `maxBytes` counted as the bytes arrive (a chunked body has no length to trust) and
 *   refuses a compressed body (no `Accept-Encoding` is sent, so none is expected);
 * - aborts when `timeoutMs` has passed since the start, body included (a slow trickle of bytes
 *   does not extend it).
 *
 * On Node, Bun and Deno the fetch uses `node:http`/`node:https`, reached through
 * `process.getBuiltinModule`, which lets it pin the address. Elsewhere (Workers, browsers) it
 * uses `fetch` with `redirect: 'manual'`: literal addresses and `localhost` names are refused,
 * but names that resolve to private addresses cannot be checked there (Workers cannot reach
 * private networks anyway). A caller-supplied `fetch` takes the same path.
 *
 * @module
 */
import { SignetError, concatBytes } from '@signet/core'
import { parseIp } from '../ip-rules.ts'
import { readBounded } from '../read-bounded.ts'
import { isLoopback, isPublicUnicast } from '../ip-address.ts'

/** What came back from a directory fetch. */
export interface DirectoryFetchResult {
  /** The URL fetched. */
  readonly url: string
  readonly status: number
  /** Response fields, names lower-case, repeated fields joined with `, `. */
  readonly headers: ReadonlyMap<string, string>
  /** The body bytes (empty for a 304 or a refused status). */
  readonly body: Uint8Array
}

/** A `fetch` the directory fetch can use instead of the built-in transport. */
export type DirectoryFetch = (input: string, init: RequestInit) => Promise<Response>

/** Options of {@link fetchDirectory}. */
export interface DirectoryFetchOptions {
  /** Abort after this many ms, body included. Default 5000. */
  readonly timeoutMs?: number | undefined
  /** Largest body accepted, in bytes. Default 262 144 (256 KiB). */
  readonly maxBytes?: number | undefined
  /** Allow private and loopback addresses, and plain `http:` on loopback. For tests. Default false. */
  readonly allowPrivateNetworks?: boolean | undefined
  /** Extra request fields (`If-None-Match`, `If-Modified-Since`). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Use this `fetch` instead of `node:https` (no DNS pinning then, see the module doc). */
  readonly fetch?: DirectoryFetch | undefined
}

/** The media type of a key directory (draft-ietf-webbotauth-httpsig-protocol, "Directory Format"). */
export const DIRECTORY_MEDIA_TYPE = 'application/http-message-signatures-directory+json'
/** The well-known path of a key directory. */
export const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory'

const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_MAX_BYTES = 256 * 1024

function unavailable(message: string, cause?: unknown): SignetError {
  return new SignetError('ERR_DIRECTORY_UNAVAILABLE', message, cause === undefined ? undefined : { cause })
}

function refused(message: string): SignetError {
  return new SignetError('ERR_DIRECTORY_REFUSED', message)
}

/**
 * Whether an address may be fetched from: only public unicast addresses. Private,
 * loopback, link-local, unique-local, CGNAT, multicast, reserved and the IPv6 transition ranges
 * (which can embed a private IPv4 address) are all refused.
 *
 * @param address - an IPv4 or IPv6 address.
 * @returns true for a public unicast address.
 */
export function isPublicAddress(address: string): boolean {
  const parsed = parseIp(address)
  return parsed !== undefined && isPublicUnicast(parsed)
}

function isLoopbackAddress(address: string): boolean {
  const parsed = parseIp(address)
  return parsed !== undefined && isLoopback(parsed)
}

/** `localhost` and its subdomains always mean this machine (RFC 6761 section 6.3). */
function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

function bareHost(url: URL): string {
  const host = url.hostname
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/**
 * Check the URL's scheme and, for a literal address or a `localhost` name, its host. Names are
 * checked again after resolution by the Node transport.
 *
 * @throws {SignetError} `ERR_DIRECTORY_REFUSED`
 */
export function checkDirectoryUrl(url: URL, allowPrivateNetworks: boolean): void {
  if (url.username !== '' || url.password !== '') throw refused('a directory URL must not carry credentials')
  const host = bareHost(url)
  const literal = parseIp(host) !== undefined
  if (url.protocol === 'http:') {
    // Plain http only for tests against this machine.
    const loopbackLiteral = literal && isLoopbackAddress(host)
    if (!allowPrivateNetworks || !(loopbackLiteral || isLocalhostName(host))) throw refused('a directory must be served over https')
  } else if (url.protocol !== 'https:') {
    throw refused('a directory must be served over https')
  }
  if (allowPrivateNetworks) return
  if (isLocalhostName(host)) throw refused('a directory on localhost is refused')
  if (literal && !isPublicAddress(host)) throw refused('a directory on a private or reserved address is refused')
}

/**
 * GET a directory URL under the rules of the module doc.
 *
 * @param url - the directory URL (`https:`).
 * @param options - limits and request fields.
 * @returns the status, fields and body; any status is returned, the caller decides.
 * @throws {SignetError} `ERR_DIRECTORY_REFUSED` for a URL the rules refuse,
 *   `ERR_DIRECTORY_UNAVAILABLE` for a failed connection, a timeout or a body over the limit.
 * @example
 * ```ts
 * const result = await fetchDirectory('https://agent.example/.well-known/http-message-signatures-directory')
 * if (result.status === 200) console.log(new TextDecoder().decode(result.body))
 * ```
 */
export async function fetchDirectory(url: string | URL, options: DirectoryFetchOptions = {}): Promise<DirectoryFetchResult> {
  const target = new URL(String(url))
  const allowPrivate = options.allowPrivateNetworks === true
  checkDirectoryUrl(target, allowPrivate)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const headers: Record<string, string> = { accept: DIRECTORY_MEDIA_TYPE, 'accept-encoding': 'identity', ...options.headers }
  const node = options.fetch === undefined ? nodeModules() : undefined
  if (node !== undefined) return nodeGet(node, target, headers, timeoutMs, maxBytes, allowPrivate)
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init))
  return fetchGet(doFetch, target, headers, timeoutMs, maxBytes)
}

// The few members of node:http, node:https and node:dns used here, typed structurally: this
// module is isomorphic and names no node: module statically.
interface NodeIncoming {
  readonly statusCode?: number | undefined
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  on(event: 'end', listener: () => void): unknown
  on(event: 'error', listener: (error: unknown) => void): unknown
}
interface NodeClientRequest {
  on(event: 'error', listener: (error: unknown) => void): unknown
  end(): unknown
  destroy(): unknown
}
interface NodeHttp {
  request(url: URL, options: Record<string, unknown>, callback: (response: NodeIncoming) => void): NodeClientRequest
}
interface NodeDns {
  readonly promises: { lookup(host: string, options: { all: true; verbatim: boolean }): Promise<{ address: string; family: number }[]> }
}
interface NodeModules {
  readonly http: NodeHttp
  readonly https: NodeHttp
  readonly dns: NodeDns
}

let nodeCache: NodeModules | null | undefined

function nodeModules(): NodeModules | undefined {
  if (nodeCache === undefined) {
    const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule
    // workerd's node:http compatibility layer sits on fetch and has no DNS to pin: use fetch there.
    const workers = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'
    if (typeof get !== 'function' || workers) nodeCache = null
    else {
      const http = get('node:http') as NodeModules['http'] | undefined
      const https = get('node:https') as NodeModules['https'] | undefined
      const dns = get('node:dns') as NodeModules['dns'] | undefined
      nodeCache = http !== undefined && https !== undefined && dns !== undefined ? { http, https, dns } : null
    }
  }
  return nodeCache ?? undefined
}

/** Resolve the host, check every address, return the one to connect to. */
async function resolvePinned(dns: NodeModules['dns'], host: string, allowPrivate: boolean, plainHttp: boolean): Promise<{ address: string; family: number }> {
  let addresses: { address: string; family: number }[]
  if (parseIp(host) !== undefined) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }]
  else {
    try {
      addresses = await dns.promises.lookup(host, { all: true, verbatim: true })
    } catch (cause) {
      throw unavailable(`the directory host ${JSON.stringify(host)} does not resolve`, cause)
    }
  }
  if (addresses.length === 0) throw unavailable(`the directory host ${JSON.stringify(host)} does not resolve`)
  // Every address is checked, not only the first: a name with one public and one private
  // address would otherwise be a coin toss away from an internal service.
  for (const { address } of addresses) {
    if (plainHttp && !isLoopbackAddress(address)) throw refused('a directory must be served over https')
    if (!allowPrivate && !isPublicAddress(address)) throw refused('the directory host resolves to a private or reserved address')
  }
  return addresses[0] as { address: string; family: number }
}

function nodeGet(
  node: NodeModules,
  target: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  maxBytes: number,
  allowPrivate: boolean,
): Promise<DirectoryFetchResult> {
  const plainHttp = target.protocol === 'http:'
  return new Promise<DirectoryFetchResult>((resolve, reject) => {
    let settled = false
    let request: NodeClientRequest | undefined
    const finish = (error: SignetError | undefined, result?: DirectoryFetchResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (error !== undefined) {
        request?.destroy()
        reject(error)
      } else resolve(result as DirectoryFetchResult)
    }
    // One deadline for resolution, connection, fields and body together.
    const timer = setTimeout(() => finish(unavailable(`the directory did not answer within ${timeoutMs} ms`)), timeoutMs)
    resolvePinned(node.dns, bareHost(target), allowPrivate, plainHttp).then(
      (pinned) => {
        if (settled) return
        const transport = plainHttp ? node.http : node.https
        request = transport.request(
          target,
          {
            method: 'GET',
            headers,
            // The connection goes to the address checked above, whatever DNS says now.
            lookup: (_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void): void => {
              if (opts.all === true) callback(null, [pinned])
              else callback(null, pinned.address, pinned.family)
            },
            agent: false,
          },
          (response) => {
            const status = response.statusCode ?? 0
            const fields = new Map<string, string>()
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) fields.set(name, Array.isArray(value) ? value.join(', ') : value)
            }
            const encoding = fields.get('content-encoding')
            if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
              finish(unavailable('the directory answered with a compressed body'))
              return
            }
            const declared = Number(fields.get('content-length') ?? '0')
            if (declared > maxBytes) {
              finish(unavailable(`the directory body exceeds ${maxBytes} bytes`))
              return
            }
            const chunks: Uint8Array[] = []
            let size = 0
            response.on('data', (chunk: Uint8Array) => {
              size += chunk.length
              if (size > maxBytes) finish(unavailable(`the directory body exceeds ${maxBytes} bytes`))
              else chunks.push(chunk)
            })
            response.on('end', () => {
              finish(undefined, { url: target.href, status, headers: fields, body: concatBytes(...chunks) })
            })
            response.on('error', (cause) => finish(unavailable('the directory connection failed', cause)))
          },
        )
        request.on('error', (cause) => finish(unavailable('the directory connection failed', cause)))
        request.end()
      },
      (error: SignetError) => finish(error),
    )
  })
}

async function fetchGet(doFetch: DirectoryFetch, target: URL, headers: Record<string, string>, timeoutMs: number, maxBytes: number): Promise<DirectoryFetchResult> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  try {
    const response = await doFetch(target.href, { method: 'GET', headers, redirect: 'manual', signal: controller.signal })
    const fields = new Map<string, string>()
    response.headers.forEach((value, name) => fields.set(name.toLowerCase(), value))
    const declared = Number(fields.get('content-length') ?? '0')
    if (declared > maxBytes) {
      controller.abort()
      throw unavailable(`the directory body exceeds ${maxBytes} bytes`)
    }
    const body = response.body === null ? new Uint8Array(0) : await readBounded(response.body, maxBytes, () => unavailable(`the directory body exceeds ${maxBytes} bytes`))
    return { url: target.href, status: response.status, headers: fields, body }
  } catch (error) {
    if (error instanceof SignetError) throw error
    if (timedOut) throw unavailable(`the directory did not answer within ${timeoutMs} ms`, error)
    throw unavailable('the directory connection failed', error)
  } finally {
    clearTimeout(timer)
  }
}
