/**
 * `@request-target` (RFC 9421 section 2.2.5): the request target exactly as it appears in the
 * HTTP/1.1 request line, in whichever of the four forms of RFC 9112 section 3.2 was sent.
 *
 * This module also owns the split of a request target into its parts, which `@target-uri`,
 * `@path` and `@query` share. The split works on the text as sent: no
 * dot-segment removal and no re-encoding, so what was signed is what is compared.
 *
 * @module
 */
import type { HttpRequestMessage } from '../message.ts'

/**
 * The path-and-query part of a request target as sent (`/p?q`), or `''` for the authority and
 * asterisk forms, whose target URI has an empty path and query (RFC 9112 section 3.3).
 */
export function pathAndQuery(target: string): string {
  const c = target.charCodeAt(0)
  if (c === 0x2f) return target
  if (target === '*') return ''
  const schemeEnd = target.indexOf('://')
  if (schemeEnd < 0) return ''
  const start = schemeEnd + 3
  let i = start
  for (; i < target.length; i++) {
    const ch = target.charCodeAt(i)
    if (ch === 0x2f || ch === 0x3f /* ? */ || ch === 0x23 /* # */) break
  }
  const rest = target.slice(i)
  const hash = rest.indexOf('#')
  return hash < 0 ? rest : rest.slice(0, hash)
}

/**
 * Component value of `@request-target`.
 *
 * @example requestTarget(parseHttpMessage('OPTIONS * HTTP/1.1\nHost: a')) // '*'
 */
export function requestTarget(message: HttpRequestMessage): string {
  return message.target
}
