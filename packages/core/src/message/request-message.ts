/**
 * A Fetch `Request` whose body the caller has read to the message model, synchronously: what
 * the lean signing entry offers (`requestMessage`), on top of `describedMessage`. from-fetch.ts
 * builds on it to read Fetch requests and responses whole, and re-exports it; the two are apart
 * because a bundler splits code by file, and the lean graph should carry only this part.
 *
 * @module
 */
import type { FieldLine, HttpRequestMessage } from '../message.ts'
import { trimOws } from './field-lines.ts'
import { describedMessage } from './from-description.ts'

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
 * Build a request message from a Fetch `Request` whose body the caller has already read (the
 * signer reads it once, to digest and to send the same bytes).
 *
 * @param request - the request; its body is not touched.
 * @param body - the body bytes, or undefined for none.
 * @returns The message: scheme, authority and origin-form target from `request.url`.
 * @example requestMessage(new Request('https://example.com/p'), undefined).target // '/p'
 */
export function requestMessage(request: Request, body: Uint8Array | undefined): HttpRequestMessage {
  return describedMessage(request.method, request.url, headersToFields(request.headers), body)
}
