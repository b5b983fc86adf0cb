/**
 * IP addresses and CIDR ranges: IPv4 (RFC 791 dotted quads), IPv6 (RFC 4291 section 2.2 text
 * forms, with an embedded dotted quad), IPv4-mapped IPv6 (`::ffff:192.0.2.1`, RFC 4291 section
 * 2.5.5.2) folded to the IPv4 address it carries, and prefix matching.
 *
 * Every function here returns `undefined` or `false` for text that is not an address; nothing
 * throws for control flow. The parsers run on the request path over text a client wrote (each
 * hop of a forwarding chain), where an exception per bad hop costs tens of microseconds; a
 * hand-written scan over character codes costs well under one. Text forms other than the plain
 * ones are refused, not interpreted: legacy IPv4 (`127.1`, `0x7f.0.0.1`, `010.0.0.1`) because
 * platforms read them differently, and IPv6 zone ids (`fe80::1%eth0`) because a zone names an
 * interface of one host and matches no rule.
 *
 * An address is held as its 16-bit groups: two for IPv4, eight for IPv6.
 *
 * @module
 */

/** A parsed IP address. */
export interface IpAddress {
  readonly kind: 'ipv4' | 'ipv6'
  /** The address as 16-bit groups, most significant first: 2 for IPv4, 8 for IPv6. */
  readonly groups: readonly number[]
  /** Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (lower case, longest zero run as `::`). */
  toString(): string
}

/** A parsed CIDR range: a network address and its prefix length in bits. */
export interface IpNetwork {
  readonly address: IpAddress
  /** 0 to 32 for IPv4, 0 to 128 for IPv6. */
  readonly prefix: number
}

const BITS = { ipv4: 32, ipv6: 128 } as const

class Address implements IpAddress {
  readonly kind: 'ipv4' | 'ipv6'
  readonly groups: readonly number[]
  #text: string | undefined

  constructor(kind: 'ipv4' | 'ipv6', groups: readonly number[]) {
    this.kind = kind
    this.groups = groups
  }

  toString(): string {
    if (this.#text === undefined) this.#text = this.kind === 'ipv4' ? formatIpv4(this.groups) : formatIpv6(this.groups)
    return this.#text
  }
}

function formatIpv4(g: readonly number[]): string {
  const hi = g[0] as number
  const lo = g[1] as number
  return `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`
}

// RFC 5952 section 4.2: the longest run of two or more zero groups becomes `::`, the first one
// when two runs tie; a single zero group stays `0`.
function formatIpv6(g: readonly number[]): string {
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((n) => n.toString(16)).join(':')
  if (bestStart === -1) return hex(0, 8)
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`
}

/** Parse `text[start, end)` as a dotted quad into `out` (two groups); false when it is not one. */
function scanIpv4(text: string, start: number, end: number, out: number[]): boolean {
  let part = 0
  let value = 0
  let digits = 0
  let hi = 0
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2e : text.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) {
      // A leading zero makes the part octal on some platforms: refused (`010.0.0.1`).
      if (digits === 1 && value === 0) return false
      value = value * 10 + (c - 0x30)
      if (++digits > 3 || value > 255) return false
    } else if (c === 0x2e) {
      if (digits === 0 || part > 3) return false
      if (part === 0) hi = value << 8
      else if (part === 1) out.push(hi | value)
      else if (part === 2) hi = value << 8
      else out.push(hi | value)
      part++
      value = 0
      digits = 0
    } else return false
  }
  return part === 4
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

/** Parse `text` as IPv6 into eight groups; undefined when it is not an IPv6 address. */
function scanIpv6(text: string): number[] | undefined {
  const end = text.length
  const head: number[] = []
  let tail: number[] | undefined
  let i = 0
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return undefined
    tail = []
    i = 2
    if (i === end) return [0, 0, 0, 0, 0, 0, 0, 0]
  }
  for (;;) {
    const groups = tail ?? head
    // A group: 1 to 4 hex digits, or a dotted quad as the last two groups.
    let value = 0
    let digits = 0
    let j = i
    while (j < end) {
      const d = hexDigit(text.charCodeAt(j))
      if (d < 0) break
      value = (value << 4) | d
      digits++
      j++
    }
    if (j < end && text.charCodeAt(j) === 0x2e) {
      if (!scanIpv4(text, i, end, groups)) return undefined
      break
    }
    if (digits === 0 || digits > 4) return undefined
    groups.push(value)
    if (j === end) break
    if (text.charCodeAt(j) !== 0x3a) return undefined
    j++
    if (j < end && text.charCodeAt(j) === 0x3a) {
      if (tail !== undefined) return undefined
      tail = []
      j++
      if (j === end) break
    } else if (j === end) return undefined
    i = j
    if (head.length + (tail?.length ?? 0) > 8) return undefined
  }
  const count = head.length + (tail?.length ?? 0)
  if (tail === undefined) return count === 8 ? head : undefined
  // `::` stands for at least one zero group (RFC 4291 section 2.2).
  if (count > 7) return undefined
  return [...head, ...new Array<number>(8 - count).fill(0), ...tail]
}

function isMapped(g: readonly number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff
}

/**
 * Parse an IP address. IPv4-mapped IPv6 is returned as IPv4; `undefined` for anything else
 * (host names, legacy IPv4 forms, zone ids, brackets, surrounding spaces).
 *
 * @param text - the address text.
 * @returns the address, or undefined when `text` is not one.
 * @example
 * ```ts
 * parseIpAddress('::ffff:192.0.2.1')?.toString() // '192.0.2.1'
 * parseIpAddress('2001:DB8:0:0:0:0:0:1')?.toString() // '2001:db8::1'
 * parseIpAddress('127.1') // undefined
 * ```
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return undefined
  if (text.indexOf(':') === -1) {
    const groups: number[] = []
    return scanIpv4(text, 0, text.length, groups) ? new Address('ipv4', groups) : undefined
  }
  const groups = scanIpv6(text)
  if (groups === undefined) return undefined
  if (isMapped(groups)) return new Address('ipv4', [groups[6] as number, groups[7] as number])
  return new Address('ipv6', groups)
}

/**
 * Parse a CIDR range (`10.0.0.0/8`, `2001:db8::/32`) or a single address (a /32 or /128). A
 * range written in IPv4-mapped form (`::ffff:10.0.0.0/104`) is folded to IPv4 (`/8`), so it
 * matches the addresses a dual-stack socket reports.
 *
 * @param text - the range text.
 * @returns the range, or undefined when `text` is not one (a prefix out of range included).
 * @example
 * ```ts
 * parseIpNetwork('::ffff:10.0.0.0/104') // { address: 10.0.0.0, prefix: 8 }
 * ```
 */
export function parseIpNetwork(text: string): IpNetwork | undefined {
  if (typeof text !== 'string') return undefined
  const slash = text.indexOf('/')
  const addressText = slash === -1 ? text : text.slice(0, slash)
  const address = parseIpAddress(addressText)
  if (address === undefined) return undefined
  if (slash === -1) return { address, prefix: BITS[address.kind] }
  const bits = text.slice(slash + 1)
  if (bits.length === 0 || bits.length > 3) return undefined
  let prefix = 0
  for (let i = 0; i < bits.length; i++) {
    const c = bits.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
    prefix = prefix * 10 + (c - 0x30)
  }
  // Written in mapped form, folded to IPv4 by the parser: the first 96 bits were the mapping.
  if (address.kind === 'ipv4' && addressText.indexOf(':') !== -1) {
    prefix -= 96
    if (prefix < 0) return undefined
  }
  if (prefix > BITS[address.kind]) return undefined
  return { address, prefix }
}

/**
 * Whether `address` lies in `network`. Addresses of the other family never match.
 *
 * @example
 * ```ts
 * inNetwork(parseIpAddress('10.1.2.3')!, parseIpNetwork('10.0.0.0/8')!) // true
 * ```
 */
export function inNetwork(address: IpAddress, network: IpNetwork): boolean {
  if (address.kind !== network.address.kind) return false
  const a = address.groups
  const n = network.address.groups
  let bits = network.prefix
  for (let i = 0; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff
    if (((a[i] as number) & mask) !== ((n[i] as number) & mask)) return false
  }
  return true
}

// Special-purpose ranges (RFC 6890 and the IANA special-purpose address registries): none of
// them reaches a public host. IPv6 outside 2000::/3 is not global unicast at all; inside it, the
// transition ranges are refused too, since they can carry a private IPv4 address. Kept as text
// and parsed on first use: parsing them when the module loads cost about 1 ms of the server's
// cold import, paid by every process whether or not it ever checks an address.
const SPECIAL_RANGES = {
  nonPublicIpv4: [
    '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
    '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
    '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
  ],
  globalUnicastIpv6: ['2000::/3'],
  nonPublicIpv6: ['2001::/23', '2001:db8::/32', '2002::/16'],
  loopback: ['127.0.0.0/8', '::1/128'],
} as const

type SpecialRanges = { readonly [K in keyof typeof SPECIAL_RANGES]: readonly IpNetwork[] }
let specialRanges: SpecialRanges | undefined

/** The special-purpose ranges, parsed once on first call. */
function ranges(): SpecialRanges {
  if (specialRanges === undefined) {
    const parse = (texts: readonly string[]): readonly IpNetwork[] => texts.map((text) => parseIpNetwork(text) as IpNetwork)
    specialRanges = {
      nonPublicIpv4: parse(SPECIAL_RANGES.nonPublicIpv4),
      globalUnicastIpv6: parse(SPECIAL_RANGES.globalUnicastIpv6),
      nonPublicIpv6: parse(SPECIAL_RANGES.nonPublicIpv6),
      loopback: parse(SPECIAL_RANGES.loopback),
    }
  }
  return specialRanges
}

/**
 * Whether `address` is public unicast: not private, loopback, link-local, CGNAT, documentation,
 * benchmarking, multicast, reserved, or an IPv6 transition range (Teredo, 6to4) that can embed
 * a private IPv4 address. Used to refuse server-side fetches to the host's own networks.
 *
 * @example isPublicUnicast(parseIpAddress('10.0.0.1')!) // false
 */
export function isPublicUnicast(address: IpAddress): boolean {
  const special = ranges()
  if (address.kind === 'ipv4') return !special.nonPublicIpv4.some((n) => inNetwork(address, n))
  return special.globalUnicastIpv6.some((n) => inNetwork(address, n)) && !special.nonPublicIpv6.some((n) => inNetwork(address, n))
}

/**
 * Whether `address` is a loopback address (`127.0.0.0/8`, `::1`).
 *
 * @example isLoopback(parseIpAddress('127.0.0.2')!) // true
 */
export function isLoopback(address: IpAddress): boolean {
  return ranges().loopback.some((n) => inNetwork(address, n))
}
