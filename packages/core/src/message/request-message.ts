/**
 * A Fetch `Request` whose body the caller has read to the message model, synchronously: what
 * the lean signing entry offers (`requestMessage`). from-fetch.ts builds on it to read Fetch
 * requests and responses whole, and re-exports it; the two are apart because a bundler splits
 * code by file, and the lean graph should carry only this part.
 *
 * @module
 */
import type { FieldLine, HttpRequestMessage } from '../message.ts'
import { trimOws } from './field-lines.ts'

/**
 * @internal The field lines of a Fetch `Headers`, names lower-cased and values trimmed.
 *
 * @param headers - the headers.
 * @returns one field line per name (Fetch has joined repeats).
 */
export function headersToFields(headers: Headers): FieldLine[] {
  const fields: FieldLine[] = []
  headers.forEach((value, name) => {
    // Fetch lower-cases names, but not every Headers implementation does (happy-dom keeps case).
    fields.push({ name: name.toLowerCase(), value: trimOws(value) })
  })
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
 * Build a request message from a Fetch `Request` whose body the caller has already read (the
 * signer reads it once, to digest and to send the same bytes).
 *
 * @param request - the request; its body is not touched.
 * @param body - the body bytes, or undefined for none.
 * @returns The message: scheme, authority and origin-form target from `request.url`.
 * @example requestMessage(new Request('https://example.com/p'), undefined).target // '/p'
 */
export function requestMessage(request: Request, body: Uint8Array | undefined): HttpRequestMessage {
  const url = new URL(request.url)
  return {
    kind: 'request',
    method: request.method,
    scheme: url.protocol.slice(0, -1).toLowerCase(),
    authority: url.host,
    target: originForm(url),
    fields: headersToFields(request.headers),
    trailers: [],
    body,
  }
}
