/**
 * Binance Spot API request signing (binance-spot-api-docs, rest-api.md "SIGNED endpoint
 * security"): `signature = SIGN(query string + request body)`, the two joined with no separator,
 * over the bytes as sent (non-ASCII percent-encoded first). HMAC-SHA256 keyed with the secret
 * string gives lowercase hex; RSASSA-PKCS1-v1_5/SHA-256 and Ed25519 give base64, percent-encoded
 * in the query or body. `signature` goes last; the API key travels in `X-MBX-APIKEY`.
 *
 * Timing is Binance's acceptance rule: `timestamp` in milliseconds (13 digits) or microseconds
 * (16 digits); `recvWindow` default 5000 ms, at most 60000, up to three decimals; a request is
 * refused when `timestamp >= serverTime + 1000` or `serverTime - timestamp > recvWindow`.
 *
 * @module
 */
import { SignetError, fromBase64, fromHex, fromUtf8, hasErrorCode, importKey, isSignetKey, signBytes, toBase64, toHex, utf8, verifyBytes, equalBytes } from '@signet/core'
import type { AlgorithmName, HttpRequestMessage, SignetKey } from '@signet/core'
import { hmacSha256 } from './lib/crypto.ts'
import { recordOnce, resolveProfilePolicy } from './lib/policy.ts'
import type { VerifyContext } from './lib/policy.ts'
import { fieldValue, keyList, requireText, signFetchRequest, splitTarget, toMessage } from './lib/profile.ts'
import type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier, SignerBaseOptions, VerifierBaseOptions } from './lib/profile.ts'

export type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier } from './lib/profile.ts'
export type { ProfilePolicy, ReplayStore, VerifyContext } from './lib/policy.ts'

const PROFILE = 'binance'
const MAX_RECV_WINDOW_MS = 60_000
const DEFAULT_RECV_WINDOW_MS = 5_000
/** Binance's error code for a timestamp outside recvWindow. */
export const BINANCE_TIMESTAMP_ERROR = -1021

/** A Binance API key: an HMAC secret, or an RSA or Ed25519 key (PEM, JWK or an imported key). */
export interface BinanceKey {
  readonly apiKey: string
  readonly secret?: string | undefined
  readonly privateKey?: string | JsonWebKey | SignetKey | undefined
  readonly publicKey?: string | JsonWebKey | SignetKey | undefined
}

type Prepared = { readonly apiKey: string; readonly hmac: Uint8Array } | { readonly apiKey: string; readonly key: SignetKey }

/** An RSA PEM does not say which RSA scheme it is for; Binance's is PKCS#1 v1.5 with SHA-256. */
async function importAsymmetric(input: string | JsonWebKey | SignetKey, type: 'private' | 'public'): Promise<SignetKey> {
  if (isSignetKey(input)) return input
  try {
    return await importKey(input, { type })
  } catch (err) {
    if (!hasErrorCode(err, 'ERR_KEY_UNSUPPORTED')) throw err
    return importKey(input, { type, alg: 'rsa-v1_5-sha256' })
  }
}

async function prepare(key: BinanceKey, use: 'sign' | 'verify'): Promise<Prepared> {
  const apiKey = requireText(key.apiKey, 'apiKey')
  if (key.secret !== undefined) return { apiKey, hmac: utf8(requireText(key.secret, 'secret')) }
  const input = use === 'sign' ? key.privateKey : (key.publicKey ?? key.privateKey)
  if (input === undefined) throw new TypeError(`"${use === 'sign' ? 'privateKey' : 'publicKey'}" or "secret" is required`)
  const k = await importAsymmetric(input, use === 'sign' ? 'private' : (key.publicKey === undefined ? 'private' : 'public'))
  const name = k.algorithm.name
  if (name !== 'ed25519' && name !== 'rsa-v1_5-sha256') throw new SignetError('ERR_ALG_UNSUPPORTED', `Binance signs with HMAC, RSA or Ed25519 keys, not ${name}`)
  return { apiKey, key: k }
}

/** Percent-encode parameters as Binance signs them (UTF-8, `%XX` upper-case), in the given order. */
export function binanceQuery(params: Iterable<readonly [string, string | number]>): string {
  const out: string[] = []
  for (const [k, v] of params) out.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
  return out.join('&')
}

/**
 * The signature over a payload (query + body), as it is placed in the request.
 *
 * @returns lowercase hex (HMAC) or percent-encoded base64 (RSA, Ed25519).
 */
async function signPayload(key: Prepared, payload: string, backend: SignerBaseOptions['backend']): Promise<{ raw: string; encoded: string }> {
  if ('hmac' in key) {
    const hex = toHex(await hmacSha256(key.hmac, payload, backend))
    return { raw: hex, encoded: hex }
  }
  const b64 = toBase64(await signBytes(key.key, utf8(payload), backend === undefined ? undefined : { backend }))
  return { raw: b64, encoded: encodeURIComponent(b64) }
}

/**
 * Sign a Binance payload (`totalParams`) directly.
 *
 * @example await signBinancePayload('timestamp=1578963600000', { apiKey, secret }) // hex
 */
export async function signBinancePayload(payload: string, key: BinanceKey, options?: SignerBaseOptions): Promise<string> {
  return (await signPayload(await prepare(key, 'sign'), payload, options?.backend)).raw
}

/** Options of {@link createBinanceSigner}. */
export interface BinanceSignOptions extends SignerBaseOptions, BinanceKey {
  /** `recvWindow` to add, in ms (≤ 60000); default: none (Binance then uses 5000). */
  readonly recvWindow?: number | undefined
  /** A fixed timestamp, unix milliseconds; default the clock plus the learned offset. */
  readonly timestamp?: number | undefined
  /** Send `timestamp` in microseconds (16 digits) instead of milliseconds. */
  readonly microseconds?: boolean | undefined
  /** Clock, unix milliseconds. Default `Date.now`. */
  readonly clock?: (() => number) | undefined
}

/** A Binance signer: a {@link ProfileSigner} that also learns the server's clock. */
export interface BinanceSigner extends ProfileSigner {
  /** Milliseconds added to the local clock (learned from a -1021 answer). */
  clockOffsetMs: number
  /**
   * Whether to send the request again after `response`: true once, when Binance refused the
   * timestamp (-1021) and the response's `Date` taught a new clock offset.
   */
  retryAfter(response: Response): Promise<boolean>
}

function isForm(message: HttpRequestMessage): boolean {
  const type = fieldValue(message, 'content-type')
  return message.body !== undefined && message.body.length > 0 && type !== undefined && /^application\/x-www-form-urlencoded\b/i.test(type)
}

const appendParam = (text: string, param: string): string => (text === '' ? param : `${text}&${param}`)

/**
 * A signer for Binance REST requests: adds `timestamp` (and `recvWindow`) to the query, or to
 * a form body when the request has one, signs query + body, appends `signature` last and sets
 * `X-MBX-APIKEY`.
 *
 * @example
 * ```ts
 * const signer = createBinanceSigner({ apiKey, secret })
 * await signedFetch(signer)('https://api.binance.com/api/v3/account')
 * ```
 */
export function createBinanceSigner(options: BinanceSignOptions): BinanceSigner {
  const { recvWindow, microseconds = false, clock = Date.now } = options
  if (recvWindow !== undefined && !(typeof recvWindow === 'number' && recvWindow > 0 && recvWindow <= MAX_RECV_WINDOW_MS)) {
    throw new RangeError(`"recvWindow" expected 1 to ${MAX_RECV_WINDOW_MS} ms, got ${String(recvWindow)}`)
  }
  requireText(options.apiKey, 'apiKey')
  let prepared: Promise<Prepared> | undefined
  let retried = new WeakSet<Response>()

  const signer: BinanceSigner = {
    profile: PROFILE,
    clockOffsetMs: 0,
    async signMessage(message: HttpRequestMessage): Promise<ProfileSignature> {
      prepared ??= prepare(options, 'sign')
      const key = await prepared
      const ms = options.timestamp ?? Math.round(clock() + signer.clockOffsetMs)
      const added = [`timestamp=${microseconds ? `${ms}000` : String(ms)}`]
      if (recvWindow !== undefined) added.unshift(`recvWindow=${recvWindow}`)
      const { query } = splitTarget(message.target)
      const inBody = isForm(message)
      let q = query ?? ''
      let body = inBody ? fromUtf8(message.body as Uint8Array) : ''
      for (const p of added) if (inBody) body = appendParam(body, p)
      else q = appendParam(q, p)
      const sig = await signPayload(key, q + body, options.backend)
      if (inBody) body = appendParam(body, `signature=${sig.encoded}`)
      else q = appendParam(q, `signature=${sig.encoded}`)
      const qi = message.target.indexOf('?')
      const prefix = qi === -1 ? message.target : message.target.slice(0, qi)
      const result: { fields: [string, string][]; target?: string; body?: Uint8Array } = { fields: [['X-MBX-APIKEY', key.apiKey]] }
      if (inBody) result.body = utf8(body)
      else result.target = `${prefix}?${q}`
      return result
    },
    sign: (request) => signFetchRequest(request, (m) => signer.signMessage(m)),
    async retryAfter(response: Response): Promise<boolean> {
      if (response.status < 400 || response.status >= 500 || retried.has(response)) return false
      retried.add(response)
      let code: unknown
      try {
        code = ((await response.clone().json()) as { code?: unknown }).code
      } catch {
        return false
      }
      const date = response.headers.get('date')
      if (code !== BINANCE_TIMESTAMP_ERROR || date === null) return false
      const server = Date.parse(date)
      if (Number.isNaN(server)) return false
      // Date has one-second resolution: aim at the middle of that second.
      signer.clockOffsetMs = server + 500 - clock()
      retried = new WeakSet()
      return true
    },
  }
  return signer
}

/** Options of {@link createBinanceVerifier}. */
export interface BinanceVerifierOptions extends Omit<VerifierBaseOptions, 'toleranceSeconds'> {
  /** The API keys (several per `apiKey` for rotation: any that verifies is enough). */
  readonly keys: BinanceKey | readonly BinanceKey[]
}

/** The value of the last `name=` parameter of a query, and the text without a trailing `&signature=...`. */
function findParam(text: string, name: string): string | undefined {
  let found: string | undefined
  for (const part of text.split('&')) if (part.startsWith(`${name}=`)) found = part.slice(name.length + 1)
  return found
}

/** Remove the final `signature=` parameter; undefined when the text has none or it is not last. */
function stripSignature(text: string): { rest: string; signature: string } | undefined {
  const at = text.lastIndexOf('signature=')
  if (at === -1 || (at > 0 && text[at - 1] !== '&') || text.indexOf('&', at) !== -1) return undefined
  return { rest: text.slice(0, Math.max(0, at - 1)), signature: text.slice(at + 10) }
}

/**
 * A verifier of Binance-signed requests, as Binance's servers accept them.
 *
 * @example await createBinanceVerifier({ keys: [{ apiKey, secret }] }).verify(request)
 */
export function createBinanceVerifier(options: BinanceVerifierOptions): ProfileVerifier {
  const policy = resolveProfilePolicy(options)
  const inputs = keyList(options.keys, 'keys')
  for (const k of inputs) requireText(k.apiKey, 'apiKey')
  let prepared: Promise<Prepared[]> | undefined

  async function verify(input: Request | HttpRequestMessage, context?: VerifyContext): Promise<ProfileIdentity> {
    const message = await toMessage(input)
    const apiKey = fieldValue(message, 'x-mbx-apikey')
    if (apiKey === undefined) throw new SignetError('ERR_SIGNATURE_MISSING', 'X-MBX-APIKEY is required')
    const query = splitTarget(message.target).query ?? ''
    const body = message.body === undefined ? '' : fromUtf8(message.body)
    const inQuery = stripSignature(query)
    const inBody = inQuery === undefined ? stripSignature(body) : undefined
    if (inQuery === undefined && inBody === undefined) throw new SignetError('ERR_SIGNATURE_MISSING', 'the request carries no signature parameter (it must come last)')
    const payload = inQuery !== undefined ? inQuery.rest + body : query + (inBody as { rest: string }).rest
    const signatureText = (inQuery ?? inBody)?.signature as string
    const ts = findParam(query, 'timestamp') ?? findParam(inBody?.rest ?? body, 'timestamp')
    if (ts === undefined || !/^(\d{13}|\d{16})$/.test(ts)) throw new SignetError('ERR_REQUIRED_PARAMETER', 'timestamp (13-digit ms or 16-digit µs) is required')
    const rw = findParam(query, 'recvWindow') ?? findParam(inBody?.rest ?? body, 'recvWindow')
    if (rw !== undefined && !/^\d{1,5}(\.\d{1,3})?$/.test(rw)) throw new SignetError('ERR_INVALID_PARAMETER', 'recvWindow must be milliseconds with at most three decimals')
    const recvWindow = rw === undefined ? DEFAULT_RECV_WINDOW_MS : Number(rw)
    if (recvWindow > MAX_RECV_WINDOW_MS) throw new SignetError('ERR_INVALID_PARAMETER', `recvWindow must be at most ${MAX_RECV_WINDOW_MS}`)

    prepared ??= Promise.all(inputs.map((k) => prepare(k, 'verify')))
    const candidates = (await prepared).map((k, index) => ({ k, index })).filter(({ k }) => k.apiKey === apiKey)
    if (candidates.length === 0) throw new SignetError('ERR_KEY_NOT_FOUND', 'unknown API key')
    let decoded: string
    try {
      decoded = decodeURIComponent(signatureText)
    } catch {
      throw new SignetError('ERR_MALFORMED_FIELD', 'the signature parameter is not percent-encoded text')
    }
    let found: { index: number; alg: AlgorithmName } | undefined
    const data = utf8(payload)
    for (const { k, index } of candidates) {
      if ('hmac' in k) {
        if (!/^[0-9a-fA-F]{64}$/.test(decoded)) continue
        if (equalBytes(await hmacSha256(k.hmac, data, policy.backend), fromHex(decoded))) found = { index, alg: 'hmac-sha256' }
      } else {
        let sig: Uint8Array
        try {
          sig = fromBase64(decoded)
        } catch {
          continue
        }
        if (await verifyBytes(k.key, data, sig, policy.backend === undefined ? undefined : { backend: policy.backend })) found = { index, alg: k.key.algorithm.name }
      }
      if (found !== undefined) break
    }
    if (found === undefined) throw new SignetError('ERR_SIGNATURE_INVALID', 'the signature does not verify under the API key')

    // Binance's rule, in milliseconds (a 16-digit timestamp is microseconds).
    const timestampMs = ts.length === 16 ? Number(ts) / 1000 : Number(ts)
    const serverMs = policy.now() * 1000
    if (timestampMs >= serverMs + 1000) throw new SignetError('ERR_CREATED_IN_FUTURE', 'timestamp is ahead of the server time by 1000 ms or more')
    if (serverMs - timestampMs > recvWindow) throw new SignetError('ERR_SIGNATURE_TOO_OLD', `timestamp is outside recvWindow (${recvWindow} ms)`)
    await recordOnce(policy, PROFILE, decoded, (recvWindow + 1000) / 1000, context)
    return { profile: PROFILE, keyid: apiKey, alg: found.alg, algorithm: found.alg, keyIndex: found.index, params: { timestamp: Number(ts), recvWindow } }
  }

  return { profile: PROFILE, matches: (m) => fieldValue(m, 'x-mbx-apikey') !== undefined, verify }
}
