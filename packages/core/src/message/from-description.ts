/**
 * A plain request description to the message model, with no Fetch object in between.
 *
 * The client's fast path (DESIGN.md "The client's hot path") signs `{ method, url, headers,
 * body }` as given: building a Fetch `Request` costs tens of microseconds on Node and reading
 * its body back costs more, while the message needs only the method, the URL's parts, the
 * field lines and the body bytes the caller already holds.
 *
 * Headers come as a Fetch `Headers` or a record. A record's names are lower-cased (RFC 9421
 * section 2.1) and an array value is one field combined as Fetch combines it (`", "`, RFC 9110
 * section 5.3), so the message is the one a `Request` with the same content would give.
 *
 * @module
 */
import type { FieldLine, HttpRequestMessage } from '../message.ts'
import { trimOws } from './field-lines.ts'

/** Header values a request description may carry: Fetch `Headers` or a record. */
export type DescriptionHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

/** One header of a description: a name as given and its value (an array is one combined field). */
export type HeaderEntry = readonly [name: string, value: string | readonly string[] | undefined]

/**
 * The entries of a description's headers. A `Headers` is recognised by its `get` method, not
 * by `instanceof`: on Node 20 the first touch of the global `Headers` loads undici (20-28 ms),
 * which a client that never builds a Fetch object should not pay.
 *
 * @param headers - a `Headers` or a record, or undefined for none.
 * @returns the entries in the headers' own order.
 * @example headerEntries({ accept: 'text/plain' }) // [['accept', 'text/plain']]
 */
export function headerEntries(headers: DescriptionHeaders | undefined): HeaderEntry[] {
  if (headers === undefined || headers === null) return []
  return typeof (headers as Headers).get === 'function' ? [...(headers as Headers)] : Object.entries(headers)
}

function checkedValue(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('a header value must be a string or an array of strings')
  return trimOws(value)
}

/**
 * The field lines of a description's headers: names lower-cased, values OWS-trimmed, an array
 * value joined with `", "`, `undefined` values skipped.
 *
 * @param headers - a `Headers` or a record, or undefined for none.
 * @param skip - a lower-case field name left out (the signer replaces `content-digest`).
 * @returns the field lines, in the headers' own order.
 * @throws {TypeError} when a value is neither a string nor an array of strings.
 * @example fieldsOf({ 'Content-Type': 'application/json' }) // [{ name: 'content-type', value: 'application/json' }]
 */
export function fieldsOf(headers: DescriptionHeaders | undefined, skip?: string): FieldLine[] {
  const fields: FieldLine[] = []
  for (const [name, value] of headerEntries(headers)) {
    const lower = name.toLowerCase()
    // An array is one field combined as Fetch combines repeats; anything else is refused by
    // the string check of each value.
    if (value !== undefined && lower !== skip) fields.push({ name: lower, value: (typeof value === 'string' ? [value] : value).map(checkedValue).join(', ') })
  }
  return fields
}

/**
 * The request target a Fetch client sends for a URL: path and query as serialized by the URL
 * parser, an empty query kept as a lone `?`, the fragment never sent.
 */
export function originForm(url: URL): string {
  if (url.search !== '') return url.pathname + url.search
  let href = url.href
  const hash = href.indexOf('#')
  if (hash >= 0) href = href.slice(0, hash)
  return href.endsWith('?') ? url.pathname + '?' : url.pathname
}

/**
 * Build a request message from its parts, as `requestMessage` does from a Fetch `Request`.
 *
 * @param method - the method as sent (never case-folded, RFC 9421 section 2.2.1).
 * @param url - the absolute request URL.
 * @param fields - the field lines (see {@link fieldsOf}).
 * @param body - the body bytes, or undefined for none.
 * @returns the message: scheme, authority and origin-form target from `url`.
 * @throws {TypeError} when `url` is not an absolute URL.
 * @example describedMessage('GET', 'https://example.com/p?q=1', [], undefined).target // '/p?q=1'
 */
export function describedMessage(method: string, url: string | URL, fields: readonly FieldLine[], body: Uint8Array | undefined): HttpRequestMessage {
  const parsed = typeof url === 'string' ? new URL(url) : url
  return {
    kind: 'request',
    method,
    scheme: parsed.protocol.slice(0, -1).toLowerCase(),
    authority: parsed.host,
    target: originForm(parsed),
    fields,
    trailers: [],
    body,
  }
}
