/**
 * The transports of a directory fetch: `node:http`/`node:https` with the address pinned after
 * the DNS answer was checked, or `fetch` with `redirect: 'manual'`; both bounded in time and
 * bytes. See `directory-fetch.ts` for the rules. Loaded by `fetchDirectory` on first use (a
 * dynamic import), so the server's cold import does not compile it.
 *
 * @module
 */
import { SignetError, concatBytes, readBounded } from '@signet/core/verifying'
import { parseIp } from '../ip-rules.ts'
import { bareHost, isLoopbackAddress, isPublicAddress, refused, unavailable } from './directory-target.ts'
import type { DirectoryFetch, DirectoryFetchResult } from './directory-target.ts'

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

export function nodeModules(): NodeModules | undefined {
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

export function nodeGet(
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

export async function fetchGet(doFetch: DirectoryFetch, target: URL, headers: Record<string, string>, timeoutMs: number, maxBytes: number): Promise<DirectoryFetchResult> {
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
    const body = response.body === null ? new Uint8Array(0) : await readBounded(response.body, maxBytes)
    if (body === undefined) throw unavailable(`the directory body exceeds ${maxBytes} bytes`)
    return { url: target.href, status: response.status, headers: fields, body }
  } catch (error) {
    if (error instanceof SignetError) throw error
    if (timedOut) throw unavailable(`the directory did not answer within ${timeoutMs} ms`, error)
    throw unavailable('the directory connection failed', error)
  } finally {
    clearTimeout(timer)
  }
}
