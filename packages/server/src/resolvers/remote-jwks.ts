/**
 * A JWK Set fetched from a URL and cached (RFC 7517 section 5, as identity providers publish it).
 *
 * The set is fetched on first use and again once `cacheMaxAgeMs` has passed. A key id that is
 * not in the cached set triggers one early refetch (keys are added before they are used), at
 * most once per `cooldownMs`, so a stream of requests with random key ids cannot turn the
 * verifier into a request amplifier. Concurrent lookups share one fetch. When a refetch fails
 * and the cache is older than its allowed staleness, lookups throw `ERR_STORE_UNAVAILABLE`
 * (503, fail closed): a removed key must not stay valid because the issuer is unreachable.
 *
 * Not jose's `createRemoteJWKSet`: it has the same cooldown and timeout, but it picks a key by a
 * JWS header and hands back a bare `CryptoKey` (our records need the JWK with its state, owner
 * and scopes), and it has no body-size limit, no bounded staleness and no injectable clock.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { KeyRecord, KeyResolver } from '../key-record.ts'
import { jwksRecords } from './jwks.ts'

/** Options for {@link remoteJwks}. */
export interface RemoteJwksOptions {
  /** How long a fetched set is used before refetching, ms. Default 300 000. */
  readonly cacheMaxAgeMs?: number
  /** Least time between two refetches caused by an unknown key id, ms. Default 30 000. */
  readonly cooldownMs?: number
  /** How long a fetched set may still be used after its max age when refetching fails, ms. Default 0. */
  readonly maxStaleMs?: number
  /** Abort a fetch after this long, ms. Default 5000. */
  readonly timeoutMs?: number
  /** Largest accepted response body, bytes. Default 1 MiB. */
  readonly maxBytes?: number
  /** The fetch to use. Default the global `fetch`. */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>
  /** Headers sent with the fetch. */
  readonly headers?: Record<string, string>
  /** Clock, unix ms. Default `Date.now`. */
  readonly now?: () => number
}

/** A resolver over a remote JWKS, with a manual refresh. */
export interface RemoteJwksResolver extends KeyResolver {
  resolve(keyid: string): Promise<KeyRecord | undefined>
  /** Fetch the set now (also used to fail fast at start-up). */
  refresh(): Promise<void>
}

function nonNegative(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`"${name}" expected a non-negative number, got ${String(value)}`)
  return value
}

/**
 * Create a caching resolver for the JWKS at `url`.
 *
 * @throws {TypeError} when `url` is not an http(s) URL or an option is wrong.
 * @example
 * ```ts
 * const keys = remoteJwks('https://issuer.example/.well-known/jwks.json')
 * const verifier = createVerifier({ keys })
 * ```
 */
export function remoteJwks(url: string | URL, options: RemoteJwksOptions = {}): RemoteJwksResolver {
  let parsedUrl: URL
  try {
    parsedUrl = new URL(String(url))
  } catch (cause) {
    throw new TypeError('"url" expected an absolute http(s) URL', { cause })
  }
  if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') throw new TypeError('"url" expected an http(s) URL')
  const href = parsedUrl.href
  const cacheMaxAgeMs = nonNegative(options.cacheMaxAgeMs, 'cacheMaxAgeMs', 300_000)
  const cooldownMs = nonNegative(options.cooldownMs, 'cooldownMs', 30_000)
  const maxStaleMs = nonNegative(options.maxStaleMs, 'maxStaleMs', 0)
  const timeoutMs = nonNegative(options.timeoutMs, 'timeoutMs', 5000)
  const maxBytes = nonNegative(options.maxBytes, 'maxBytes', 1024 * 1024)
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init))
  if (typeof doFetch !== 'function') throw new TypeError('"fetch" expected a function')
  const now = options.now ?? Date.now

  let records: Map<string, KeyRecord> | undefined
  let fetchedAt = -Infinity
  let lastAttempt = -Infinity
  let inflight: Promise<void> | undefined

  async function load(): Promise<void> {
    lastAttempt = now()
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      const response = await doFetch(href, { headers: { accept: 'application/jwk-set+json, application/json', ...options.headers }, signal: controller.signal, redirect: 'error' })
      if (!response.ok) throw new Error(`JWKS fetch answered ${response.status}`)
      const length = Number(response.headers.get('content-length') ?? '0')
      if (length > maxBytes) throw new Error('JWKS response too large')
      const text = await response.text()
      if (text.length > maxBytes) throw new Error('JWKS response too large')
      const list = await jwksRecords(JSON.parse(text))
      records = new Map(list.map((r) => [r.id, r]))
      fetchedAt = now()
    } finally {
      clearTimeout(timer)
    }
  }

  function refresh(): Promise<void> {
    if (inflight === undefined) {
      inflight = load().finally(() => {
        inflight = undefined
      })
    }
    return inflight
  }

  async function refreshOrFail(): Promise<void> {
    try {
      await refresh()
    } catch (cause) {
      if (records === undefined || now() - fetchedAt > cacheMaxAgeMs + maxStaleMs) {
        throw new SignetError('ERR_STORE_UNAVAILABLE', 'the JWKS could not be fetched', { cause })
      }
    }
  }

  return {
    async resolve(keyid: string): Promise<KeyRecord | undefined> {
      if (records === undefined || now() - fetchedAt >= cacheMaxAgeMs) await refreshOrFail()
      let record = records?.get(keyid)
      if (record === undefined && now() - lastAttempt >= cooldownMs) {
        await refreshOrFail()
        record = records?.get(keyid)
      }
      return record
    },
    refresh,
  }
}
