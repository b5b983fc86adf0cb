/**
 * The client address and scheme of a request, from the socket, or from forwarding fields only
 * when the socket peer is an explicitly trusted proxy.
 *
 * `Forwarded` (RFC 7239) and `X-Forwarded-For` can be written by anyone; believing them from an
 * untrusted peer lets a caller pick the address its key's IP rules see. So they are read only
 * when the peer is in `trustedProxies`, and walked from the nearest hop outwards, stopping at the
 * first hop that is not itself a trusted proxy (RFC 7239 section 7.4). Only one of the two
 * fields is read, the one the deployment names in `forwardedHeader`, and the scheme comes from
 * that same source: a proxy that appends `X-Forwarded-For` passes a client's own `Forwarded`
 * through untouched, so preferring it would hand the client its choice of address and scheme.
 * The walk parses hops lazily, without exceptions, and gives up after a fixed number of hops,
 * so a forged 16 KB chain costs no more than a short one. `CF-Connecting-IP` is
 * believed only when the deployment says it runs behind Cloudflare (Workers), where the edge
 * overwrites it.
 *
 * @module
 */
import type { FieldLine } from '@signet/core'
import { parseIpAddress } from './ip-address.ts'
import type { IpAddress } from './ip-address.ts'
import { compileIpList, parseIp } from './ip-rules.ts'
import type { IpList } from './ip-rules.ts'

/** Which forwarding field a deployment's trusted proxies write. */
export type ForwardedHeader = 'x-forwarded-for' | 'forwarded'

/** The most hops walked in one forwarding field; a longer chain of trusted hops is unknown. */
export const MAX_FORWARDED_HOPS = 32

/** How to find the real client behind proxies. */
export interface ForwardingOptions {
  /** Proxies whose forwarding fields are believed: addresses or CIDR ranges. Default: none. */
  readonly trustedProxies?: readonly string[] | undefined
  /**
   * The one field the trusted proxies write: `'x-forwarded-for'` (with `X-Forwarded-Proto`;
   * nginx, HAProxy, cloud load balancers) or `'forwarded'` (RFC 7239, `for=` and `proto=`).
   * Required when `trustedProxies` is not empty: the other field passes through such a proxy
   * untouched, so reading it would let the client choose its own address.
   */
  readonly forwardedHeader?: ForwardedHeader | undefined
  /** Believe `CF-Connecting-IP` (set only when deployed on Cloudflare). Default false. */
  readonly cfConnectingIp?: boolean | undefined
}

/** What the forwarding analysis found. */
export interface ForwardedInfo {
  /** The client address, or undefined when unknown. */
  readonly clientIp: string | undefined
  /** The scheme a trusted proxy reported (`http` or `https`), or undefined. */
  readonly proto: string | undefined
}

/** The values of every field line named `name`, joined as one list (RFC 9110 section 5.3). */
function joinedValues(fields: readonly FieldLine[], name: string): string | undefined {
  let out: string | undefined
  for (const f of fields) if (f.name === name) out = out === undefined ? f.value : `${out},${f.value}`
  return out
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value
}

// Node ("[::1]:1234", "1.2.3.4:80") or a bare address; undefined for obfuscated or unknown nodes.
function nodeAddress(node: string): IpAddress | undefined {
  let text = unquote(node.trim())
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end === -1) return undefined
    text = text.slice(1, end)
  } else {
    const colon = text.indexOf(':')
    if (colon !== -1 && text.indexOf(':', colon + 1) === -1) text = text.slice(0, colon)
  }
  return parseIpAddress(text)
}

/** One hop of a forwarding list: the node's address (undefined when not an IP) and scheme. */
interface Hop {
  readonly address: IpAddress | undefined
  readonly proto: string | undefined
}

/**
 * The start of the last comma-separated member of `value[0, end)`: the index after its comma,
 * or 0. Commas inside quoted strings (a Forwarded `for="[v6]:port"`) do not separate members.
 * Scanning from the right touches only the hops the walk reaches, not the whole field.
 */
function lastMemberStart(value: string, end: number, quotes: boolean): number {
  let quoted = false
  for (let i = end - 1; i >= 0; i--) {
    const c = value.charCodeAt(i)
    if (quotes && c === 0x22 && (i === 0 || value.charCodeAt(i - 1) !== 0x5c || !quoted)) quoted = !quoted
    else if (c === 0x2c && !quoted) return i + 1
  }
  return 0
}

/** One Forwarded element's `for` and `proto` (RFC 7239 section 4). */
function forwardedElement(element: string): Hop {
  let address: IpAddress | undefined
  let proto: string | undefined
  let start = 0
  while (start <= element.length) {
    // A quoted value may hold a ';' (RFC 7239 section 4: values are tokens or quoted strings).
    let end = start
    let quoted = false
    for (; end < element.length; end++) {
      const c = element.charCodeAt(end)
      if (c === 0x22) quoted = !quoted
      else if (c === 0x5c && quoted) end++
      else if (c === 0x3b && !quoted) break
    }
    const pair = element.slice(start, end)
    const eq = pair.indexOf('=')
    if (eq !== -1) {
      const name = pair.slice(0, eq).trim().toLowerCase()
      if (name === 'for') address = nodeAddress(pair.slice(eq + 1))
      else if (name === 'proto') proto = unquote(pair.slice(eq + 1).trim()).toLowerCase()
    }
    start = end + 1
  }
  return { address, proto }
}

function httpScheme(proto: string | undefined): string | undefined {
  return proto === 'http' || proto === 'https' ? proto : undefined
}

interface PeerInfo {
  /** The answer when the forwarding fields are not read: the peer itself, frozen (shared). */
  readonly direct: ForwardedInfo
  readonly trusted: boolean
}

const UNKNOWN_PEER: ForwardedInfo = Object.freeze({ clientIp: undefined, proto: undefined })
const PEER_CACHE_SIZE = 1024

/** A compiled forwarding policy. */
export interface Forwarding {
  /** Analyse one request: `peerIp` is the socket's remote address (or the runtime's report). */
  resolve(peerIp: string | undefined, fields: readonly FieldLine[]): ForwardedInfo
}

/**
 * Walk a forwarding list from the right (the hop nearest this server) towards the client,
 * stopping at the first hop that is not a trusted proxy: that hop is the client. Each hop is
 * parsed only when the walk reaches it, and at most {@link MAX_FORWARDED_HOPS} are looked at,
 * so a long forged chain costs no more than a short one.
 *
 * @param value - the joined field value.
 * @param quotes - whether members may be quoted strings (Forwarded).
 * @param hop - the address and scheme of one member.
 * @param fallback - the answer when every member is empty: the peer itself.
 */
function walk(
  value: string,
  quotes: boolean,
  trusted: IpList,
  hop: (member: string) => Hop,
  fallback: ForwardedInfo,
): ForwardedInfo {
  let end = value.length
  let last: ForwardedInfo = fallback
  for (let seen = 0; seen < MAX_FORWARDED_HOPS && end >= 0; seen++) {
    const start = lastMemberStart(value, end, quotes)
    const member = value.slice(start, end)
    end = start - 1
    if (member.trim() === '') continue
    const { address, proto } = hop(member)
    // An unparseable hop ends the walk: nothing to its left can be attributed.
    if (address === undefined) return { clientIp: undefined, proto }
    if (!trusted.contains(address)) return { clientIp: address.toString(), proto }
    last = { clientIp: address.toString(), proto }
  }
  // Every hop was a trusted proxy: the leftmost one is the client. A chain longer than the cap
  // is not walked further, and its client is unknown.
  return end < 0 ? last : { clientIp: undefined, proto: last.proto }
}

/**
 * Compile forwarding options once, at factory time.
 *
 * @throws {TypeError} when a trusted proxy rule is not an address or CIDR range, or when
 *   `trustedProxies` is set without `forwardedHeader`.
 * @example
 * ```ts
 * const fwd = createForwarding({ trustedProxies: ['10.0.0.0/8'], forwardedHeader: 'x-forwarded-for' })
 * fwd.resolve('10.0.0.5', [{ name: 'x-forwarded-for', value: '203.0.113.9' }]).clientIp // '203.0.113.9'
 * ```
 */
export function createForwarding(options: ForwardingOptions = {}): Forwarding {
  const rules = options.trustedProxies ?? []
  if (!Array.isArray(rules)) throw new TypeError('"trustedProxies" expected an array of addresses or CIDR ranges')
  const trusted: IpList = compileIpList(rules)
  const source = options.forwardedHeader
  if (source !== undefined && source !== 'x-forwarded-for' && source !== 'forwarded') {
    throw new TypeError(`"forwardedHeader" expected 'x-forwarded-for' or 'forwarded', got ${JSON.stringify(source)}`)
  }
  if (rules.length > 0 && source === undefined) {
    throw new TypeError('"forwardedHeader" is required with "trustedProxies": name the one field your proxies write (\'x-forwarded-for\' or \'forwarded\')')
  }
  const cf = options.cfConnectingIp === true
  const normal = (ip: string | undefined): string | undefined => (ip === undefined ? undefined : parseIp(ip)?.toString())
  // What a peer address alone decides: its normal form and whether it is a trusted proxy. Every
  // request on a keep-alive connection reports the same address, and a server sees few proxies,
  // so the answer is kept per address string (bounded; cleared when full).
  const peers = new Map<string, PeerInfo>()
  const peerInfo = (peerIp: string): PeerInfo => {
    let info = peers.get(peerIp)
    if (info === undefined) {
      const clientIp = normal(peerIp)
      const direct: ForwardedInfo = Object.freeze({ clientIp, proto: undefined })
      info = { direct, trusted: clientIp !== undefined && trusted.ranges.length > 0 && trusted.contains(clientIp) }
      if (peers.size >= PEER_CACHE_SIZE) peers.clear()
      peers.set(peerIp, info)
    }
    return info
  }
  const fromXff = (fields: readonly FieldLine[], peer: ForwardedInfo): ForwardedInfo => {
    const xff = joinedValues(fields, 'x-forwarded-for')
    if (xff === undefined) return peer
    // X-Forwarded-Proto has no per-hop structure: its nearest value is the trusted peer's word.
    const xfp = joinedValues(fields, 'x-forwarded-proto')
    const proto = xfp === undefined ? undefined : httpScheme(xfp.slice(lastMemberStart(xfp, xfp.length, false)).trim().toLowerCase())
    const found = walk(xff, false, trusted, (member) => ({ address: nodeAddress(member), proto }), peer)
    return found.proto === proto ? found : { clientIp: found.clientIp, proto }
  }
  const fromForwarded = (fields: readonly FieldLine[], peer: ForwardedInfo): ForwardedInfo => {
    const value = joinedValues(fields, 'forwarded')
    if (value === undefined) return peer
    // The element where the walk stops was written by a trusted proxy about its own client, so
    // its `proto` is the scheme the client used.
    const found = walk(value, true, trusted, forwardedElement, peer)
    return { clientIp: found.clientIp, proto: httpScheme(found.proto) }
  }
  return {
    resolve(peerIp, fields): ForwardedInfo {
      if (cf) {
        let value: string | undefined
        let count = 0
        for (const f of fields) if (f.name === 'cf-connecting-ip') (value = f.value), count++
        if (count === 1) return { clientIp: normal(value), proto: undefined }
      }
      if (peerIp === undefined) return UNKNOWN_PEER
      const info = peerInfo(peerIp)
      if (!info.trusted) return info.direct
      return source === 'forwarded' ? fromForwarded(fields, info.direct) : fromXff(fields, info.direct)
    },
  }
}
