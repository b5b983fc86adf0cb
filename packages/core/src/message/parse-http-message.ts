/**
 * Raw HTTP/1.1 message text (RFC 9112) to the message model: the request line or status line,
 * field lines with obs-fold, the body by `Transfer-Encoding: chunked` (trailers kept) or
 * `Content-Length`, or whatever follows the header section.
 *
 * CRLF and bare LF line endings are both accepted (files written by hand or by tools use
 * either). The text is handled as bytes, one character per byte, so obs-text survives for
 * `;bs` and the body is returned exactly as sent.
 *
 * @module
 */
import { utf8 } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import type { FieldLine, HttpMessage, HttpRequestMessage, HttpResponseMessage } from '../message.ts'
import { isFieldValue, isToken, trimOws } from './field-lines.ts'

/** Options of {@link parseHttpMessage}. */
export interface ParseHttpMessageOptions {
  /** Scheme of an origin-form or asterisk-form request (default `https`). */
  readonly scheme?: string | undefined
  /** The related request of a response, for `;req` components. */
  readonly request?: HttpRequestMessage | undefined
}

function malformed(message: string): SignetError {
  return new SignetError('ERR_MALFORMED_MESSAGE', message)
}

/** A cursor over the bytes of the message, reading lines ended by CRLF or LF. */
class Lines {
  readonly bytes: Uint8Array
  pos = 0
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }

  get done(): boolean {
    return this.pos >= this.bytes.length
  }

  /** The next line without its ending, as one character per byte; undefined at the end. */
  next(): string | undefined {
    const bytes = this.bytes
    if (this.pos >= bytes.length) return undefined
    let end = bytes.indexOf(0x0a, this.pos)
    const nextPos = end < 0 ? bytes.length : end + 1
    if (end < 0) end = bytes.length
    let lineEnd = end
    if (lineEnd > this.pos && bytes[lineEnd - 1] === 0x0d) lineEnd--
    const line = latin1(bytes, this.pos, lineEnd)
    this.pos = nextPos
    return line
  }

  /** Peek whether the next line starts with SP or HTAB (an obs-fold continuation). */
  continues(): boolean {
    const c = this.bytes[this.pos]
    return c === 0x20 || c === 0x09
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let out = ''
  // String.fromCharCode over chunks: fast, and each byte becomes one character.
  for (let i = start; i < end; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 8192)) as unknown as number[])
  }
  return out
}

/** Read field lines up to an empty line or the end, joining obs-fold continuations with one SP. */
function readFields(lines: Lines, what: string): FieldLine[] {
  const fields: FieldLine[] = []
  for (;;) {
    const line = lines.next()
    if (line === undefined || line === '') return fields
    const colon = line.indexOf(':')
    if (colon <= 0) throw malformed(`${what} line ${JSON.stringify(line.slice(0, 40))} has no field name`)
    const name = line.slice(0, colon)
    if (!isToken(name)) throw malformed(`${what} name ${JSON.stringify(name.slice(0, 40))} is not a token (RFC 9112 section 5.1)`)
    let value = trimOws(line.slice(colon + 1))
    // obs-fold (RFC 9112 section 5.2): OWS CRLF RWS becomes a single SP (RFC 9421 section 2.1).
    while (lines.continues()) {
      const more = trimOws(lines.next() as string)
      value = value === '' ? more : more === '' ? value : value + ' ' + more
    }
    if (!isFieldValue(value)) throw malformed(`${what} ${JSON.stringify(name)} has a control character in its value`)
    fields.push({ name: name.toLowerCase(), value })
  }
}

function fieldList(fields: readonly FieldLine[], name: string): string[] {
  const out: string[] = []
  for (const f of fields) if (f.name === name) out.push(f.value)
  return out
}

/** Decode a chunked body (RFC 9112 section 7.1), returning the content and the trailer lines. */
function readChunked(lines: Lines): { body: Uint8Array; trailers: FieldLine[] } {
  const bytes = lines.bytes
  const parts: Uint8Array[] = []
  let total = 0
  for (;;) {
    const sizeLine = lines.next()
    if (sizeLine === undefined) throw malformed('the chunked body ends before its last chunk')
    const semi = sizeLine.indexOf(';')
    const hex = trimOws(semi < 0 ? sizeLine : sizeLine.slice(0, semi))
    if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw malformed(`bad chunk size ${JSON.stringify(sizeLine.slice(0, 20))}`)
    const size = parseInt(hex, 16)
    if (size === 0) break
    if (lines.pos + size > bytes.length) throw malformed('a chunk is longer than the rest of the message')
    parts.push(bytes.subarray(lines.pos, lines.pos + size))
    total += size
    lines.pos += size
    // Each chunk's data is followed by CRLF (or LF in a file written with LF endings).
    if (bytes[lines.pos] === 0x0d && bytes[lines.pos + 1] === 0x0a) lines.pos += 2
    else if (bytes[lines.pos] === 0x0a) lines.pos += 1
    else throw malformed('chunk data is not followed by a line ending')
  }
  const trailers = readFields(lines, 'trailer')
  const body = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    body.set(p, o)
    o += p.length
  }
  return { body, trailers }
}

function parseStartLine(line: string):
  | { kind: 'request'; method: string; target: string }
  | { kind: 'response'; status: number } {
  if (line.startsWith('HTTP/')) {
    const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: [\t\x20-\x7e\x80-\xff]*)?$/.exec(line)
    if (m === null) throw malformed(`bad status line ${JSON.stringify(line.slice(0, 60))}`)
    return { kind: 'response', status: Number(m[1]) }
  }
  const sp1 = line.indexOf(' ')
  const sp2 = line.lastIndexOf(' ')
  if (sp1 <= 0 || sp2 <= sp1) throw malformed(`bad request line ${JSON.stringify(line.slice(0, 60))}`)
  const method = line.slice(0, sp1)
  const target = line.slice(sp1 + 1, sp2)
  const version = line.slice(sp2 + 1)
  if (!isToken(method)) throw malformed(`bad method ${JSON.stringify(method.slice(0, 20))}`)
  if (!/^HTTP\/\d(?:\.\d)?$/.test(version)) throw malformed(`bad HTTP version ${JSON.stringify(version.slice(0, 20))}`)
  // request-target: visible ASCII only, no fragment (RFC 9112 section 3.2).
  if (target === '' || !/^[\x21-\x7e]+$/.test(target) || target.includes('#')) {
    throw malformed(`bad request target ${JSON.stringify(target.slice(0, 60))}`)
  }
  return { kind: 'request', method, target }
}

/** Scheme and authority of an absolute-form target (RFC 9112 section 3.2.2). */
function absoluteParts(target: string): { scheme: string; authority: string } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(target)
  if (m === null) throw malformed(`bad absolute-form target ${JSON.stringify(target.slice(0, 60))}`)
  const authority = m[2] as string
  if (authority === '' || authority.includes('@')) throw malformed('the absolute-form target has no authority, or has userinfo (RFC 9110 section 4.2.4)')
  return { scheme: (m[1] as string).toLowerCase(), authority }
}

/**
 * Parse a raw HTTP/1.1 message.
 *
 * @param input - the message text or bytes; a string is UTF-8 encoded first.
 * @param options - `scheme` (default `https`) for origin-form and asterisk-form requests,
 *   `request` as the related request of a response.
 * @returns A request or response message. The body is undefined when the message has none.
 * @throws {SignetError} `ERR_MALFORMED_MESSAGE` for anything that is not an HTTP/1.1 message.
 * @example
 * ```ts
 * const m = parseHttpMessage('POST /foo?a=1 HTTP/1.1\r\nHost: example.com\r\n\r\n')
 * m.kind // 'request'
 * ```
 */
export function parseHttpMessage(input: string | Uint8Array, options?: ParseHttpMessageOptions): HttpMessage {
  let bytes: Uint8Array
  if (typeof input === 'string') bytes = utf8(input)
  else if (input instanceof Uint8Array) bytes = input
  else throw new TypeError('"input" expected a string or a Uint8Array')
  const scheme = options?.scheme ?? 'https'
  if (typeof scheme !== 'string' || !/^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(scheme)) throw new TypeError('"scheme" must be a URI scheme')

  const lines = new Lines(bytes)
  let startLine = lines.next()
  // A recipient ignores empty lines before the start line (RFC 9112 section 2.2).
  while (startLine === '') startLine = lines.next()
  if (startLine === undefined) throw malformed('the message is empty')
  const start = parseStartLine(startLine)
  const fields = readFields(lines, 'field')

  let body: Uint8Array | undefined
  let trailers: FieldLine[] = []
  const te = fieldList(fields, 'transfer-encoding')
  const cl = fieldList(fields, 'content-length')
  if (te.length > 0) {
    const codings = te.join(',').split(',').map((c) => trimOws(c).toLowerCase()).filter((c) => c !== '')
    if (codings[codings.length - 1] !== 'chunked') throw malformed('Transfer-Encoding does not end with chunked (RFC 9112 section 6.3)')
    if (cl.length > 0) throw malformed('both Transfer-Encoding and Content-Length (RFC 9112 section 6.3)')
    const decoded = readChunked(lines)
    body = decoded.body
    trailers = decoded.trailers
  } else if (cl.length > 0) {
    const values = cl.join(',').split(',').map(trimOws)
    const first = values[0] as string
    if (!/^\d{1,15}$/.test(first) || values.some((v) => v !== first)) throw malformed('bad Content-Length')
    const length = Number(first)
    if (lines.pos + length > bytes.length) throw malformed(`the body is shorter than Content-Length ${length}`)
    body = bytes.slice(lines.pos, lines.pos + length)
  } else if (!lines.done) {
    // No framing: the rest of the text is the body (a file stands for a closed connection).
    body = bytes.slice(lines.pos)
  }
  if (body !== undefined && body.length === 0) body = undefined

  if (start.kind === 'response') {
    const response: HttpResponseMessage = { kind: 'response', status: start.status, fields, trailers, body, request: options?.request }
    return response
  }
  let msgScheme = scheme.toLowerCase()
  let authority: string
  const target = start.target
  const c = target.charCodeAt(0)
  if (c !== 0x2f && target !== '*' && target.includes('://')) {
    const parts = absoluteParts(target)
    msgScheme = parts.scheme
    authority = parts.authority
  } else if (c !== 0x2f && target !== '*') {
    // authority-form (CONNECT): the target is the authority (RFC 9112 section 3.3).
    if (!/^[^/?#@]+$/.test(target)) throw malformed(`bad authority-form target ${JSON.stringify(target.slice(0, 60))}`)
    authority = target
  } else {
    const host = fieldList(fields, 'host')
    if (host.length > 1) throw malformed('more than one Host field (RFC 9112 section 3.2)')
    // Origin-form and asterisk-form carry no authority: Host is where it is, and a request
    // without one is refused (RFC 9112 section 3.2), not signed over an empty `@authority`.
    // An empty Host value stays allowed: it is what a URI without authority sends.
    if (host.length === 0) throw malformed('missing Host: an origin-form or asterisk-form request names its authority there (RFC 9112 section 3.2)')
    authority = host[0] as string
  }
  const request: HttpRequestMessage = {
    kind: 'request',
    method: start.method,
    scheme: msgScheme,
    authority,
    target,
    fields,
    trailers,
    body,
  }
  return request
}
