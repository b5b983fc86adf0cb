/**
 * Hono middleware: verified requests continue with the identity at `c.get('signet')`; refused
 * ones are answered with problem+json and never reach the route.
 *
 * The peer address is found where Hono's runtime adapters put it (`@hono/node-server`:
 * `c.env.incoming.socket.remoteAddress`; Bun: `c.env.requestIP`; Deno: `c.env.remoteAddr`),
 * unless `clientIp` says otherwise.
 *
 * Mounted twice on a route (`app.use('/api/*', ...)` and again with `requiredScopes`), the
 * request is verified once: the second mount finds `c.get('signet')` and checks only its scopes.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono'
import { problemFor, rateLimitHeaders } from '../problem.ts'
import type { VerifiedIdentity, Verifier } from '../verifier.ts'
import { checkScopes, defaultClientIp, madeBy, markVerified, scopesFor, validateAdapterOptions, withVerifiedBody } from './fetch.ts'
import type { ScopeRule } from './fetch.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** The verified caller, set by the Signet middleware. */
    signet: VerifiedIdentity
  }
}

/** Options of {@link signetHono}. */
export interface HonoAdapterOptions {
  readonly requiredScopes?: ScopeRule<Context> | undefined
  readonly clientIp?: ((c: Context) => string | undefined) | undefined
  readonly realm?: string | undefined
}

function honoClientIp(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: unknown } } } | undefined
  const nodeAddress = env?.incoming?.socket?.remoteAddress
  if (typeof nodeAddress === 'string') return nodeAddress
  return defaultClientIp(c.req.raw, c.env)
}

/**
 * Create the middleware.
 *
 * @throws {TypeError} at creation when an option is wrong.
 * @example
 * ```ts
 * app.use('/api/*', signetHono(verifier))
 * app.post('/api/orders', signetHono(verifier, { requiredScopes: ['orders:write'] }), (c) => c.json({ by: c.get('signet').owner }))
 * ```
 */
export function signetHono(verifier: Verifier, options: HonoAdapterOptions = {}): MiddlewareHandler {
  validateAdapterOptions(verifier, options)
  const clientIp = options.clientIp ?? honoClientIp
  const refusal = (c: Context, error: unknown): Response => {
    const p = problemFor(error, { policy: verifier.policy, realm: options.realm, now: verifier.now(), withBody: c.req.raw.body !== null })
    return new Response(p.body, { status: p.status, headers: p.headers })
  }
  return async (c, next) => {
    const existing = c.get('signet') as VerifiedIdentity | undefined
    if (existing !== undefined && madeBy(existing, verifier)) {
      // Verified by an earlier mount of this verifier (`app.use('/api/*', ...)`): verifying again
      // would find the nonce that mount recorded and refuse a replay, so only this mount's scopes
      // are checked. An identity from another verifier (other keys) is verified again below.
      try {
        checkScopes(existing, scopesFor(options.requiredScopes, c))
      } catch (error) {
        verifier.reject(error, { clientIp: existing.clientIp, keyid: existing.keyid, label: existing.label })
        return refusal(c, error)
      }
      await next()
      return undefined
    }
    let identity: VerifiedIdentity
    try {
      identity = await verifier.verify(c.req.raw, { clientIp: clientIp(c), requiredScopes: scopesFor(options.requiredScopes, c) })
    } catch (error) {
      return refusal(c, error)
    }
    // The body was read once by verify; the route reads the same bytes.
    c.req.raw = withVerifiedBody(c.req.raw, identity)
    c.set('signet', markVerified(identity, verifier))
    await next()
    // What is left of the key's limits, on the route's response unless it set them itself.
    if (identity.rateLimits !== undefined) {
      for (const [name, value] of Object.entries(rateLimitHeaders(identity))) if (!c.res.headers.has(name)) c.header(name, value)
    }
    return undefined
  }
}
