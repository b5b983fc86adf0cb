/**
 * IP allow and deny lists: IPv4 and IPv6 addresses and CIDR ranges, over the own parser in
 * `ip-address.ts` (no exceptions for control flow, no CommonJS dependency to load).
 *
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack Node socket reports for an
 * IPv4 peer) is matched as the IPv4 address it carries, and an IPv4 rule written in mapped form
 * (`::ffff:10.0.0.0/104`) is folded back to IPv4, so a rule never fails to apply because of how
 * the socket spelled the address. Rules are parsed once per distinct list and cached.
 *
 * @module
 */
import { inNetwork, parseIpAddress, parseIpNetwork } from './ip-address.ts'
import type { IpAddress } from './ip-address.ts'

type Address = IpAddress

/** One parsed rule: a network address and prefix length. */
export interface IpRange {
  readonly kind: 'ipv4' | 'ipv6'
  readonly address: Address
  readonly prefix: number
}

/**
 * Parse an address, folding IPv4-mapped IPv6 to IPv4; undefined when it is not an IP address.
 * Surrounding spaces and the brackets of an IPv6 literal (`[2001:db8::1]`) are accepted; zone
 * ids (`fe80::1%eth0`) and legacy IPv4 forms (`127.1`) are not addresses.
 *
 * @example parseIp('::ffff:192.0.2.1')?.toString() // '192.0.2.1'
 */
export function parseIp(text: string): Address | undefined {
  if (typeof text !== 'string') return undefined
  let value = text.trim()
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1)
  return parseIpAddress(value)
}

/**
 * Parse one rule: an address (a /32 or /128 range) or a CIDR range.
 *
 * @throws {TypeError} when the rule is neither.
 * @example parseIpRange('2001:db8::/32')
 */
export function parseIpRange(rule: string): IpRange {
  const network = typeof rule === 'string' ? parseIpNetwork(rule.trim()) : undefined
  if (network === undefined) throw new TypeError(`IP rule ${JSON.stringify(rule)} is not an address or CIDR range`)
  return { kind: network.address.kind, address: network.address, prefix: network.prefix }
}

/** A compiled list of ranges. */
export interface IpList {
  readonly ranges: readonly IpRange[]
  /** True when `ip` falls in any range. */
  contains(ip: string | Address): boolean
}

/**
 * Compile a list of addresses and CIDR ranges.
 *
 * @throws {TypeError} for a rule that is not an address or range.
 * @example compileIpList(['10.0.0.0/8', '::1']).contains('::ffff:10.1.2.3') // true
 */
export function compileIpList(rules: readonly string[]): IpList {
  const ranges = rules.map(parseIpRange)
  return {
    ranges,
    contains(ip: string | Address): boolean {
      const address = typeof ip === 'string' ? parseIp(ip) : ip
      if (address === undefined) return false
      for (const range of ranges) if (inNetwork(address, range)) return true
      return false
    },
  }
}

// Records come back from resolvers as fresh objects, but their lists are often the same arrays:
// a list is compiled once per array. The compiled entry keeps a copy of the rules it was built
// from and is rebuilt when the array no longer holds them (a record edited in place), so an
// edited list applies from the next request on, never a stale one.
const cache = new WeakMap<readonly string[], { readonly rules: readonly string[]; readonly list: IpList }>()

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function cached(rules: readonly string[]): IpList {
  const entry = cache.get(rules)
  if (entry !== undefined && sameRules(entry.rules, rules)) return entry.list
  const list = compileIpList(rules)
  cache.set(rules, { rules: [...rules], list })
  return list
}

// Client addresses parsed per string: a client sends many requests from one address, and an
// full parse costs more than the lookup. Bounded; cleared when full. Unparseable strings
// are kept as null so junk is not parsed twice either.
const addresses = new Map<string, Address | null>()
const ADDRESS_CACHE_SIZE = 4096

function parsedAddress(ip: string): Address | undefined {
  let address = addresses.get(ip)
  if (address === undefined) {
    address = parseIp(ip) ?? null
    if (addresses.size >= ADDRESS_CACHE_SIZE) addresses.clear()
    addresses.set(ip, address)
  }
  return address ?? undefined
}

/**
 * Decide whether a client address may use a key: a deny match refuses; a non-empty allow list
 * must match. An unknown client address passes only when the key has no allow list. A key with
 * no lists costs two length checks: the address is not even parsed.
 *
 * @param ip - the client address, or undefined when the runtime did not report one.
 * @returns true when allowed.
 * @throws {TypeError} when a rule in the record is malformed.
 */
export function ipAllowed(ip: string | undefined, allow?: readonly string[], deny?: readonly string[]): boolean {
  const hasDeny = deny !== undefined && deny.length > 0
  const hasAllow = allow !== undefined && allow.length > 0
  if (!hasDeny && !hasAllow) return true
  const address = ip === undefined ? undefined : parsedAddress(ip)
  if (hasDeny) {
    // A key with a deny list and no known client address fails closed.
    if (address === undefined) return false
    if (cached(deny as readonly string[]).contains(address)) return false
  }
  if (hasAllow) {
    if (address === undefined) return false
    return cached(allow as readonly string[]).contains(address)
  }
  return true
}
