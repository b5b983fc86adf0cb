/**
 * What a Web Bot Auth directory fetch is allowed to reach, and what it returns: the URL rules of
 * `fetchDirectory` (scheme, credentials, literal and `localhost` hosts) and the address
 * checks the Node transport repeats after DNS resolution. Apart from the transport itself
 * (`directory-transport.ts`), which loads on the first fetch: a server that never fetches a
 * directory never compiles it.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import { parseIp } from '../ip-rules.ts'
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

/** Options of `fetchDirectory`. */
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

export function unavailable(message: string, cause?: unknown): SignetError {
  return new SignetError('ERR_DIRECTORY_UNAVAILABLE', message, cause === undefined ? undefined : { cause })
}

export function refused(message: string): SignetError {
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

export function isLoopbackAddress(address: string): boolean {
  const parsed = parseIp(address)
  return parsed !== undefined && isLoopback(parsed)
}

/** `localhost` and its subdomains always mean this machine (RFC 6761 section 6.3). */
function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

export function bareHost(url: URL): string {
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

