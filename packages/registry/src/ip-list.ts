/**
 * Validation of a key's IP allow and deny lists at the registry boundary.
 *
 * Entries are IPv4 dotted quads, IPv6 addresses, or either as a CIDR range (RFC 4632, RFC 4291
 * section 2.3). They are checked when a key is created, so a typo never reaches a verifier as
 * a rule that silently matches nothing; `@signet/server` parses the same forms when matching.
 * Legacy IPv4 spellings (`10.1`, `0x7f.0.0.1`) are refused: they are almost always mistakes.
 *
 * @module
 */
import ipaddr from 'ipaddr.js'
import { SignetError } from '@signet/core'

function isAddress(text: string): boolean {
  // Zone ids (fe80::1%eth0) name an interface of one host: meaningless in a shared rule.
  if (text.includes('%') || !ipaddr.isValid(text)) return false
  return text.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(text)
}

/**
 * Check one entry and return it trimmed.
 *
 * @param entry - an address or a CIDR range
 * @param list - `allowIps` or `denyIps`, for the message
 * @throws {SignetError} `ERR_INVALID_IP_RANGE` when the entry is neither
 * @example checkIpEntry('10.0.0.0/8', 'allowIps') // '10.0.0.0/8'
 */
export function checkIpEntry(entry: string, list: string): string {
  const text = typeof entry === 'string' ? entry.trim() : ''
  const slash = text.indexOf('/')
  const address = slash === -1 ? text : text.slice(0, slash)
  let ok = isAddress(address)
  if (ok && slash !== -1) {
    const bits = text.slice(slash + 1)
    const max = address.includes(':') ? 128 : 32
    ok = /^\d{1,3}$/.test(bits) && Number(bits) <= max
  }
  if (!ok) {
    const shown = typeof entry === 'string' ? JSON.stringify(entry.slice(0, 80)) : typeof entry
    throw new SignetError('ERR_INVALID_IP_RANGE', `${list}: ${shown} is not an IP address or CIDR range`)
  }
  return text
}

/**
 * Check a whole list (order kept, duplicates dropped).
 *
 * @throws {SignetError} `ERR_INVALID_IP_RANGE` naming the first bad entry
 */
export function checkIpList(entries: readonly string[] | undefined, list: string): string[] {
  if (entries === undefined) return []
  if (!Array.isArray(entries)) throw new TypeError(`"${list}" expected an array of strings`)
  const out: string[] = []
  for (const entry of entries) {
    const checked = checkIpEntry(entry, list)
    if (!out.includes(checked)) out.push(checked)
  }
  return out
}
