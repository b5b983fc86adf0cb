/**
 * A Node `http.IncomingMessage` (or anything with the same raw fields) to the message model,
 * synchronously and without building a Fetch `Request`: on Node a `Request` costs tens of
 * microseconds and its first use loads undici (DESIGN.md, Server).
 *
 * `rawHeaders` keeps every field line apart, in order, as Node received it, which is what
 * RFC 9421 canonicalization and `;bs` need.
 *
 * @module
 */
import type { FieldLine, HttpRequestMessage } from '../message.ts'
import { SignetError } from '../errors.ts'
import { trimOws } from './field-lines.ts'

/** The parts of a Node `IncomingMessage` that the builder reads. */
export interface NodeRequestLike {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly rawHeaders: readonly string[]
  readonly rawTrailers?: readonly string[] | undefined
}

/** Options of {@link fromNodeRequest}. */
export interface FromNodeRequestOptions {
  /** The scheme the client used (default `https`); behind a proxy, take it from a trusted source. */
  readonly scheme?: string | undefined
  /** The body bytes, when the caller has read them. */
  readonly body?: Uint8Array | undefined
}

function rawToFields(raw: readonly string[] | undefined): FieldLine[] {
  const fields: FieldLine[] = []
  if (raw === undefined) return fields
  for (let i = 0; i + 1 < raw.length; i += 2) {
    fields.push({ name: (raw[i] as string).toLowerCase(), value: trimOws(raw[i + 1] as string) })
  }
  return fields
}

/**
 * Build a request message from a Node request.
 *
 * @param req - `method`, `url` (the request target as sent), `rawHeaders`, `rawTrailers`.
 * @param options - `scheme` (default `https`) and the `body` bytes.
 * @returns The message; the authority is the `Host` value, or that of an absolute-form target.
 * @throws {SignetError} `ERR_MALFORMED_MESSAGE` for more than one Host field.
 * @example const m = fromNodeRequest(req, { scheme: 'http', body })
 */
export function fromNodeRequest(req: NodeRequestLike, options: FromNodeRequestOptions = {}): HttpRequestMessage {
  if (req === null || typeof req !== 'object' || !Array.isArray(req.rawHeaders)) {
    throw new TypeError('"req" expected an object with rawHeaders')
  }
  const fields = rawToFields(req.rawHeaders)
  const target = req.url ?? '/'
  let scheme = (options.scheme ?? 'https').toLowerCase()
  let authority = ''
  if (target.charCodeAt(0) !== 0x2f && target !== '*' && target.includes('://')) {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(target)
    if (m !== null) {
      scheme = (m[1] as string).toLowerCase()
      authority = m[2] as string
    }
  } else if (target.charCodeAt(0) !== 0x2f && target !== '*') {
    authority = target
  } else {
    let hosts = 0
    for (const f of fields) {
      if (f.name === 'host') {
        authority = f.value
        hosts++
      }
    }
    if (hosts > 1) throw new SignetError('ERR_MALFORMED_MESSAGE', 'more than one Host field (RFC 9112 section 3.2)')
  }
  const body = options.body
  return {
    kind: 'request',
    method: req.method ?? 'GET',
    scheme,
    authority,
    target,
    fields,
    trailers: rawToFields(req.rawTrailers),
    body: body === undefined || body.length === 0 ? undefined : body,
  }
}
