/**
 * `directoryKeys`: a key resolver for Web Bot Auth (draft-ietf-webbotauth-httpsig-protocol).
 * The signature names its agent in `Signature-Agent`; the resolver fetches that agent's key
 * directory, caches it, and answers with the key whose RFC 7638 thumbprint is the `keyid`.
 *
 * Lookups are by (directory identifier, thumbprint), never by `keyid` alone (section
 * "Validating Message Signature"): a key learned from one directory never verifies a request
 * that names another. The records it returns carry `owner` = the directory identifier (the
 * verified identity's `owner`) and `label` = `web-bot-auth` (how `verifyAgent` recognises them).
 *
 * Caching (section "Cache Behaviour" and the ones after it):
 * - a directory is fresh for its `Cache-Control: max-age` (or `Expires`), clamped to
 *   [`minTtlSeconds`, `maxTtlSeconds`], `defaultTtlSeconds` when it says nothing;
 * - a stale directory is revalidated with `If-None-Match` / `If-Modified-Since`; a 304 keeps
 *   the keys and renews their freshness;
 * - a failed fetch (network, timeout, size, non-200) never evicts keys that were good: they
 *   keep verifying for `maxStaleSeconds`, and the next attempt waits `retryAfterErrorSeconds`
 *   (section "Discovery Failure": a failure is not evidence; a good directory without the key is);
 * - a key the fresh directory does not list is remembered as absent for `negativeTtlSeconds`
 *   (at most 300, section "Negative Caching and Retry"); after that a lookup refetches;
 * - concurrent lookups of one directory share one fetch.
 *
 * The outcomes are kept apart by code: a directory that cannot be used is
 * `ERR_DIRECTORY_UNAVAILABLE` (or `ERR_DIRECTORY_REFUSED` for a URL the SSRF rules refuse), a
 * key the directory does not list is `undefined` (`ERR_KEY_NOT_FOUND`), and a signature that
 * fails is the verifier's `ERR_SIGNATURE_INVALID`. See `agentOutcome`.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { KeyResolveContext } from '@signet/core'
import type { KeyRecord, KeyResolver } from '../key-record.ts'
import { fetchDirectory } from './directory-fetch.ts'
import type { DirectoryFetch, DirectoryFetchResult } from './directory-fetch.ts'
import { parseCacheControl, readDirectory } from './directory-keys.ts'
import type { DirectoryKey } from './directory-keys.ts'
import { readAgentUrl, signatureAgentOf } from './signature-agent.ts'

/** Options of {@link directoryKeys}. */
export interface DirectoryKeysOptions {
  /** Fetch directories on private and loopback addresses, and over plain http on loopback. Tests only. Default false. */
  readonly allowPrivateNetworks?: boolean | undefined
  /** Whole-fetch time limit, body included, ms. Default 5000. */
  readonly timeoutMs?: number | undefined
  /** Largest directory body, bytes (counted as received, chunked or not). Default 262 144. */
  readonly maxBytes?: number | undefined
  /** Most keys read from one directory. Default 32. */
  readonly maxKeys?: number | undefined
  /** Freshness when the directory gives none, seconds. Default 3600. */
  readonly defaultTtlSeconds?: number | undefined
  /** Least freshness, whatever the directory says (so no fetch per request), seconds. Default 60. */
  readonly minTtlSeconds?: number | undefined
  /** Most freshness, seconds. Default 86 400. */
  readonly maxTtlSeconds?: number | undefined
  /** How long a key the directory does not list is remembered as absent, seconds; at most 300. Default 300. */
  readonly negativeTtlSeconds?: number | undefined
  /** How long keys keep verifying past their freshness while fetches fail, seconds. Default 86 400. */
  readonly maxStaleSeconds?: number | undefined
  /**
   * Wait before retrying a directory whose fetch failed, seconds; doubled after each further
   * failure up to 10 minutes, or longer when the directory sent `Retry-After` (at most an hour).
   * Default 30.
   */
  readonly retryAfterErrorSeconds?: number | undefined
  /**
   * Most directory fetches in flight at once, over all directories; a lookup that would start
   * another fails at once as unverified (`ERR_DIRECTORY_UNAVAILABLE`), so a burst of requests
   * naming new directories cannot pile up connections. Default 16.
   */
  readonly maxConcurrentFetches?: number | undefined
  /** Most directories cached; the oldest entry is dropped beyond it. Default 1000. */
  readonly maxDirectories?: number | undefined
  readonly policy?: {
    /** Use only keys with a valid directory response signature. Default false. */
    readonly requireSignedDirectory?: boolean | undefined
  } | undefined
  /** Accept the RFC 9421 test keys (tests against the drafts' examples). Default false. */
  readonly allowTestKeys?: boolean | undefined
  /** A `fetch` to use instead of `node:https` (no DNS pinning then). */
  readonly fetch?: DirectoryFetch | undefined
  /** Clock, unix ms. Default `Date.now`. */
  readonly now?: (() => number) | undefined
}

/** A directory resolver, with a few operations beyond `resolve`. */
export interface DirectoryKeyResolver extends KeyResolver {
  resolve(keyid: string, context?: KeyResolveContext): Promise<KeyRecord | undefined>
  /**
   * Look a key up in one directory, fetching it as `resolve` would.
   *
   * @param agentUrl - a `Signature-Agent` member value.
   * @param keyid - the thumbprint.
   */
  lookup(agentUrl: string, keyid: string): Promise<KeyRecord | undefined>
  /** Forget every cached directory. */
  clear(): void
}

const KEY_TIME_SKEW_SECONDS = 60

interface CacheEntry {
  records: Map<string, KeyRecord> | undefined
  /** Unix ms until which the keys are fresh. */
  freshUntil: number
  /** Unix ms of the last good answer (200 or 304). */
  goodAt: number
  /** Unix ms before which no new fetch is tried after a failure. */
  retryAt: number
  lastError: SignetError | undefined
  /** Failed fetches in a row (for the back-off). */
  failures: number
  etag: string | undefined
  lastModified: string | undefined
  /** Thumbprint to unix ms until which it is known to be absent. */
  absent: Map<string, number>
  inflight: Promise<void> | undefined
}

/** `Retry-After` (RFC 9110 section 10.2.3) as ms from `nowMs`: delay-seconds or an HTTP date. */
function retryAfter(value: string | undefined, nowMs: number): number {
  if (value === undefined) return 0
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? 0 : Math.max(0, at - nowMs)
}

function seconds(value: number | undefined, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`"${name}" expected a non-negative number, got ${String(value)}`)
  if (value > max) throw new RangeError(`"${name}" expected at most ${max}, got ${value}`)
  return value
}

/**
 * Create a resolver that finds keys through `Signature-Agent` key directories.
 *
 * @param options - limits, cache lifetimes, policy.
 * @returns a {@link DirectoryKeyResolver}; compose it with others through `chainKeys`.
 * @throws {TypeError | RangeError} for an option of the wrong type or range.
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   keys: chainKeys(jwksKeys(apiKeys), directoryKeys()),
 *   policy: { tag: 'web-bot-auth' },
 * })
 * ```
 */
export function directoryKeys(options: DirectoryKeysOptions = {}): DirectoryKeyResolver {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  const allowPrivate = options.allowPrivateNetworks === true
  const timeoutMs = seconds(options.timeoutMs, 'timeoutMs', 5000)
  const maxBytes = seconds(options.maxBytes, 'maxBytes', 256 * 1024)
  const maxKeys = seconds(options.maxKeys, 'maxKeys', 32)
  const defaultTtl = seconds(options.defaultTtlSeconds, 'defaultTtlSeconds', 3600)
  const minTtl = seconds(options.minTtlSeconds, 'minTtlSeconds', 60)
  const maxTtl = seconds(options.maxTtlSeconds, 'maxTtlSeconds', 86_400)
  const negativeTtl = seconds(options.negativeTtlSeconds, 'negativeTtlSeconds', 300, 300)
  const maxStale = seconds(options.maxStaleSeconds, 'maxStaleSeconds', 86_400)
  const retryAfterError = seconds(options.retryAfterErrorSeconds, 'retryAfterErrorSeconds', 30)
  const maxDirectories = Math.max(1, seconds(options.maxDirectories, 'maxDirectories', 1000))
  const maxConcurrent = Math.max(1, seconds(options.maxConcurrentFetches, 'maxConcurrentFetches', 16))
  let inFlight = 0
  const requireSigned = options.policy?.requireSignedDirectory === true
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('"fetch" expected a function')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw new TypeError('"now" expected a function returning unix milliseconds')

  const cache = new Map<string, CacheEntry>()

  function entryFor(identifier: string): CacheEntry {
    let entry = cache.get(identifier)
    if (entry === undefined) {
      if (cache.size >= maxDirectories) cache.delete(cache.keys().next().value as string)
      entry = { records: undefined, freshUntil: -Infinity, goodAt: -Infinity, retryAt: -Infinity, lastError: undefined, failures: 0, etag: undefined, lastModified: undefined, absent: new Map(), inflight: undefined }
      cache.set(identifier, entry)
    }
    return entry
  }

  function freshnessMs(result: DirectoryFetchResult, signatureExpires: number | undefined): number {
    const cacheControl = result.headers.get('cache-control')
    let ttl = defaultTtl
    if (cacheControl !== undefined) {
      const directives = parseCacheControl(cacheControl)
      if (directives.noStore || directives.noCache) ttl = 0
      else if (directives.maxAge !== undefined) ttl = directives.maxAge
    } else {
      const expires = result.headers.get('expires')
      const at = expires === undefined ? NaN : Date.parse(expires)
      const date = result.headers.get('date')
      const base = date === undefined || Number.isNaN(Date.parse(date)) ? now() : Date.parse(date)
      if (!Number.isNaN(at)) ttl = Math.max(0, (at - base) / 1000)
    }
    ttl = Math.min(Math.max(ttl, minTtl), maxTtl)
    let until = now() + ttl * 1000
    // Keys are not kept past the proof that vouches for them.
    if (signatureExpires !== undefined) until = Math.min(until, signatureExpires * 1000)
    return until
  }

  function toRecords(keys: readonly DirectoryKey[], identifier: string): Map<string, KeyRecord> {
    const records = new Map<string, KeyRecord>()
    for (const key of keys) {
      if (!key.usable) continue
      if (key.signature === 'invalid') continue
      if (requireSigned && key.signature !== 'valid') continue
      records.set(key.thumbprint, {
        id: key.thumbprint,
        key: key.key,
        owner: identifier,
        label: 'web-bot-auth',
        // The directory's clock and ours may disagree: nbf and exp get a minute of slack.
        ...(key.notBefore === undefined ? {} : { notBefore: key.notBefore - KEY_TIME_SKEW_SECONDS }),
        ...(key.expires === undefined ? {} : { expires: key.expires + KEY_TIME_SKEW_SECONDS }),
      })
    }
    return records
  }

  async function load(entry: CacheEntry, fetchUrl: URL, identifier: string): Promise<void> {
    const headers: Record<string, string> = {}
    let retryAfterMs = 0
    if (entry.records !== undefined && entry.etag !== undefined) headers['if-none-match'] = entry.etag
    if (entry.records !== undefined && entry.lastModified !== undefined) headers['if-modified-since'] = entry.lastModified
    try {
      const result = await fetchDirectory(fetchUrl, {
        timeoutMs,
        maxBytes,
        allowPrivateNetworks: allowPrivate,
        headers,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      })
      if (result.status === 304 && entry.records !== undefined) {
        entry.freshUntil = freshnessMs(result, undefined)
        entry.goodAt = now()
        entry.lastError = undefined
        entry.failures = 0
        return
      }
      // Section "Key Distribution and Discovery": only a 200 counts; redirects are failures.
      if (result.status !== 200) {
        retryAfterMs = retryAfter(result.headers.get('retry-after'), now())
        throw new SignetError('ERR_DIRECTORY_UNAVAILABLE', `the directory answered ${result.status}`)
      }
      const contents = await readDirectory(result, { now: Math.floor(now() / 1000), maxKeys, allowTestKeys: options.allowTestKeys === true })
      const fatal = contents.problems.find((p) => p.code === 'json' || p.code === 'not-jwks')
      if (fatal !== undefined) throw new SignetError('ERR_DIRECTORY_UNAVAILABLE', fatal.message)
      const records = toRecords(contents.keys, identifier)
      let signatureExpires: number | undefined
      for (const key of contents.keys) {
        if (key.signatureExpires !== undefined) signatureExpires = Math.min(signatureExpires ?? Infinity, key.signatureExpires)
      }
      entry.records = records
      entry.absent.clear()
      entry.freshUntil = freshnessMs(result, signatureExpires)
      entry.goodAt = now()
      entry.lastError = undefined
      entry.failures = 0
      entry.etag = result.headers.get('etag')
      entry.lastModified = result.headers.get('last-modified')
    } catch (error) {
      // Section "Negative Caching and Retry": bounded exponential back-off, Retry-After respected.
      entry.failures += 1
      const backoffMs = Math.min(retryAfterError * 1000 * 2 ** Math.min(entry.failures - 1, 20), Math.max(retryAfterError * 1000, 600_000))
      entry.retryAt = now() + Math.max(backoffMs, Math.min(retryAfterMs, 3_600_000))
      entry.lastError =
        error instanceof SignetError && (error.code === 'ERR_DIRECTORY_UNAVAILABLE' || error.code === 'ERR_DIRECTORY_REFUSED')
          ? error
          : new SignetError('ERR_DIRECTORY_UNAVAILABLE', 'the directory could not be read', { cause: error })
      throw entry.lastError
    }
  }

  function refresh(entry: CacheEntry, fetchUrl: URL, identifier: string): Promise<void> {
    if (entry.inflight !== undefined) return entry.inflight
    // Not a failure of this directory: no back-off is recorded, the next lookup may try.
    if (inFlight >= maxConcurrent) return Promise.reject(new SignetError('ERR_DIRECTORY_UNAVAILABLE', 'too many directory fetches in flight'))
    inFlight += 1
    entry.inflight = load(entry, fetchUrl, identifier).finally(() => {
      inFlight -= 1
      entry.inflight = undefined
    })
    return entry.inflight
  }

  /** Fetch when the entry is stale (or the key is unknown and not remembered absent), failures tolerated while stale keys last. */
  async function ensure(entry: CacheEntry, fetchUrl: URL, identifier: string, keyid: string): Promise<void> {
    const at = now()
    const stale = at >= entry.freshUntil
    const absentUntil = entry.absent.get(keyid)
    // An unknown key refetches a fresh directory (keys are added before they are used), but
    // no more often than minTtlSeconds: random key ids must not turn into a fetch each.
    const unknown =
      entry.records !== undefined &&
      !entry.records.has(keyid) &&
      (absentUntil === undefined || at >= absentUntil) &&
      at - entry.goodAt >= minTtl * 1000
    if (!stale && !unknown) return
    if (at < entry.retryAt) {
      // Backing off after a failure: stale keys serve while they may.
      if (entry.records !== undefined && at <= entry.freshUntil + maxStale * 1000) return
      throw entry.lastError ?? new SignetError('ERR_DIRECTORY_UNAVAILABLE', 'the directory could not be read')
    }
    try {
      await refresh(entry, fetchUrl, identifier)
    } catch (error) {
      // Stale-while-error: a failed fetch never evicts keys that were good.
      if (entry.records !== undefined && at <= entry.freshUntil + maxStale * 1000) return
      throw error
    }
  }

  async function lookupUrl(value: string, keyid: string): Promise<KeyRecord | undefined> {
    const agent = readAgentUrl(value)
    if (agent === undefined) throw new SignetError('ERR_DIRECTORY_REFUSED', 'the Signature-Agent value is not an absolute URL')
    const entry = entryFor(agent.identifier)
    await ensure(entry, agent.fetchUrl, agent.identifier, keyid)
    const record = entry.records?.get(keyid)
    if (record === undefined && entry.records !== undefined && !entry.absent.has(keyid)) {
      // A good directory without the key is evidence (section "Discovery Failure").
      entry.absent.set(keyid, now() + negativeTtl * 1000)
    }
    return record
  }

  return {
    resolve(keyid: string, context?: KeyResolveContext): Promise<KeyRecord | undefined> {
      if (context === undefined) return Promise.resolve(undefined)
      const agent = signatureAgentOf(context)
      // No covered Signature-Agent member: not this resolver's request.
      if (agent === undefined) return Promise.resolve(undefined)
      return lookupUrl(agent, keyid)
    },
    lookup: lookupUrl,
    clear(): void {
      cache.clear()
    },
  }
}
