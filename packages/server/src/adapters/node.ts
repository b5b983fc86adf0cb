/**
 * Node `http` and Express: verify straight from `IncomingMessage`.
 *
 * The message model is built from `rawHeaders` (field lines in order, repeats kept) and the body
 * bytes, never through a Fetch `Request`: on Node a `Request` costs tens of microseconds per
 * request and its first use loads undici (DESIGN.md "Performance"). The body is read here, up to
 * the verifier's `maxBodyBytes`, because `Content-Digest` must be checked against the bytes
 * received; it is then handed on as `req.rawBody` with the identity as `req.signet`. Put this
 * middleware before any body parser: those see a finished stream and skip.
 *
 * The scheme of `@target-uri` is `https` on a TLS socket, else `http`, unless a trusted proxy
 * reports another (`Forwarded: proto=` or `X-Forwarded-Proto`). Over HTTP/2 (node:http2's
 * compatibility API) the authority is `:authority`, and a request without `Host` verifies.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SignetError, fromNodeRequest, normalizeAuthority } from '@signet/core/verifying'
import type { HttpRequestMessage } from '@signet/core'
import { problemFor, rateLimitHeaders } from '../problem.ts'
import type { ProblemResponse } from '../problem.ts'
import type { VerifiedIdentity, Verifier } from '../verifier.ts'
import { checkScopes, madeBy, markVerified, scopesFor, validateAdapterOptions } from './fetch.ts'
import type { ScopeRule } from './fetch.ts'

/** An `IncomingMessage` after verification. */
export type SignetIncomingMessage = IncomingMessage & {
  signet: VerifiedIdentity
  /** The request body as received (empty when there was none). */
  rawBody: Uint8Array
}

// Express types its request as `Express.Request` merged into `IncomingMessage`
// (@types/express-serve-static-core). Adding the two properties to that global interface lets a
// handler after `signetExpress` read them without a cast; it is types only, resolves no module,
// and is inert where Express is not used.
declare global {
  namespace Express {
    interface Request {
      /** The verified caller, set by `signetExpress`. */
      signet: VerifiedIdentity
      /** The request body as received, set by `signetExpress` (empty when there was none). */
      rawBody: Uint8Array
    }
  }
}

/** Options of the Node adapters. */
export interface NodeAdapterOptions {
  readonly requiredScopes?: ScopeRule<IncomingMessage> | undefined
  /** The socket peer's address. Default `req.socket.remoteAddress`. */
  readonly clientIp?: ((req: IncomingMessage) => string | undefined) | undefined
  readonly realm?: string | undefined
}

/**
 * Read a request body, refusing more than `maxBytes`.
 *
 * @throws {SignetError} `ERR_BODY_TOO_LARGE` (declared or actual size), `ERR_MALFORMED_MESSAGE` when the stream fails.
 */
export function readNodeBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = rawHeader(req, 'content-length')
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(new SignetError('ERR_BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`))
  }
  // A body parser mounted earlier has drained the stream: 'end' will never fire again, and the
  // parsed value cannot be digested byte for byte, so fail at once rather than hang.
  if (req.readableEnded) {
    return Promise.reject(new SignetError('ERR_BODY_USED', 'the request body was already read: mount Signet before any body parser'))
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let size = 0
    let done = false
    const finish = (error: unknown, value?: Uint8Array): void => {
      if (done) return
      done = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
      if (error !== undefined) reject(error)
      else resolve(value as Uint8Array)
    }
    const onData = (chunk: Uint8Array): void => {
      size += chunk.length
      if (size > maxBytes) {
        // Stop buffering; the response to follow closes the connection.
        req.pause()
        finish(new SignetError('ERR_BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      if (chunks.length === 1) return finish(undefined, new Uint8Array((chunks[0] as Uint8Array).buffer, (chunks[0] as Uint8Array).byteOffset, size))
      const out = new Uint8Array(size)
      let offset = 0
      for (const c of chunks) {
        out.set(c, offset)
        offset += c.length
      }
      finish(undefined, out)
    }
    const onError = (cause: unknown): void => finish(new SignetError('ERR_MALFORMED_MESSAGE', 'the request body could not be read', { cause }))
    const onAborted = (): void => finish(new SignetError('ERR_MALFORMED_MESSAGE', 'the client aborted the request'))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

/**
 * The first value of a header, read from `rawHeaders`. Node builds `req.headers` on first
 * access, lower-casing every name (the signature fields included); the adapter needs two
 * values, and the application may never touch `req.headers` at all.
 */
function rawHeader(req: IncomingMessage, lowerName: string): string | undefined {
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1]
  }
  return undefined
}

/**
 * Whether the request carries a body: a `Transfer-Encoding`, or a `Content-Length` other than
 * `0` (RFC 9112 section 6.3). One pass over `rawHeaders`, lower-casing only the names of the
 * two lengths that can match, so a GET costs a few length compares and no listener is set up.
 */
function hasBody(req: IncomingMessage): boolean {
  // HTTP/2 frames a body without either field (RFC 9113 section 8.1): read the stream, which
  // ends at once when there is nothing in it.
  if (req.httpVersionMajor === 2) return true
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === 17) {
      if (name.toLowerCase() === 'transfer-encoding') return true
    } else if (name.length === 14 && raw[i + 1] !== '0' && name.toLowerCase() === 'content-length') return true
  }
  return false
}

// The body of a request without one. Zero bytes long, so one instance can be handed to every
// such request: there is nothing in it to change.
const NO_BODY = /* @__PURE__ */ new Uint8Array(0)

/**
 * An HTTP/2 request (node:http2's compatibility API) as the message model. The authority is the
 * `:authority` pseudo-header (RFC 9113 section 8.3.1), not a `Host` field: an HTTP/2 request
 * needs no `Host`, and one that names another authority than `:authority` is malformed, since
 * a verifier could otherwise check one authority while the application routes on the other.
 * Pseudo-headers are not fields and are left out of the field list.
 */
function fromHttp2Request(req: { method?: string | undefined; url?: string | undefined; rawHeaders: readonly string[]; rawTrailers?: readonly string[] | undefined }, body: Uint8Array, scheme: string): HttpRequestMessage {
  const raw = req.rawHeaders
  const fields: string[] = []
  let authority: string | undefined
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.charCodeAt(0) !== 0x3a) fields.push(name, raw[i + 1] as string)
    else if (name === ':authority') authority = raw[i + 1] as string
  }
  const message = fromNodeRequest({ method: req.method, url: req.url, rawHeaders: fields, rawTrailers: req.rawTrailers }, body.length > 0 ? { scheme, body } : { scheme })
  if (authority === undefined) return message
  if (message.authority !== '' && normalizeAuthority(message.authority, scheme) !== normalizeAuthority(authority, scheme)) {
    throw new SignetError('ERR_MALFORMED_MESSAGE', 'the Host field names another authority than :authority (RFC 9113 section 8.3.1)')
  }
  return { ...message, authority }
}

/**
 * The message model of a Node request with its body, the scheme a trusted proxy reported
 * applied, and the peer address. Synchronous: a GET is verified without a trip through the
 * event loop before the verifier runs.
 */
function messageOf(verifier: Verifier, req: IncomingMessage, options: NodeAdapterOptions, body: Uint8Array): { message: HttpRequestMessage; peer: string | undefined } {
  const peer = options.clientIp !== undefined ? options.clientIp(req) : req.socket?.remoteAddress
  const scheme = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http'
  // Express rewrites req.url under a mount path; the signature covers the target as sent.
  const originalUrl = (req as { originalUrl?: unknown }).originalUrl
  const source = typeof originalUrl === 'string' && originalUrl !== req.url ? { method: req.method, url: originalUrl, rawHeaders: req.rawHeaders, rawTrailers: req.rawTrailers } : req
  let message = req.httpVersionMajor === 2 ? fromHttp2Request(source, body, scheme) : fromNodeRequest(source, body.length > 0 ? { scheme, body } : { scheme })
  const proto = verifier.forwarded(peer, message.fields).proto
  if (proto !== undefined && proto !== message.scheme) message = { ...message, scheme: proto }
  return { message, peer }
}

/**
 * Hand a refusal the verifier never saw (the body could not be read, the message could not be
 * built) to its `onRejected` hook, naming the client as `verify` would: the socket peer, or the
 * address a trusted proxy forwarded. Only refusals reach this path, so the field list built
 * from `rawHeaders` costs nothing on accepted requests.
 */
function reportRefusal(verifier: Verifier, req: IncomingMessage, options: NodeAdapterOptions, error: unknown, socketPeer = req.socket?.remoteAddress): void {
  let clientIp: string | undefined
  try {
    const peer = options.clientIp !== undefined ? options.clientIp(req) : socketPeer
    const raw = req.rawHeaders
    const fields: { name: string; value: string }[] = []
    for (let i = 0; i + 1 < raw.length; i += 2) fields.push({ name: (raw[i] as string).toLowerCase(), value: raw[i + 1] as string })
    clientIp = verifier.forwarded(peer, fields).clientIp
  } catch {
    // A broken clientIp option must not hide the refusal: report it without an address.
  }
  verifier.reject(error, { clientIp })
}

/**
 * Verify the message built from a request and its body; a throw while building is a rejection,
 * reported to the audit hook like the verifier's own.
 */
function verifyWithBody(verifier: Verifier, req: IncomingMessage, options: NodeAdapterOptions, body: Uint8Array): Promise<VerifiedIdentity> {
  let built: { message: HttpRequestMessage; peer: string | undefined }
  try {
    built = messageOf(verifier, req, options, body)
  } catch (error) {
    reportRefusal(verifier, req, options, error)
    return Promise.reject(error)
  }
  return verifier.verify(built.message, { clientIp: built.peer, requiredScopes: scopesFor(options.requiredScopes, req) })
}

/** Read the body; a failure (413, client abort, body already used) is reported to the audit hook. */
function readBodyReported(verifier: Verifier, req: IncomingMessage, options: NodeAdapterOptions): Promise<Uint8Array> {
  // Read now: once a client has reset the connection its socket no longer knows the peer.
  const socketPeer = req.socket?.remoteAddress
  return readNodeBody(req, verifier.limits.maxBodyBytes).then(undefined, (error: unknown) => {
    reportRefusal(verifier, req, options, error, socketPeer)
    throw error
  })
}

/**
 * The wrappers' path: verify, then call `accept` with the identity and the body, or `refuse`
 * with the error. A request without a body is verified at once, with no stream listener set up
 * and no result object built; an error thrown by `accept` does not reach `refuse`.
 */
function verifyThen(
  verifier: Verifier,
  req: IncomingMessage,
  options: NodeAdapterOptions,
  accept: (identity: VerifiedIdentity, body: Uint8Array) => unknown,
  refuse: (error: unknown) => void,
): void {
  if (!hasBody(req)) {
    verifyWithBody(verifier, req, options, NO_BODY).then((identity) => accept(identity, NO_BODY), refuse)
    return
  }
  readBodyReported(verifier, req, options).then(
    (body) => verifyWithBody(verifier, req, options, body).then((identity) => accept(identity, body), refuse),
    refuse,
  )
}

/**
 * Build the message model for a Node request (reading its body) and verify it.
 *
 * @returns the identity, the message and the body bytes.
 * @throws {SignetError} from reading or verifying.
 */
export async function verifyNodeRequest(
  verifier: Verifier,
  req: IncomingMessage,
  options: NodeAdapterOptions = {},
): Promise<{ identity: VerifiedIdentity; message: HttpRequestMessage; body: Uint8Array }> {
  const body = hasBody(req) ? await readBodyReported(verifier, req, options) : NO_BODY
  let built: { message: HttpRequestMessage; peer: string | undefined }
  try {
    built = messageOf(verifier, req, options, body)
  } catch (error) {
    reportRefusal(verifier, req, options, error)
    throw error
  }
  const identity = await verifier.verify(built.message, { clientIp: built.peer, requiredScopes: scopesFor(options.requiredScopes, req) })
  return { identity, message: built.message, body }
}

/** The identity's `RateLimit-Policy` and `RateLimit` fields, set before the handler writes. */
function sendLimits(res: ServerResponse, identity: VerifiedIdentity): void {
  if (identity.rateLimits === undefined || res.headersSent) return
  for (const [name, value] of Object.entries(rateLimitHeaders(identity))) res.setHeader(name, value)
}

/** Hand the verified identity and the body to the application, on the request object. */
function attach(req: IncomingMessage, identity: VerifiedIdentity, body: Uint8Array): SignetIncomingMessage {
  const verified = req as SignetIncomingMessage
  verified.signet = identity
  verified.rawBody = body
  return verified
}

/** Write a problem response on a Node `ServerResponse`. */
export function writeProblem(res: ServerResponse, problem: ProblemResponse): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const headers: Record<string, string> = { ...problem.headers, 'content-length': String(Buffer.byteLength(problem.body)) }
  // An unread or partly read body would otherwise be parsed as the next request.
  if (problem.status === 413 || problem.status === 400) headers['connection'] = 'close'
  res.writeHead(problem.status, headers)
  res.end(problem.body)
}

function problemOf(verifier: Verifier, error: unknown, req: IncomingMessage, realm: string | undefined): ProblemResponse {
  return problemFor(error, { policy: verifier.policy, realm, now: verifier.now(), withBody: hasBody(req) })
}

/**
 * Wrap a Node `http` request handler so it only sees verified requests.
 *
 * @throws {TypeError} at creation when an option is wrong.
 * @example
 * ```ts
 * http.createServer(withSignetNode(verifier, (req, res) => res.end(`hello ${req.signet.owner}`))).listen(8080, '127.0.0.1')
 * ```
 */
export function withSignetNode(
  verifier: Verifier,
  handler: (req: SignetIncomingMessage, res: ServerResponse) => unknown,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  validateAdapterOptions(verifier, options)
  if (typeof handler !== 'function') throw new TypeError('"handler" expected a function')
  const failed = (res: ServerResponse) => (error: unknown): void => writeProblem(res, problemFor(error, { now: verifier.now() }))
  return (req: IncomingMessage, res: ServerResponse): void => {
    verifyThen(
      verifier,
      req,
      options,
      (identity, body) => {
        // The handler runs in this microtask; only a promise it returns needs a rejection handler.
        let result: unknown
        sendLimits(res, identity)
        try {
          result = handler(attach(req, identity, body), res)
        } catch (error) {
          writeProblem(res, problemFor(error, { now: verifier.now() }))
          return
        }
        if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
          ;(result as Promise<unknown>).then(undefined, failed(res))
        }
      },
      (error: unknown) => writeProblem(res, problemOf(verifier, error, req, options.realm)),
    )
  }
}

/**
 * Express (or Connect) middleware: sets `req.signet` and `req.rawBody`, or answers the refusal.
 *
 * @throws {TypeError} at creation when an option is wrong.
 * @example
 * ```ts
 * app.use('/api', signetExpress(verifier))
 * app.post('/api/orders', signetExpress(verifier, { requiredScopes: ['orders:write'] }), (req, res) => res.json(req.signet))
 * ```
 */
export function signetExpress(
  verifier: Verifier,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  validateAdapterOptions(verifier, options)
  return (req, res, next): void => {
    const existing = (req as Partial<SignetIncomingMessage>).signet
    const refuse = (error: unknown): void => writeProblem(res, problemOf(verifier, error, req, options.realm))
    if (existing !== undefined && !madeBy(existing, verifier)) {
      // An identity left by another verifier (other keys, another policy) proves nothing here:
      // verify again, on the body the first mount already read (it cannot be read twice).
      const body = (req as Partial<SignetIncomingMessage>).rawBody ?? NO_BODY
      verifyWithBody(verifier, req, options, body).then(
        (identity) => {
          attach(req, markVerified(identity, verifier), body)
          sendLimits(res, identity)
          next()
        },
        refuse,
      )
      return
    }
    // A router that mounts the middleware twice must not read the (already consumed) body again.
    if (existing !== undefined && scopesFor(options.requiredScopes, req) === undefined) {
      next()
      return
    }
    if (existing === undefined) {
      verifyThen(
        verifier,
        req,
        options,
        (identity, body) => {
          attach(req, markVerified(identity, verifier), body)
          sendLimits(res, identity)
          next()
        },
        refuse,
      )
      return
    }
    // Verified by an earlier mount: verifying again would find its own nonce recorded (a replay),
    // so only this mount's scopes are checked, and a refusal is audited like the verifier's.
    Promise.resolve()
      .then(() => checkScopes(existing, scopesFor(options.requiredScopes, req)))
      .then(
        () => next(),
        (error: unknown) => {
          verifier.reject(error, { clientIp: existing.clientIp, keyid: existing.keyid, label: existing.label })
          refuse(error)
        },
      )
  }
}
