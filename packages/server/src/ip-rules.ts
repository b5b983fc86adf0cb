/**
 * IP allow and deny lists: IPv4 and IPv6 addresses and CIDR ranges, parsed by `ipaddr.js`.
 *
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack Node socket reports for an
 * IPv4 peer) is matched as the IPv4 address it carries, and an IPv4 rule written in mapped form
 * (`::ffff:10.0.0.0/104`) is folded back to IPv4, so a rule never fails to apply because of how
 * the socket spelled the address. Rules are parsed once per distinct list and cached.
 *
 * @module
 */
import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

/** One parsed rule: a network address and prefix length. */
export interface IpRange {
  readonly kind: 'ipv4' | 'ipv6'
  readonly address: Address
  readonly prefix: number
}

/** Parse an address, folding IPv4-mapped IPv6 to IPv4; undefined when it is not an IP address. */
export function parseIp(text: string): Address | undefined {
  let value = text.trim()
  // Bracketed IPv6 literals and zone ids appear in Forwarded and in some socket APIs.
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1)
  const zone = value.indexOf('%')
  if (zone !== -1) value = value.slice(0, zone)
  if (!ipaddr.isValid(value)) return undefined
  // ipaddr.isValid accepts legacy IPv4 forms ("1", "0x7f.1"); only plain dotted quads are addresses here.
  if (!value.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(value)) return undefined
  const parsed = ipaddr.parse(value)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address()
  }
  return parsed
}

/**
 * Parse one rule: an address (a /32 or /128 range) or a CIDR range.
 *
 * @throws {TypeError} when the rule is neither.
 * @example parseIpRange('2001:db8::/32')
 */
export function parseIpRange(rule: string): IpRange {
  const text = rule.trim()
  const slash = text.indexOf('/')
  if (slash === -1) {
    const address = parseIp(text)
    if (address === undefined) throw new TypeError(`IP rule ${JSON.stringify(rule)} is not an address or CIDR range`)
    return { kind: address.kind(), address, prefix: address.kind() === 'ipv4' ? 32 : 128 }
  }
  const bits = text.slice(slash + 1)
  const address = parseIp(text.slice(0, slash))
  if (address === undefined || !/^\d{1,3}$/.test(bits)) {
    throw new TypeError(`IP rule ${JSON.stringify(rule)} is not an address or CIDR range`)
  }
  let prefix = Number(bits)
  const kind = address.kind()
  // A mapped-form IPv4 rule (::ffff:a.b.c.d/96+n) was folded to IPv4 by parseIp: shift its prefix.
  if (kind === 'ipv4' && text.slice(0, slash).includes(':')) {
    prefix -= 96
    if (prefix < 0) throw new TypeError(`IP rule ${JSON.stringify(rule)} has a prefix too short for IPv4-mapped form`)
  }
  if (prefix > (kind === 'ipv4' ? 32 : 128)) throw new TypeError(`IP rule ${JSON.stringify(rule)} has a prefix out of range`)
  return { kind, address, prefix }
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
      const kind = address.kind()
      for (const range of ranges) {
        if (range.kind !== kind) continue
        if (kind === 'ipv4' ? (address as ipaddr.IPv4).match(range.address as ipaddr.IPv4, range.prefix) : (address as ipaddr.IPv6).match(range.address as ipaddr.IPv6, range.prefix)) {
          return true
        }
      }
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
// ipaddr.js parse costs more than the lookup. Bounded; cleared when full. Unparseable strings
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
