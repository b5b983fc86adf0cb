/**
 * The adapter for fetch-style handlers: Cloudflare Workers, Deno, Bun, and anything else whose
 * handler is `(request, ...rest) => Response`.
 *
 * The verified identity is handed to the wrapped handler as its second argument; the original
 * `Request` is passed on unread (the verifier reads the body of a clone). The client address is
 * taken from the runtime's own report when it can be recognised in the handler's extra
 * arguments (Deno's `info.remoteAddr`, Bun's `server.requestIP`); on Workers, set the verifier's
 * `cfConnectingIp` so `CF-Connecting-IP` is believed.
 *
 * @module
 */
import { problemFor } from '../problem.ts'
import type { VerifiedIdentity, Verifier } from '../verifier.ts'

/** Scopes a route needs, fixed or computed from the request. */
export type ScopeRule<R> = readonly string[] | ((request: R) => readonly string[] | undefined)

/** Options of {@link withSignet}. */
export interface FetchAdapterOptions<A extends unknown[]> {
  /** Scopes the wrapped handler needs. */
  readonly requiredScopes?: ScopeRule<Request> | undefined
  /** Where the socket peer's address comes from. Default: Deno `info.remoteAddr`, Bun `server.requestIP`. */
  readonly clientIp?: ((request: Request, ...rest: A) => string | undefined) | undefined
  /** `realm` of the `WWW-Authenticate` challenge. */
  readonly realm?: string | undefined
}

/** Recognise the peer address in the extra arguments runtimes pass to a fetch handler. */
export function defaultClientIp(request: Request, ...rest: unknown[]): string | undefined {
  const first = rest[0] as { remoteAddr?: { hostname?: unknown }; requestIP?: unknown } | undefined
  if (typeof first !== 'object' || first === null) return undefined
  // Deno.serve: (request, info) with info.remoteAddr.hostname.
  if (typeof first.remoteAddr?.hostname === 'string') return first.remoteAddr.hostname
  // Bun.serve: fetch(request, server) with server.requestIP(request).
  if (typeof first.requestIP === 'function') {
    const found = (first.requestIP as (r: Request) => { address?: unknown } | null)(request)
    if (found !== null && typeof found?.address === 'string') return found.address
  }
  return undefined
}

/** Resolve a scope rule for one request. */
export function scopesFor<R>(rule: ScopeRule<R> | undefined, request: R): readonly string[] | undefined {
  return typeof rule === 'function' ? rule(request) : rule
}

/** Check adapter options at factory time. */
export function validateAdapterOptions(verifier: Verifier, options: { requiredScopes?: unknown; clientIp?: unknown }): void {
  if (typeof verifier !== 'object' || verifier === null || typeof verifier.verify !== 'function') throw new TypeError('"verifier" expected the result of createVerifier')
  const scopes = options.requiredScopes
  if (scopes !== undefined && typeof scopes !== 'function' && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string'))) {
    throw new TypeError('"requiredScopes" expected an array of strings or a function')
  }
  if (options.clientIp !== undefined && typeof options.clientIp !== 'function') throw new TypeError('"clientIp" expected a function')
}

/**
 * Wrap a fetch-style handler so it only sees verified requests.
 *
 * @returns a handler with the same extra arguments, answering refused requests with problem+json.
 * @throws {TypeError} at creation when an option is wrong.
 * @example
 * ```ts
 * export default {
 *   fetch: withSignet(verifier, (request, identity, env) => Response.json({ hello: identity.owner })),
 * }
 * ```
 */
export function withSignet<A extends unknown[]>(
  verifier: Verifier,
  handler: (request: Request, identity: VerifiedIdentity, ...rest: A) => Response | Promise<Response>,
  options: FetchAdapterOptions<A> = {},
): (request: Request, ...rest: A) => Promise<Response> {
  validateAdapterOptions(verifier, options)
  if (typeof handler !== 'function') throw new TypeError('"handler" expected a function')
  const clientIp = options.clientIp ?? (defaultClientIp as (request: Request, ...rest: A) => string | undefined)
  return async (request: Request, ...rest: A): Promise<Response> => {
    let identity: VerifiedIdentity
    try {
      identity = await verifier.verify(request, { clientIp: clientIp(request, ...rest), requiredScopes: scopesFor(options.requiredScopes, request) })
    } catch (error) {
      const p = problemFor(error, { policy: verifier.policy, realm: options.realm, withBody: request.body !== null })
      return new Response(p.body, { status: p.status, headers: p.headers })
    }
    return handler(request, identity, ...rest)
  }
}
