/**
 * Stage: authority pinning. A request for an authority this service does not answer for is
 * refused (421 `ERR_AUTHORITY_MISMATCH`) before any key is looked up, so a request captured on
 * its way to another service that shares the keys cannot be replayed here.
 *
 * @module
 */
import { SignetError, normalizeAuthority } from '@signet/core/verifying'
import type { HttpMessage } from '@signet/core'

/**
 * The authority check of the `authorities` option, or undefined when every authority is
 * accepted. Normalized per scheme once, at creation: a request's authority is normalized with
 * its own scheme (dropping that scheme's default port) and looked up.
 *
 * @param authorities - `host` or `host:port` strings, or undefined for any.
 * @returns the check, which throws `ERR_AUTHORITY_MISMATCH`, or undefined.
 * @throws {TypeError} when the list or an entry is not an authority.
 */
export function authorityPin(authorities: readonly string[] | undefined): ((message: HttpMessage) => void) | undefined {
  if (authorities === undefined) return undefined
  if (!Array.isArray(authorities) || authorities.length === 0) throw new TypeError('"authorities" expected a non-empty array of "host" or "host:port" strings')
  for (const a of authorities) {
    if (typeof a !== 'string' || !/^(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@\[\]:]+)(?::\d{1,5})?$/.test(a)) {
      throw new TypeError(`"authorities" expected "host" or "host:port" strings, got ${JSON.stringify(a)}`)
    }
  }
  const byScheme = new Map<string, ReadonlySet<string>>()
  const pinnedFor = (scheme: string): ReadonlySet<string> => {
    let set = byScheme.get(scheme)
    if (set === undefined) {
      set = new Set(authorities.map((a) => normalizeAuthority(a, scheme)))
      if (byScheme.size < 16) byScheme.set(scheme, set)
    }
    return set
  }
  return (message) => {
    if (message.kind !== 'request') return
    const scheme = message.scheme
    if (message.authority === '' || !pinnedFor(scheme).has(normalizeAuthority(message.authority, scheme))) {
      throw new SignetError('ERR_AUTHORITY_MISMATCH', 'the request is for an authority this service does not answer for')
    }
  }
}
