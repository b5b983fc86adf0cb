/**
 * Reading a fetched key directory (draft-ietf-webbotauth-httpsig-protocol sections "Directory
 * Format" and "Validating the Domain Binding"): the JWK Set, each key's RFC 7638 thumbprint,
 * and the directory's own signatures (`tag="http-message-signatures-directory"`, one per key,
 * covering `"@authority";req` and `content-digest`).
 *
 * Everything wrong is reported as a {@link DirectoryProblem}, so one reader serves both the key
 * resolver (which keeps only the keys it may use) and `signet directory lint` (which prints every
 * problem). Keys are indexed by their thumbprint, never by the `kid` the directory wrote.
 *
 * @module
 */
import {
  fromUtf8,
  importKey,
  parseSignatures,
  selectSignatures,
  thumbprint,
  verifyContentDigest,
  verifySignature,
} from '@signet/core/verifying'
import type { FieldLine, HttpRequestMessage, HttpResponseMessage, SignetKey } from '@signet/core'
import { DIRECTORY_MEDIA_TYPE } from './directory-fetch.ts'
import type { DirectoryFetchResult } from './directory-fetch.ts'

/** The `tag` of a directory response signature. */
export const DIRECTORY_TAG = 'http-message-signatures-directory'

/**
 * RFC 7638 thumbprints of the RFC 9421 Appendix B.1 test keys, which the draft's section "Test
 * and Demonstration Keys" says verifiers SHOULD reject.
 */
export const KNOWN_TEST_KEY_THUMBPRINTS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'BHj8s0GPnMEQtkaULIM-PLgEhLBbuGUQ1vMxmBWZzEo', // test-key-rsa
  'oD0HwocPBSfpNy5W3bpJeyFGY_IQ_YpqxSjQ3Yd-CLA', // test-key-rsa-pss
  'ydQXMtvbsOsZyFir-Y7A8t7fKEM1gbKPvyFkdpu4fvI', // test-key-ecc-p256
  'poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U', // test-key-ed25519
])

/** One problem found in a directory. `code` is stable; `kid` names the key when there is one. */
export interface DirectoryProblem {
  readonly code:
    | 'status'
    | 'redirect'
    | 'media-type'
    | 'json'
    | 'not-jwks'
    | 'no-keys'
    | 'too-many-keys'
    | 'key-invalid'
    | 'key-symmetric'
    | 'private-key-material'
    | 'duplicate-key'
    | 'kid-not-thumbprint'
    | 'test-key'
    | 'unsigned'
    | 'signature-invalid'
    | 'signature-incomplete'
    | 'signature-expired'
    | 'signature-in-future'
    | 'digest-mismatch'
    | 'cache-beyond-expiry'
    | 'no-cache-control'
    | 'fetch-failed'
    | 'too-large'
  readonly message: string
  readonly kid?: string
}

/** A key read from a directory. */
export interface DirectoryKey {
  /** The RFC 7638 thumbprint, computed here: the only key id it is found by. */
  readonly thumbprint: string
  readonly key: SignetKey
  /** `nbf` and `exp` of the JWK, unix seconds. */
  readonly notBefore: number | undefined
  readonly expires: number | undefined
  /** The directory's own signature for this key: valid, absent, or present and failing. */
  readonly signature: 'valid' | 'absent' | 'invalid'
  /** The `expires` of a valid directory signature. */
  readonly signatureExpires: number | undefined
  /** Whether this key is usable at all (not a test key, no private material). */
  readonly usable: boolean
}

/** Options of {@link readDirectory}. */
export interface ReadDirectoryOptions {
  /** Unix seconds. */
  readonly now: number
  /** Most keys read; more is a problem and the rest are ignored. Default 32. */
  readonly maxKeys?: number | undefined
  /** Accept the RFC 9421 test keys (tests only). Default false. */
  readonly allowTestKeys?: boolean | undefined
}

/** What {@link readDirectory} found. */
export interface DirectoryContents {
  readonly keys: readonly DirectoryKey[]
  readonly problems: readonly DirectoryProblem[]
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const

/** The request a directory fetch makes, as a message: the `"@authority";req` of its signatures. */
export function directoryRequestMessage(url: URL): HttpRequestMessage {
  return {
    kind: 'request',
    method: 'GET',
    scheme: url.protocol.slice(0, -1),
    authority: url.host,
    target: url.pathname + url.search,
    fields: [
      { name: 'host', value: url.host },
      { name: 'accept', value: DIRECTORY_MEDIA_TYPE },
    ],
    trailers: [],
    body: undefined,
  }
}

function mediaTypeOf(headers: ReadonlyMap<string, string>): string | undefined {
  return headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
}

/**
 * Read a fetched directory: status, media type, the JWK Set, thumbprints, and the directory's
 * signatures.
 *
 * @param result - the fetch result.
 * @param options - the clock and limits.
 * @returns the keys (every key that parsed, each marked usable or not) and every problem seen.
 * @example
 * ```ts
 * const { keys, problems } = await readDirectory(await fetchDirectory(url), { now: Date.now() / 1000 })
 * ```
 */
export async function readDirectory(result: DirectoryFetchResult, options: ReadDirectoryOptions): Promise<DirectoryContents> {
  const problems: DirectoryProblem[] = []
  const keys: DirectoryKey[] = []
  if (result.status >= 300 && result.status < 400) {
    problems.push({ code: 'redirect', message: `the directory answered ${result.status} (a redirect, which verifiers do not follow)` })
    return { keys, problems }
  }
  if (result.status !== 200) {
    problems.push({ code: 'status', message: `the directory answered ${result.status}, not 200` })
    return { keys, problems }
  }
  const mediaType = mediaTypeOf(result.headers)
  if (mediaType !== DIRECTORY_MEDIA_TYPE) {
    problems.push({ code: 'media-type', message: `the directory is served as ${JSON.stringify(mediaType ?? '')}, not ${DIRECTORY_MEDIA_TYPE}` })
  }
  let json: unknown
  try {
    json = JSON.parse(fromUtf8(result.body))
  } catch {
    problems.push({ code: 'json', message: 'the directory body is not JSON' })
    return { keys, problems }
  }
  const list = typeof json === 'object' && json !== null ? (json as { keys?: unknown }).keys : undefined
  if (!Array.isArray(list)) {
    problems.push({ code: 'not-jwks', message: 'the directory is not a JWK Set (no "keys" array)' })
    return { keys, problems }
  }
  if (list.length === 0) problems.push({ code: 'no-keys', message: 'the directory lists no keys' })
  const maxKeys = options.maxKeys ?? 32
  if (list.length > maxKeys) problems.push({ code: 'too-many-keys', message: `the directory lists ${list.length} keys, over the limit of ${maxKeys}` })
  const seen = new Set<string>()
  for (const entry of list.slice(0, maxKeys)) {
    const key = await readKey(entry, problems, options)
    if (key === undefined) continue
    if (seen.has(key.thumbprint)) {
      problems.push({ code: 'duplicate-key', message: 'the directory lists the same key twice', kid: key.thumbprint })
      continue
    }
    seen.add(key.thumbprint)
    keys.push(key)
  }
  const signed = await checkSignatures(result, keys, problems, options.now)
  for (const key of keys) {
    if (signed.has(key.thumbprint)) continue
    problems.push({ code: 'unsigned', message: 'the directory carries no signature for this key', kid: key.thumbprint })
  }
  checkCaching(result.headers, signed, problems, options.now)
  return { keys: keys.map((k) => ({ ...k, ...signed.get(k.thumbprint) })), problems }
}

async function readKey(entry: unknown, problems: DirectoryProblem[], options: ReadDirectoryOptions): Promise<DirectoryKey | undefined> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push({ code: 'key-invalid', message: 'a directory entry is not a JSON object' })
    return undefined
  }
  const jwk = entry as Record<string, unknown>
  const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined
  const named = kid === undefined ? {} : { kid }
  if (jwk['kty'] === 'oct') {
    problems.push({ code: 'key-symmetric', message: 'a shared secret has no place in a public directory', ...named })
    return undefined
  }
  const hasPrivate = PRIVATE_MEMBERS.some((m) => jwk[m] !== undefined)
  const publicJwk: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(jwk)) if (!(PRIVATE_MEMBERS as readonly string[]).includes(name)) publicJwk[name] = value
  let key: SignetKey
  let print: string
  try {
    // The alg member, when present, must agree with the key (importKey checks it).
    key = await importKey(publicJwk as JsonWebKey)
    print = await thumbprint(publicJwk as JsonWebKey)
  } catch (error) {
    problems.push({ code: 'key-invalid', message: `a key cannot be used: ${(error as Error).message}`, ...named })
    return undefined
  }
  if (hasPrivate) problems.push({ code: 'private-key-material', message: 'the directory publishes private key members', kid: print })
  if (kid !== undefined && kid !== print) {
    problems.push({ code: 'kid-not-thumbprint', message: `the kid ${JSON.stringify(kid)} is not the key's RFC 7638 thumbprint ${print}`, kid })
  }
  const testKey = KNOWN_TEST_KEY_THUMBPRINTS.has(print)
  if (testKey) problems.push({ code: 'test-key', message: 'the directory publishes an RFC 9421 test key', kid: print })
  const nbf = jwk['nbf']
  const exp = jwk['exp']
  return {
    thumbprint: print,
    key,
    notBefore: typeof nbf === 'number' && Number.isFinite(nbf) ? nbf : undefined,
    expires: typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined,
    signature: 'absent',
    signatureExpires: undefined,
    usable: !hasPrivate && (!testKey || options.allowTestKeys === true),
  }
}

type SignedKeys = Map<string, { signature: 'valid' | 'invalid'; signatureExpires: number | undefined }>

async function checkSignatures(result: DirectoryFetchResult, keys: readonly DirectoryKey[], problems: DirectoryProblem[], now: number): Promise<SignedKeys> {
  const signed: SignedKeys = new Map()
  const fields: FieldLine[] = []
  for (const [name, value] of result.headers) fields.push({ name, value })
  if (!result.headers.has('signature-input')) return signed
  const message: HttpResponseMessage = {
    kind: 'response',
    status: result.status,
    fields,
    trailers: [],
    body: result.body,
    request: directoryRequestMessage(new URL(result.url)),
  }
  let candidates
  try {
    candidates = selectSignatures(parseSignatures(message), { tag: DIRECTORY_TAG })
  } catch (error) {
    problems.push({ code: 'signature-invalid', message: `the directory signatures cannot be read: ${(error as Error).message}` })
    return signed
  }
  const byPrint = new Map(keys.map((k) => [k.thumbprint, k]))
  let digestChecked: boolean | undefined
  for (const candidate of candidates) {
    const params = candidate.input.params
    const keyid = typeof params.keyid === 'string' ? params.keyid : undefined
    const key = keyid === undefined ? undefined : byPrint.get(keyid)
    if (key === undefined || keyid === undefined) {
      problems.push({ code: 'signature-invalid', message: `signature ${JSON.stringify(candidate.label)} names no key of the directory (keyid must be a thumbprint)` })
      continue
    }
    const fail = (code: DirectoryProblem['code'], text: string): void => {
      problems.push({ code, message: text, kid: keyid })
      if (!signed.has(keyid)) signed.set(keyid, { signature: 'invalid', signatureExpires: undefined })
    }
    const covered = candidate.input.components.map((c) => c.name + (c.params.has('req') ? ';req' : ''))
    if (!covered.includes('@authority;req') || !covered.includes('content-digest')) {
      // Earlier drafts (and Cloudflare's http-message-sig 0.2) covered "@authority";req alone:
      // not a proof under the current draft, but no evidence against the key either.
      problems.push({ code: 'signature-incomplete', message: `signature ${JSON.stringify(candidate.label)} must cover "@authority";req and "content-digest"`, kid: keyid })
      continue
    }
    if (typeof params.created !== 'number' || typeof params.expires !== 'number') {
      fail('signature-invalid', `signature ${JSON.stringify(candidate.label)} must carry created and expires`)
      continue
    }
    if (params.created > now + 60) {
      fail('signature-in-future', `signature ${JSON.stringify(candidate.label)} was created in the future`)
      continue
    }
    if (params.expires <= now) {
      fail('signature-expired', `signature ${JSON.stringify(candidate.label)} expired at ${params.expires}`)
      continue
    }
    try {
      await verifySignature(message, candidate, key.key)
    } catch {
      fail('signature-invalid', `signature ${JSON.stringify(candidate.label)} does not verify`)
      continue
    }
    if (digestChecked === undefined) {
      try {
        await verifyContentDigest(result.headers.get('content-digest') ?? '', result.body)
        digestChecked = true
      } catch {
        digestChecked = false
        problems.push({ code: 'digest-mismatch', message: 'the Content-Digest does not match the directory body' })
      }
    }
    if (!digestChecked) {
      if (!signed.has(keyid)) signed.set(keyid, { signature: 'invalid', signatureExpires: undefined })
      continue
    }
    signed.set(keyid, { signature: 'valid', signatureExpires: params.expires })
  }
  return signed
}

/**
 * A directory cached past its signatures' `expires` serves keys whose proof has lapsed
 * (draft section "Directory Response Signature Lifetimes").
 */
function checkCaching(headers: ReadonlyMap<string, string>, signed: SignedKeys, problems: DirectoryProblem[], now: number): void {
  const cacheControl = headers.get('cache-control')
  if (cacheControl === undefined) {
    problems.push({ code: 'no-cache-control', message: 'the directory has no Cache-Control; verifiers will guess how long to keep it' })
    return
  }
  const maxAge = parseCacheControl(cacheControl).maxAge
  if (maxAge === undefined) return
  for (const [kid, entry] of signed) {
    if (entry.signature === 'valid' && entry.signatureExpires !== undefined && now + maxAge > entry.signatureExpires) {
      problems.push({ code: 'cache-beyond-expiry', message: `Cache-Control max-age=${maxAge} outlives the signature, which expires at ${entry.signatureExpires}`, kid })
    }
  }
}

/** The parts of `Cache-Control` (RFC 9111 section 5.2) a directory cache uses. */
export interface CacheDirectives {
  readonly maxAge: number | undefined
  readonly noStore: boolean
  readonly noCache: boolean
}

/**
 * Parse `Cache-Control`: `max-age` (`s-maxage` wins for a shared cache, which a verifier is
 * not, so it is ignored), `no-store`, `no-cache`.
 *
 * @example parseCacheControl('public, max-age=3600') // { maxAge: 3600, noStore: false, noCache: false }
 */
export function parseCacheControl(value: string): CacheDirectives {
  let maxAge: number | undefined
  let noStore = false
  let noCache = false
  for (const part of value.split(',')) {
    const [rawName, rawValue] = part.split('=', 2) as [string, string | undefined]
    const name = rawName.trim().toLowerCase()
    if (name === 'no-store') noStore = true
    else if (name === 'no-cache') noCache = true
    else if (name === 'max-age' && rawValue !== undefined) {
      const digits = rawValue.trim().replace(/^"(.*)"$/, '$1')
      // RFC 9111 section 1.2.2: delta-seconds are digits; a malformed value means stale.
      maxAge = /^\d+$/.test(digits) ? Math.min(Number(digits), 2 ** 31) : 0
    }
  }
  return { maxAge, noStore, noCache }
}
