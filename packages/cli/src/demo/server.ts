/**
 * The demo's API: a small orders service on Node `http`, behind `@signet/server`.
 *
 * Each route names the scopes a key needs (the route table is data, below). Every request is
 * verified straight from the `IncomingMessage` (`verifyNodeRequest`) before any route code runs;
 * the verifier's key resolver is the registry, so a rotation or a revocation there changes the
 * next decision with nothing restarted. A refusal is answered with the server package's
 * problem+json (status and stable `code`), its `Date` taken from the demo clock: a client learns
 * its clock offset from that field (RFC 9110 section 6.6.1), so it must be the verifier's time.
 *
 * The server listens on 127.0.0.1 on an ephemeral port and nothing else: the demo never leaves
 * loopback.
 *
 * @module
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MemoryNonceStore, createVerifier, problemFor, rateLimitHeaders, verifyNodeRequest, writeProblem } from '@signet/server'
import type { KeyResolver, VerificationEvent, Verifier, VerifierOptions } from '@signet/server'
import type { DemoClock } from './clock.ts'

/** One route of the demo API and the scopes a key needs to call it. */
export interface DemoRoute {
  readonly method: string
  readonly path: string
  readonly scopes: readonly string[]
}

/** The demo API. */
export const DEMO_ROUTES: readonly DemoRoute[] = [
  { method: 'GET', path: '/orders', scopes: ['orders:read'] },
  { method: 'POST', path: '/orders', scopes: ['orders:write'] },
  { method: 'GET', path: '/admin', scopes: ['admin'] },
]

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Where key ids are looked up (the registry's resolver). */
  readonly keys: KeyResolver
  /** The clock every party shares. */
  readonly clock: DemoClock
  /** Usage hooks (the registry's `recordUsage`). */
  readonly onVerified?: ((event: VerificationEvent) => void) | undefined
  readonly onRejected?: ((event: VerificationEvent) => void) | undefined
  /** The admission stage: rate limits and credits (the registry's `admission()`). */
  readonly admit?: VerifierOptions['admit']
}

/** A running demo server. */
export interface DemoServer {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string
  readonly verifier: Verifier
  /** Stop listening and drop idle keep-alive connections. */
  close(): Promise<void>
}

function findRoute(req: IncomingMessage): DemoRoute | undefined {
  const path = (req.url ?? '/').split('?')[0]
  return DEMO_ROUTES.find((r) => r.method === req.method && r.path === path)
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}

/**
 * Start the demo API on 127.0.0.1 (ephemeral port), verifying every request.
 *
 * @param options - key resolver, shared clock, usage hooks
 * @returns the origin to call and a `close` function
 * @throws {Error} when the socket cannot be opened
 * @example
 * ```ts
 * const server = await startDemoServer({ keys: registry.resolver(), clock })
 * await fetch(`${server.origin}/orders`) // 401: unsigned
 * await server.close()
 * ```
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { clock } = options
  const verifier = createVerifier({
    keys: options.keys,
    // A nonce store makes `nonce` required and a replayed request a 401 (RFC 9421 section 7.2.2).
    nonces: new MemoryNonceStore({ now: () => clock.nowMs() }),
    clock: () => clock.nowMs(),
    onVerified: options.onVerified,
    onRejected: options.onRejected,
    admit: options.admit,
  })
  const server = createServer((req, res) => {
    // Node would stamp its own (system) time; the demo's parties all live on the demo clock.
    res.sendDate = false
    res.setHeader('date', new Date(clock.nowMs()).toUTCString())
    const route = findRoute(req)
    const withBody = hasBody(req)
    verifyNodeRequest(verifier, req, { requiredScopes: route?.scopes ?? [] }).then(
      ({ identity, body }) => {
        for (const [name, value] of Object.entries(rateLimitHeaders(identity))) res.setHeader(name, value)
        if (route === undefined) return sendJson(res, 404, { error: 'no such route' })
        const answer: Record<string, unknown> = { route: `${route.method} ${route.path}`, keyid: identity.keyid, owner: identity.owner }
        if (body.length > 0) answer['received'] = JSON.parse(new TextDecoder().decode(body)) as unknown
        return sendJson(res, 200, answer)
      },
      (error: unknown) => writeProblem(res, problemFor(error, { policy: verifier.policy, now: clock.nowMs(), withBody })),
    ).catch((error: unknown) => writeProblem(res, problemFor(error)))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    verifier,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
