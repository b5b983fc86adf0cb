/**
 * `@signet/client/undici`: an undici interceptor that signs every request it dispatches
 * (RFC 9421, with RFC 9530 Content-Digest), for Node clients that call undici directly
 * (`request`, `stream`, a `Pool` or `Agent`) rather than `fetch`.
 *
 * It works on undici's dispatch options as a request description (the signer's fast path): no
 * Fetch `Request` is built, the body is digested once and sent as given. Bodies must be a
 * string or bytes, because a digest needs the whole body before the first header goes out; a
 * stream, an iterable or `FormData` is refused with a TypeError through the handler.
 *
 * A redirect followed by undici's `redirect` interceptor is dispatched again through this one
 * only when this interceptor is composed after it; compose it last (closest to the socket)
 * so every hop is signed, or, better, keep redirects off for signed calls (the signature names
 * one target URI; a hop to another origin must not carry it: `signedFetch` handles that).
 *
 * @module
 */
import { checkSigner } from './description.ts'
import type { DescriptionSigner } from './description.ts'
import { headerRecord } from './header-record.ts'

/** The dispatch options this interceptor reads and rewrites (a subset of undici's). */
export interface UndiciDispatchOptions {
  readonly origin?: string | URL | undefined
  readonly path: string
  readonly method: string
  readonly headers?: unknown
  readonly body?: unknown
  readonly [other: string]: unknown
}

/** The handler undici hands an interceptor (either API generation). */
export interface UndiciHandler {
  onResponseError?(controller: unknown, error: Error): void
  onError?(error: Error): void
}

/** undici's dispatch function, as an interceptor sees it. */
export type UndiciDispatch = (options: UndiciDispatchOptions, handler: UndiciHandler) => boolean

/** An undici interceptor: `Dispatcher.compose(interceptor)`. */
export type UndiciInterceptor = (dispatch: UndiciDispatch) => UndiciDispatch

function fail(handler: UndiciHandler, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error))
  if (typeof handler.onResponseError === 'function') handler.onResponseError(null, err)
  else handler.onError?.(err)
}

/**
 * Create an undici interceptor that signs each request with `signer`.
 *
 * @param signer - from `createSigner` (either entry), or any signer of descriptions.
 * @returns an interceptor for `Dispatcher.compose`.
 * @throws {TypeError} at creation when `signer` cannot sign; per request, a body that is not a
 * string or bytes, and every signing error (`SignetError`), reach the caller as the request's
 * rejection, before anything is sent.
 * @example
 * ```ts
 * import { Agent, request } from 'undici'
 * import { createSigner } from '@signet/client'
 * import { signetUndici } from '@signet/client/undici'
 * const dispatcher = new Agent().compose(signetUndici(createSigner({ key, keyId: 'client-1' })))
 * await request('https://api.example/orders', { method: 'POST', body: '{"n":1}', dispatcher })
 * ```
 */
export function signetUndici(signer: DescriptionSigner): UndiciInterceptor {
  checkSigner(signer)
  return (dispatch) => (options, handler) => {
    let pending: Promise<boolean>
    try {
      const body = options.body
      if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        throw new TypeError('signetUndici signs string and byte bodies; read a stream into bytes first')
      }
      if (options.origin === undefined) throw new TypeError('the dispatch options have no "origin"')
      const url = new URL(options.origin).origin + options.path
      pending = signer
        .sign({ method: options.method, url, headers: headerRecord(options.headers), body: body as string | Uint8Array | null | undefined })
        .then((signed) => dispatch({ ...options, headers: signed.headers }, handler))
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.catch((error: unknown) => fail(handler, error))
    return true
  }
}
