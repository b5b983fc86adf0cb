/**
 * `@query-param` (RFC 9421 section 2.2.8): one named parameter of the query.
 *
 * The query is parsed with the WHATWG `application/x-www-form-urlencoded` parser (split on
 * `&`, split each pair at the first `=`, `+` to space, percent-decode, UTF-8 decode), and both
 * the name and the value are re-encoded with the `application/x-www-form-urlencoded`
 * percent-encode set, a space becoming `%20` rather than `+`. The `name` parameter of the
 * identifier is compared with the re-encoded name. A name that occurs more than once is
 * ambiguous and is refused, as the RFC says such a parameter must not be signed.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import type { HttpRequestMessage } from '../message.ts'
import type { ComponentIdentifier } from './component-identifier.ts'
import { rawQuery } from './query.ts'

const decoder = /* @__PURE__ */ new TextDecoder('utf-8')
const encoder = /* @__PURE__ */ new TextEncoder()
const HEX = '0123456789ABCDEF'

// Bytes left alone by the application/x-www-form-urlencoded percent-encode set:
// ASCII alphanumerics and * - . _ (WHATWG URL, section 1.3).
function isUnreserved(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === 0x2a || c === 0x2d || c === 0x2e || c === 0x5f
  )
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** The characters of a query as bytes: raw messages carry one byte per character. */
function toBytes(text: string): Uint8Array {
  let wide = false
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) { wide = true; break }
  if (wide) return encoder.encode(text)
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

/** WHATWG percent-decode after replacing `+` with a space, then UTF-8 decode without failure. */
function decodeFormComponent(text: string): string {
  const bytes = toBytes(text)
  const out = new Uint8Array(bytes.length)
  let o = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b === 0x2b /* + */) out[o++] = 0x20
    else if (b === 0x25 /* % */ && i + 2 < bytes.length) {
      const h = hexValue(bytes[i + 1] as number)
      const l = hexValue(bytes[i + 2] as number)
      if (h < 0 || l < 0) out[o++] = b
      else {
        out[o++] = (h << 4) | l
        i += 2
      }
    } else out[o++] = b
  }
  return decoder.decode(out.subarray(0, o))
}

/** Percent-encode after UTF-8 encoding with the form-urlencoded set; space as `%20`. */
function encodeFormComponent(text: string): string {
  const bytes = encoder.encode(text)
  let out = ''
  for (const b of bytes) {
    if (isUnreserved(b)) out += String.fromCharCode(b)
    else out += '%' + HEX[b >> 4]! + HEX[b & 15]!
  }
  return out
}

/** Decode and re-encode one name or value; text made only of unreserved bytes is unchanged. */
function canonicalizeQueryComponent(text: string): string {
  let plain = true
  for (let i = 0; i < text.length; i++) if (!isUnreserved(text.charCodeAt(i))) { plain = false; break }
  return plain ? text : encodeFormComponent(decodeFormComponent(text))
}

/**
 * Parse a query (without `?`) into re-encoded name/value pairs, in order, repeats kept.
 *
 * @example parseQueryParams('bar=with+plus+whitespace') // [['bar', 'with%20plus%20whitespace']]
 */
export function parseQueryParams(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const part of query.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = eq < 0 ? part : part.slice(0, eq)
    const value = eq < 0 ? '' : part.slice(eq + 1)
    pairs.push([canonicalizeQueryComponent(name), canonicalizeQueryComponent(value)])
  }
  return pairs
}

/**
 * Component value of `@query-param`.
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` without a string `name` parameter,
 *   `ERR_MISSING_COMPONENT` when the query has no such parameter, `ERR_AMBIGUOUS_QUERY_PARAM`
 *   when it has the name more than once.
 * @example queryParam(parseHttpMessage('GET /?Pet=dog HTTP/1.1\nHost: h'), parseComponentIdentifier('"@query-param";name="Pet"')) // 'dog'
 */
export function queryParam(message: HttpRequestMessage, id: ComponentIdentifier): string {
  const name = id.params.get('name')
  if (typeof name !== 'string') {
    throw new SignetError('ERR_INVALID_COMPONENT', '"@query-param" needs a string "name" parameter (RFC 9421 section 2.2.8)')
  }
  const q = rawQuery(message)
  let found: string | undefined
  let count = 0
  if (q !== undefined) {
    for (const [n, v] of parseQueryParams(q)) {
      if (n === name) {
        found = v
        count++
      }
    }
  }
  if (count === 0 || found === undefined) {
    throw new SignetError('ERR_MISSING_COMPONENT', `the query has no parameter ${JSON.stringify(name.slice(0, 64))}`)
  }
  if (count > 1) {
    throw new SignetError(
      'ERR_AMBIGUOUS_QUERY_PARAM',
      `the query parameter ${JSON.stringify(name.slice(0, 64))} occurs ${count} times (RFC 9421 section 2.2.8)`,
    )
  }
  return found
}
