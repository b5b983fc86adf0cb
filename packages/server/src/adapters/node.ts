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
 * reports another (`Forwarded: proto=` or `X-Forwarded-Proto`).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SignetError, fromNodeRequest } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'
import { problemFor } from '../problem.ts'
import type { ProblemResponse } from '../problem.ts'
import type { VerifiedIdentity, Verifier } from '../verifier.ts'
import { scopesFor, validateAdapterOptions } from './fetch.ts'
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

function hasBody(req: IncomingMessage): boolean {
  if (rawHeader(req, 'transfer-encoding') !== undefined) return true
  const length = rawHeader(req, 'content-length')
  return length !== undefined && length !== '0'
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
  const body = hasBody(req) ? await readNodeBody(req, verifier.limits.maxBodyBytes) : new Uint8Array(0)
  const peer = options.clientIp !== undefined ? options.clientIp(req) : req.socket?.remoteAddress
  const tls = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  // Express rewrites req.url under a mount path; the signature covers the target as sent.
  const originalUrl = (req as { originalUrl?: unknown }).originalUrl
  const source = typeof originalUrl === 'string' && originalUrl !== req.url ? { method: req.method, url: originalUrl, rawHeaders: req.rawHeaders, rawTrailers: req.rawTrailers } : req
  let message = fromNodeRequest(source, body.length > 0 ? { scheme: tls ? 'https' : 'http', body } : { scheme: tls ? 'https' : 'http' })
  const proto = verifier.forwarded(peer, message.fields).proto
  if (proto !== undefined && proto !== message.scheme) message = { ...message, scheme: proto }
  const identity = await verifier.verify(message, { clientIp: peer, requiredScopes: scopesFor(options.requiredScopes, req) })
  return { identity, message, body }
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
  return (req: IncomingMessage, res: ServerResponse): void => {
    verifyNodeRequest(verifier, req, options).then(
      ({ identity, body }) => {
        const verified = req as SignetIncomingMessage
        verified.signet = identity
        verified.rawBody = body
        // Built with the executor so a handler that throws synchronously is answered too.
        return new Promise((resolve) => resolve(handler(verified, res))).catch((error: unknown) => writeProblem(res, problemFor(error, { now: verifier.now() })))
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
    // A router that mounts the middleware twice must not read the (already consumed) body again.
    if (existing !== undefined && scopesFor(options.requiredScopes, req) === undefined) {
      next()
      return
    }
    const run = existing !== undefined
      ? Promise.resolve().then(() => {
          const scopes = scopesFor(options.requiredScopes, req) ?? []
          for (const scope of scopes) {
            if (!existing.scopes.includes(scope)) throw new SignetError('ERR_SCOPE_DENIED', `the key lacks the scope ${JSON.stringify(scope)}`)
          }
        })
      : verifyNodeRequest(verifier, req, options).then(({ identity, body }) => {
          const verified = req as SignetIncomingMessage
          verified.signet = identity
          verified.rawBody = body
        })
    run.then(
      () => next(),
      (error: unknown) => writeProblem(res, problemOf(verifier, error, req, options.realm)),
    )
  }
}
