/**
 * The client address and scheme of a request, from the socket, or from forwarding fields only
 * when the socket peer is an explicitly trusted proxy.
 *
 * `Forwarded` (RFC 7239) and `X-Forwarded-For` can be written by anyone; believing them from an
 * untrusted peer lets a caller pick the address its key's IP rules see. So they are read only
 * when the peer is in `trustedProxies`, and walked from the nearest hop outwards, stopping at the
 * first hop that is not itself a trusted proxy (RFC 7239 section 7.4). `CF-Connecting-IP` is
 * believed only when the deployment says it runs behind Cloudflare (Workers), where the edge
 * overwrites it.
 *
 * @module
 */
import type { FieldLine } from '@signet/core'
import { compileIpList, parseIp } from './ip-rules.ts'
import type { IpList } from './ip-rules.ts'

const DOTTED_QUAD = /^(?:::ffff:)?((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})$/i

/** How to find the real client behind proxies. */
export interface ForwardingOptions {
  /** Proxies whose forwarding fields are believed: addresses or CIDR ranges. Default: none. */
  readonly trustedProxies?: readonly string[] | undefined
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

function fieldValues(fields: readonly FieldLine[], name: string): string[] {
  const out: string[] = []
  for (const f of fields) if (f.name === name) out.push(f.value)
  return out
}

// Splits a comma list, honouring quoted strings (Forwarded values may quote "[v6]:port").
function splitList(value: string, separator: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string
    if (ch === '"') quoted = !quoted
    if (ch === separator && !quoted) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  parts.push(current)
  return parts.map((p) => p.trim()).filter((p) => p !== '')
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value
}

// Node ("[::1]:1234", "1.2.3.4:80") or a bare address; undefined for obfuscated or unknown nodes.
function nodeAddress(node: string): string | undefined {
  let text = unquote(node.trim())
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end === -1) return undefined
    text = text.slice(1, end)
  } else if (text.split(':').length === 2) {
    text = text.slice(0, text.indexOf(':'))
  }
  const parsed = parseIp(text)
  return parsed === undefined ? undefined : parsed.toString()
}

interface Hop {
  readonly address: string | undefined
  readonly proto: string | undefined
}

function forwardedHops(fields: readonly FieldLine[]): Hop[] | undefined {
  const values = fieldValues(fields, 'forwarded')
  if (values.length > 0) {
    const hops: Hop[] = []
    for (const element of splitList(values.join(','), ',')) {
      let address: string | undefined
      let proto: string | undefined
      for (const pair of splitList(element, ';')) {
        const eq = pair.indexOf('=')
        if (eq === -1) continue
        const name = pair.slice(0, eq).trim().toLowerCase()
        const value = pair.slice(eq + 1).trim()
        if (name === 'for') address = nodeAddress(value)
        else if (name === 'proto') proto = unquote(value).toLowerCase()
      }
      hops.push({ address, proto })
    }
    return hops
  }
  const xff = fieldValues(fields, 'x-forwarded-for')
  if (xff.length === 0) return undefined
  const protos = splitList(fieldValues(fields, 'x-forwarded-proto').join(','), ',').map((p) => p.toLowerCase())
  const hops = splitList(xff.join(','), ',').map((node): Hop => ({ address: nodeAddress(node), proto: undefined }))
  // X-Forwarded-Proto has no per-hop structure; its nearest value belongs to the nearest hop.
  const last = hops[hops.length - 1]
  if (last !== undefined && protos.length > 0) hops[hops.length - 1] = { address: last.address, proto: protos[protos.length - 1] }
  return hops
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
 * Compile forwarding options once, at factory time.
 *
 * @throws {TypeError} when a trusted proxy rule is not an address or CIDR range.
 * @example
 * ```ts
 * const fwd = createForwarding({ trustedProxies: ['10.0.0.0/8'] })
 * fwd.resolve('10.0.0.5', [{ name: 'x-forwarded-for', value: '203.0.113.9' }]).clientIp // '203.0.113.9'
 * ```
 */
export function createForwarding(options: ForwardingOptions = {}): Forwarding {
  const rules = options.trustedProxies ?? []
  if (!Array.isArray(rules)) throw new TypeError('"trustedProxies" expected an array of addresses or CIDR ranges')
  const trusted: IpList = compileIpList(rules)
  const cf = options.cfConnectingIp === true
  const normal = (ip: string | undefined): string | undefined => {
    if (ip === undefined) return undefined
    // Hot path: a socket's dotted quad (plain or IPv4-mapped) needs no full parse.
    const quad = DOTTED_QUAD.exec(ip)
    if (quad !== null) return quad[1]
    const parsed = parseIp(ip)
    return parsed === undefined ? undefined : parsed.toString()
  }
  // What a peer address alone decides: its normal form and whether it is a trusted proxy. Every
  // request on a keep-alive connection reports the same address, and a server sees few proxies,
  // so the answer is kept per address string (bounded; cleared when full) instead of running the
  // address regex and an ipaddr.js parse per request.
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
  return {
    resolve(peerIp, fields): ForwardedInfo {
      if (cf) {
        const values = fieldValues(fields, 'cf-connecting-ip')
        if (values.length === 1) return { clientIp: normal(values[0]), proto: undefined }
      }
      if (peerIp === undefined) return UNKNOWN_PEER
      const info = peerInfo(peerIp)
      if (!info.trusted) return info.direct
      const peer = info.direct.clientIp as string
      const hops = forwardedHops(fields)
      if (hops === undefined || hops.length === 0) return { clientIp: peer, proto: undefined }
      const nearest = hops[hops.length - 1] as Hop
      const proto = nearest.proto === 'http' || nearest.proto === 'https' ? nearest.proto : undefined
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i] as Hop
        // An unparseable hop ends the walk: nothing to its left can be attributed.
        if (hop.address === undefined) return { clientIp: undefined, proto }
        if (!trusted.contains(hop.address) || i === 0) return { clientIp: hop.address, proto }
      }
      return { clientIp: peer, proto }
    },
  }
}
