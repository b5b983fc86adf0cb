/**
 * The adapter for fetch-style handlers: Cloudflare Workers, Deno, Bun, and anything else whose
 * handler is `(request, ...rest) => Response`.
 *
 * The verified identity is handed to the wrapped handler as its second argument. The verifier
 * reads the request body once, with no clone or tee (on Node 20 a clone and a second read cost
 * 25-80 µs); the handler gets a request rebuilt around the bytes it read, so it reads the body
 * as usual (or takes `identity.body`). The client address is
 * taken from the runtime's own report when it can be recognised in the handler's extra
 * arguments (Deno's `info.remoteAddr`, Bun's `server.requestIP`); on Workers, set the verifier's
 * `cfConnectingIp` so `CF-Connecting-IP` is believed.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import { problemFor, rateLimitHeaders } from '../problem.ts'
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

/**
 * The request a handler sees after `verify` consumed the body: the same request around the
 * bytes that were verified. A request without a body is handed on as it is.
 *
 * @param request - the verified request (its body consumed by `verify`).
 * @param identity - the identity `verify` returned.
 * @returns a request whose body is `identity.body`.
 */
export function withVerifiedBody(request: Request, identity: VerifiedIdentity): Request {
  if (request.body === null) return request
  return new Request(request, { body: (identity.body as Uint8Array<ArrayBuffer> | undefined) ?? new Uint8Array(0) })
}

/** Resolve a scope rule for one request. */
export function scopesFor<R>(rule: ScopeRule<R> | undefined, request: R): readonly string[] | undefined {
  return typeof rule === 'function' ? rule(request) : rule
}

/**
 * Check an already verified identity against a route's scopes: for a middleware mounted a
 * second time on a route, which must not verify again (the first mount recorded the nonce).
 *
 * @throws {SignetError} `ERR_SCOPE_DENIED` naming the first scope the key lacks.
 */
export function checkScopes(identity: VerifiedIdentity, required: readonly string[] | undefined): void {
  if (required === undefined) return
  for (const scope of required) {
    if (!identity.scopes.includes(scope)) throw new SignetError('ERR_SCOPE_DENIED', `the key lacks the scope ${JSON.stringify(scope)}`)
  }
}

// Which verifier made each identity an adapter handed on. A middleware mounted twice on a route
// trusts an identity left by an earlier mount only when its own verifier made it: another
// verifier (other keys, another policy) verifies for itself. Kept by the adapters, not by
// `verify`, so a direct caller of the verifier pays nothing for it; weak, so nothing is kept alive.
const verifiedBy = new WeakMap<VerifiedIdentity, Verifier>()

/** Record that `verifier` made `identity` (see {@link madeBy}); returns the identity. */
export function markVerified(identity: VerifiedIdentity, verifier: Verifier): VerifiedIdentity {
  verifiedBy.set(identity, verifier)
  return identity
}

/** True when an adapter of `verifier` handed on `identity`. */
export function madeBy(identity: VerifiedIdentity, verifier: Verifier): boolean {
  return verifiedBy.get(identity) === verifier
}

function isVerifier(value: unknown): value is Verifier {
  return typeof value === 'object' && value !== null && typeof (value as { verify?: unknown }).verify === 'function'
}

/** Check adapter options at factory time. */
export function validateAdapterOptions(verifier: Verifier, options: { requiredScopes?: unknown; clientIp?: unknown }): void {
  if (!isVerifier(verifier)) throw new TypeError('"verifier" expected the result of createVerifier')
  validateRouteOptions(options)
}

function validateRouteOptions(options: { requiredScopes?: unknown; clientIp?: unknown }): void {
  const scopes = options.requiredScopes
  if (scopes !== undefined && typeof scopes !== 'function' && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string'))) {
    throw new TypeError('"requiredScopes" expected an array of strings or a function')
  }
  if (options.clientIp !== undefined && typeof options.clientIp !== 'function') throw new TypeError('"clientIp" expected a function')
}

/**
 * Builds the verifier from the handler's first extra argument: a Worker's `env`, whose bindings
 * (secrets, KV, the callers' keys) exist only once a request arrives.
 */
export type VerifierFactory<E> = (env: E) => Verifier | Promise<Verifier>

/**
 * Call a factory once and keep its verifier. Concurrent first requests share the one call; a
 * failed call is forgotten, so a transient failure (a KV read) is retried by the next request.
 */
function cachedVerifier<E>(factory: VerifierFactory<E>): (env: E) => Verifier | Promise<Verifier> {
  let ready: Verifier | undefined
  let pending: Promise<Verifier> | undefined
  return (env) => {
    if (ready !== undefined) return ready
    if (pending === undefined) {
      const attempt: Promise<Verifier> = Promise.resolve()
        .then(() => factory(env))
        .then((built) => {
          if (!isVerifier(built)) throw new TypeError('the verifier factory expected to return the result of createVerifier')
          ready = built
          return built
        })
      pending = attempt
      attempt.catch(() => {
        if (pending === attempt) pending = undefined
      })
    }
    return pending
  }
}

/**
 * Wrap a fetch-style handler so it only sees verified requests.
 *
 * @param verifier - from `createVerifier`, or a factory `(env) => verifier` (sync or async)
 * called once, on the first request, with the handler's first extra argument (a Worker's
 * `env`), and cached. A factory that throws answers that request 500 and is called again on
 * the next one.
 * @returns a handler with the same extra arguments, answering refused requests with problem+json.
 * @throws {TypeError} at creation when an option is wrong.
 * @example
 * ```ts
 * export default {
 *   fetch: withSignet(verifier, (request, identity, env) => Response.json({ hello: identity.owner })),
 * }
 * // On Workers, from the bindings:
 * export default {
 *   fetch: withSignet(async (env: Env) => createVerifier({ keys: await jwksKeys(JSON.parse(env.CALLER_JWKS)) }), (request, identity) => Response.json({ hello: identity.owner })),
 * }
 * ```
 */
export function withSignet<A extends unknown[]>(
  verifier: Verifier,
  handler: (request: Request, identity: VerifiedIdentity, ...rest: A) => Response | Promise<Response>,
  options?: FetchAdapterOptions<A>,
): (request: Request, ...rest: A) => Promise<Response>
export function withSignet<E, A extends [env: E, ...rest: unknown[]] = [env: E, ...rest: unknown[]]>(
  factory: VerifierFactory<E>,
  handler: (request: Request, identity: VerifiedIdentity, ...rest: A) => Response | Promise<Response>,
  options?: FetchAdapterOptions<A>,
): (request: Request, ...rest: A) => Promise<Response>
export function withSignet<A extends unknown[]>(
  verifier: Verifier | VerifierFactory<unknown>,
  handler: (request: Request, identity: VerifiedIdentity, ...rest: A) => Response | Promise<Response>,
  options: FetchAdapterOptions<A> = {},
): (request: Request, ...rest: A) => Promise<Response> {
  if (typeof verifier === 'function') validateRouteOptions(options)
  else validateAdapterOptions(verifier, options)
  if (typeof handler !== 'function') throw new TypeError('"handler" expected a function')
  const clientIp = options.clientIp ?? (defaultClientIp as (request: Request, ...rest: A) => string | undefined)
  const fixed = typeof verifier === 'function' ? undefined : verifier
  const build = typeof verifier === 'function' ? cachedVerifier(verifier) : undefined
  return async (request: Request, ...rest: A): Promise<Response> => {
    let active: Verifier
    if (fixed !== undefined) active = fixed
    else {
      try {
        active = await (build as (env: unknown) => Verifier | Promise<Verifier>)(rest[0])
      } catch {
        // Fail closed: no verifier, no entry. Always a bare 500, even for a coded error (a
        // malformed key in the bindings is not the caller's 401) and the cause is not sent.
        const p = problemFor(undefined)
        return new Response(p.body, { status: p.status, headers: p.headers })
      }
    }
    let identity: VerifiedIdentity
    try {
      identity = await active.verify(request, { clientIp: clientIp(request, ...rest), requiredScopes: scopesFor(options.requiredScopes, request) })
    } catch (error) {
      const p = problemFor(error, { policy: active.policy, realm: options.realm, now: active.now(), withBody: request.body !== null })
      return new Response(p.body, { status: p.status, headers: p.headers })
    }
    const response = await handler(withVerifiedBody(request, identity), identity, ...rest)
    return identity.rateLimits === undefined ? response : withLimitFields(response, identity)
  }
}

/**
 * The response with the identity's `RateLimit-Policy` and `RateLimit` fields, unless the handler
 * set them itself. A response's headers may be immutable (one from `fetch`, a redirect): then a
 * copy carries them.
 */
function withLimitFields(response: Response, identity: VerifiedIdentity): Response {
  const fields = Object.entries(rateLimitHeaders(identity)).filter(([name]) => !response.headers.has(name))
  if (fields.length === 0) return response
  try {
    for (const [name, value] of fields) response.headers.set(name, value)
    return response
  } catch {
    const headers = new Headers(response.headers)
    for (const [name, value] of fields) headers.set(name, value)
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
  }
}
