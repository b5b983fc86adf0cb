/**
 * AWS Signature Version 4 (AWS General Reference, "Create a signed AWS API request"): the
 * canonical request (method, canonical URI, canonical query, canonical headers, signed header
 * names, payload hash), the string to sign (`AWS4-HMAC-SHA256`, the time, the credential scope,
 * the hash of the canonical request) and the key derived by the HMAC chain
 * `AWS4+secret -> date -> region -> service -> aws4_request`.
 *
 * Both forms: the `Authorization` field and presigned URLs (`X-Amz-*` query parameters).
 * `UNSIGNED-PAYLOAD`, session tokens (signed, or added after signing), `X-Amz-Content-Sha256`
 * when asked (always for S3), and S3's path rules: every service but S3 removes dot segments and
 * empty segments and encodes the path as sent (so `%20` becomes `%2520`); S3 signs the path as
 * sent, encoded once.
 *
 * @module
 */
import { SignetError, toHex, utf8, equalBytes, fromHex } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'
import { hmacSha256, sha256 } from './lib/crypto.ts'
import { checkTimestamp, recordOnce, resolveProfilePolicy } from './lib/policy.ts'
import type { VerifyContext } from './lib/policy.ts'
import { keyList, requireText, signFetchRequest, splitTarget, toMessage } from './lib/profile.ts'
import type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier, SignerBaseOptions, VerifierBaseOptions } from './lib/profile.ts'

export type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier } from './lib/profile.ts'
export type { ProfilePolicy, ReplayStore, VerifyContext } from './lib/policy.ts'

const PROFILE = 'sigv4'
const ALGORITHM = 'AWS4-HMAC-SHA256'
const UNSIGNED = 'UNSIGNED-PAYLOAD'
/** Fields AWS SDKs never sign (proxies change them). */
const UNSIGNABLE = new Set(['authorization', 'cache-control', 'connection', 'expect', 'from', 'keep-alive', 'max-forwards', 'pragma', 'referer', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'x-amzn-trace-id'])
const MAX_EXPIRES = 604_800

/** AWS credentials. */
export interface SigV4Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/** RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 requires. */
export function awsEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Remove dot segments and empty segments (every service but S3). */
function normalizePath(path: string): string {
  const out: string[] = []
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  const trailing = path.length > 1 && (path.endsWith('/') || path.endsWith('/.') || path.endsWith('/..')) && out.length > 0
  return `/${out.join('/')}${trailing ? '/' : ''}`
}

/** The canonical URI of a path as sent. */
export function canonicalUri(path: string, s3: boolean): string {
  if (path === '' || path === '*') return '/'
  if (s3) return path.split('/').map((seg) => awsEncode(decode(seg))).join('/')
  return normalizePath(path).split('/').map(awsEncode).join('/')
}

/** The canonical query: pairs decoded, re-encoded strictly, sorted by name then value. */
export function canonicalQuery(query: string | undefined, omit?: (name: string) => boolean): string {
  if (query === undefined || query === '') return ''
  const pairs: [string, string][] = []
  for (const part of query.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = decode(eq === -1 ? part : part.slice(0, eq))
    if (omit?.(name) === true) continue
    pairs.push([awsEncode(name), awsEncode(eq === -1 ? '' : decode(part.slice(eq + 1)))])
  }
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
  return pairs.map(([k, v]) => `${k}=${v}`).join('&')
}

/** Canonical header lines and the signed header list for the given (lower-case) names. */
function canonicalHeaders(message: HttpRequestMessage, names: readonly string[]): string {
  let out = ''
  for (const name of names) {
    const values: string[] = []
    if (name === 'host' && !message.fields.some((f) => f.name === 'host')) values.push(message.authority)
    for (const f of message.fields) if (f.name === name) values.push(f.value.trim().replace(/\s+/g, ' '))
    out += `${name}:${values.join(',')}\n`
  }
  return out
}

/** Everything that goes into a canonical request besides the message. */
interface CanonicalInput {
  readonly signedHeaders: readonly string[]
  readonly payloadHash: string
  readonly s3: boolean
  /** The query as signed (presigning adds the X-Amz-* parameters). */
  readonly query: string | undefined
  readonly omitFromQuery?: ((name: string) => boolean) | undefined
}

/** The canonical request text (the `creq` of AWS's test suite). */
export function canonicalRequest(message: HttpRequestMessage, input: CanonicalInput): string {
  const { path } = splitTarget(message.target)
  return [
    message.method,
    canonicalUri(path, input.s3),
    canonicalQuery(input.query, input.omitFromQuery),
    canonicalHeaders(message, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n')
}

const signingKeys = new Map<string, Promise<Uint8Array>>()

/** The derived signing key, cached per secret, day, region and service (a small bounded cache). */
function signingKey(secret: string, date: string, region: string, service: string, backend: SignerBaseOptions['backend']): Promise<Uint8Array> {
  const id = `${secret}\u0000${date}\u0000${region}\u0000${service}`
  let found = signingKeys.get(id)
  if (found === undefined) {
    found = (async () => {
      let k = await hmacSha256(utf8(`AWS4${secret}`), date, backend)
      for (const part of [region, service, 'aws4_request']) k = await hmacSha256(k, part, backend)
      return k
    })()
    if (signingKeys.size >= 64) signingKeys.clear()
    signingKeys.set(id, found)
  }
  return found
}

/** `20150830T123600Z` for a unix time in seconds. */
export function amzDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (m === null) return undefined
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000
}

async function signature(creq: string, date: string, scope: string, key: Uint8Array, backend: SignerBaseOptions['backend']): Promise<string> {
  const sts = `${ALGORITHM}\n${date}\n${scope}\n${toHex(await sha256(creq, backend))}`
  return toHex(await hmacSha256(key, sts, backend))
}

/** Options of {@link createSigV4Signer} and {@link presignSigV4}. */
export interface SigV4SignOptions extends SignerBaseOptions, SigV4Credentials {
  readonly region: string
  readonly service: string
  /** Signing time, unix seconds; default now (an `X-Amz-Date` already on the message wins). */
  readonly timestamp?: number | undefined
  /** Sign `UNSIGNED-PAYLOAD` instead of the body's hash (adds `X-Amz-Content-Sha256`). */
  readonly unsignedPayload?: boolean | undefined
  /** Add and sign `X-Amz-Content-Sha256`; default true for S3 and with `unsignedPayload`. */
  readonly contentSha256?: boolean | undefined
  /** Sign the session token (default true); false adds it after signing, as a few services want. */
  readonly signSessionToken?: boolean | undefined
  /** Remove dot and empty segments and encode the path as sent; default: every service but S3. */
  readonly normalizePath?: boolean | undefined
}

const pathAsSent = (o: { service: string; normalizePath?: boolean | undefined }): boolean => !(o.normalizePath ?? o.service !== 's3')

function checkSignOptions(o: SigV4SignOptions): void {
  requireText(o.accessKeyId, 'accessKeyId')
  requireText(o.secretAccessKey, 'secretAccessKey')
  requireText(o.region, 'region')
  requireText(o.service, 'service')
  if (o.sessionToken !== undefined) requireText(o.sessionToken, 'sessionToken')
}

function fieldOf(message: HttpRequestMessage, name: string): string | undefined {
  return message.fields.find((f) => f.name === name)?.value
}

/**
 * The fields SigV4 adds to a message (`X-Amz-Date`, `X-Amz-Security-Token`,
 * `X-Amz-Content-Sha256` when asked, `Authorization`).
 *
 * @example (await signSigV4(message, { accessKeyId, secretAccessKey, region: 'us-east-1', service: 'sqs' })).fields
 */
export async function signSigV4(message: HttpRequestMessage, options: SigV4SignOptions): Promise<ProfileSignature> {
  checkSignOptions(options)
  const s3 = options.service === 's3'
  const rawPath = pathAsSent(options)
  const existingDate = fieldOf(message, 'x-amz-date')
  const date = existingDate ?? amzDate(options.timestamp ?? Math.floor(Date.now() / 1000))
  const day = date.slice(0, 8)
  const added: [string, string][] = []
  if (existingDate === undefined) added.push(['X-Amz-Date', date])
  const token = options.sessionToken
  const tokenAfter = token !== undefined && options.signSessionToken === false
  if (token !== undefined && !tokenAfter && fieldOf(message, 'x-amz-security-token') === undefined) added.push(['X-Amz-Security-Token', token])
  const payloadHash = options.unsignedPayload === true ? UNSIGNED : toHex(await sha256(message.body ?? new Uint8Array(0), options.backend))
  if ((options.contentSha256 ?? (s3 || options.unsignedPayload === true)) && fieldOf(message, 'x-amz-content-sha256') === undefined) added.push(['X-Amz-Content-Sha256', payloadHash])
  const withAdded: HttpRequestMessage = { ...message, fields: [...message.fields, ...added.map(([n, v]) => ({ name: n.toLowerCase(), value: v }))] }
  const names = new Set<string>(['host'])
  for (const f of withAdded.fields) if (!UNSIGNABLE.has(f.name)) names.add(f.name)
  const signedHeaders = [...names].sort()
  const creq = canonicalRequest(withAdded, { signedHeaders, payloadHash, s3: rawPath, query: splitTarget(message.target).query })
  const scope = `${day}/${options.region}/${options.service}/aws4_request`
  const key = await signingKey(options.secretAccessKey, day, options.region, options.service, options.backend)
  const sig = await signature(creq, date, scope, key, options.backend)
  added.push(['Authorization', `${ALGORITHM} Credential=${options.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`])
  if (tokenAfter) added.push(['X-Amz-Security-Token', token as string])
  return { fields: added }
}

/** Options of {@link presignSigV4}. */
export interface SigV4PresignOptions extends SigV4SignOptions {
  /** Seconds the URL stays valid (`X-Amz-Expires`), 1 to 604800. Default 3600. */
  readonly expiresIn?: number | undefined
}

/**
 * A presigned request target: the message's target with the `X-Amz-*` query parameters and
 * `X-Amz-Signature` appended. Every field on the message is signed (send them with the URL).
 *
 * @returns the new request target.
 * @example await presignSigV4(message, { ...credentials, region, service: 's3', expiresIn: 900 })
 */
export async function presignSigV4(message: HttpRequestMessage, options: SigV4PresignOptions): Promise<string> {
  checkSignOptions(options)
  const expires = options.expiresIn ?? 3600
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES) throw new RangeError(`"expiresIn" expected 1 to ${MAX_EXPIRES} seconds, got ${String(expires)}`)
  const s3 = options.service === 's3'
  const date = amzDate(options.timestamp ?? Math.floor(Date.now() / 1000))
  const day = date.slice(0, 8)
  const scope = `${day}/${options.region}/${options.service}/aws4_request`
  const names = new Set<string>(['host'])
  for (const f of message.fields) if (!UNSIGNABLE.has(f.name)) names.add(f.name)
  const signedHeaders = [...names].sort()
  const params: [string, string][] = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${options.accessKeyId}/${scope}`],
    ['X-Amz-Date', date],
    ['X-Amz-SignedHeaders', signedHeaders.join(';')],
    ['X-Amz-Expires', String(expires)],
  ]
  const token = options.sessionToken
  if (token !== undefined && options.signSessionToken !== false) params.push(['X-Amz-Security-Token', token])
  const { query } = splitTarget(message.target)
  const extra = params.map(([k, v]) => `${k}=${awsEncode(v)}`).join('&')
  const signedQuery = query === undefined || query === '' ? extra : `${query}&${extra}`
  // S3 presigned URLs sign UNSIGNED-PAYLOAD unless told otherwise (the URL is made before the body).
  const payloadHash = (options.unsignedPayload ?? s3) ? UNSIGNED : toHex(await sha256(message.body ?? new Uint8Array(0), options.backend))
  const creq = canonicalRequest(message, { signedHeaders, payloadHash, s3: pathAsSent(options), query: signedQuery })
  const key = await signingKey(options.secretAccessKey, day, options.region, options.service, options.backend)
  const sig = await signature(creq, date, scope, key, options.backend)
  const after = token !== undefined && options.signSessionToken === false ? `&X-Amz-Security-Token=${awsEncode(token)}` : ''
  const base = message.target.indexOf('?') === -1 ? message.target : message.target.slice(0, message.target.indexOf('?'))
  return `${base}?${signedQuery}${after}&X-Amz-Signature=${sig}`
}

/**
 * A signer that adds SigV4's `Authorization` (and `X-Amz-*` fields) to each request.
 *
 * @example await signedFetch(createSigV4Signer({ ...credentials, region: 'eu-west-1', service: 'execute-api' }))(url)
 */
export function createSigV4Signer(options: SigV4SignOptions): ProfileSigner {
  checkSignOptions(options)
  const signMessage = (message: HttpRequestMessage): Promise<ProfileSignature> => signSigV4(message, options)
  return { profile: PROFILE, signMessage, sign: (request) => signFetchRequest(request, signMessage) }
}

/** Options of {@link createSigV4Verifier}. */
export interface SigV4VerifierOptions extends VerifierBaseOptions {
  /** The credentials accepted (several per access key id for rotation). */
  readonly credentials: SigV4Credentials | readonly SigV4Credentials[]
  /** The region requests must be scoped to (default: any). */
  readonly region?: string | undefined
  /** The service requests must be scoped to (default: any). */
  readonly service?: string | undefined
  /** Path rules: default, every service but S3 normalizes. */
  readonly normalizePath?: boolean | undefined
}

interface Parsed {
  readonly accessKeyId: string
  readonly day: string
  readonly region: string
  readonly service: string
  readonly signedHeaders: string[]
  readonly signature: string
  readonly date: string
  readonly presigned: boolean
  readonly expires: number | undefined
}

function parseAuthorization(value: string, message: HttpRequestMessage): Parsed {
  const m = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})$/.exec(value)
  if (m === null) throw new SignetError('ERR_MALFORMED_FIELD', 'Authorization is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...')
  const date = fieldOf(message, 'x-amz-date')
  if (date === undefined) throw new SignetError('ERR_REQUIRED_PARAMETER', 'X-Amz-Date is required')
  return { ...scopeOf(m[1] as string), signedHeaders: (m[2] as string).split(';'), signature: m[3] as string, date, presigned: false, expires: undefined }
}

function scopeOf(credential: string): { accessKeyId: string; day: string; region: string; service: string } {
  const parts = credential.split('/')
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1] as string)) throw new SignetError('ERR_MALFORMED_FIELD', 'the credential scope is not KEY/DATE/REGION/SERVICE/aws4_request')
  return { accessKeyId: parts[0] as string, day: parts[1] as string, region: parts[2] as string, service: parts[3] as string }
}

function parsePresigned(query: string): Parsed | undefined {
  const get = (name: string): string | undefined => {
    for (const part of query.split('&')) if (part.startsWith(`${name}=`)) return decode(part.slice(name.length + 1))
    return undefined
  }
  const alg = get('X-Amz-Algorithm')
  if (alg === undefined) return undefined
  if (alg !== ALGORITHM) throw new SignetError('ERR_ALG_UNSUPPORTED', `X-Amz-Algorithm ${alg} is not supported`)
  const credential = get('X-Amz-Credential')
  const date = get('X-Amz-Date')
  const headers = get('X-Amz-SignedHeaders')
  const sig = get('X-Amz-Signature')
  const expires = get('X-Amz-Expires')
  if (credential === undefined || date === undefined || headers === undefined || sig === undefined || expires === undefined) {
    throw new SignetError('ERR_REQUIRED_PARAMETER', 'a presigned URL needs X-Amz-Credential, -Date, -SignedHeaders, -Expires and -Signature')
  }
  if (!/^[0-9a-f]{64}$/.test(sig) || !/^\d{1,6}$/.test(expires) || Number(expires) > MAX_EXPIRES) throw new SignetError('ERR_MALFORMED_FIELD', 'X-Amz-Signature or X-Amz-Expires is malformed')
  return { ...scopeOf(credential), signedHeaders: headers.split(';'), signature: sig, date, presigned: true, expires: Number(expires) }
}

/**
 * A verifier of SigV4-signed requests (the `Authorization` form and presigned URLs).
 *
 * @example await createSigV4Verifier({ credentials: [{ accessKeyId, secretAccessKey }], service: 'execute-api' }).verify(request)
 */
export function createSigV4Verifier(options: SigV4VerifierOptions): ProfileVerifier {
  const policy = resolveProfilePolicy(options)
  const creds = keyList(options.credentials, 'credentials')
  for (const c of creds) {
    requireText(c.accessKeyId, 'accessKeyId')
    requireText(c.secretAccessKey, 'secretAccessKey')
  }

  async function verify(input: Request | HttpRequestMessage, context?: VerifyContext): Promise<ProfileIdentity> {
    const message = await toMessage(input)
    const auth = fieldOf(message, 'authorization')
    const { query } = splitTarget(message.target)
    const parsed = auth?.startsWith('AWS4-') === true ? parseAuthorization(auth, message) : parsePresigned(query ?? '')
    if (parsed === undefined) throw new SignetError('ERR_SIGNATURE_MISSING', 'no SigV4 Authorization field or presigned query')
    if (options.region !== undefined && parsed.region !== options.region) throw new SignetError('ERR_SIGNATURE_INVALID', `the credential is scoped to region ${parsed.region}`)
    if (options.service !== undefined && parsed.service !== options.service) throw new SignetError('ERR_SIGNATURE_INVALID', `the credential is scoped to service ${parsed.service}`)
    const time = parseAmzDate(parsed.date)
    if (time === undefined || parsed.date.slice(0, 8) !== parsed.day) throw new SignetError('ERR_MALFORMED_FIELD', 'X-Amz-Date must be YYYYMMDDTHHMMSSZ on the credential scope day')
    if (!parsed.signedHeaders.includes('host')) throw new SignetError('ERR_REQUIRED_COMPONENT', 'SignedHeaders must include host')
    for (const name of parsed.signedHeaders) {
      if (name !== 'host' && !message.fields.some((f) => f.name === name)) throw new SignetError('ERR_MISSING_COMPONENT', `signed header ${name} is missing`)
    }
    const candidates = creds.map((c, index) => ({ c, index })).filter(({ c }) => c.accessKeyId === parsed.accessKeyId)
    if (candidates.length === 0) throw new SignetError('ERR_KEY_NOT_FOUND', 'unknown access key id')
    const s3 = parsed.service === 's3'
    let payloadHash: string
    const claimed = fieldOf(message, 'x-amz-content-sha256')
    const bodyHash = async (): Promise<string> => toHex(await sha256(message.body ?? new Uint8Array(0), policy.backend))
    const alternatives: string[] = []
    if (parsed.presigned) {
      payloadHash = s3 ? UNSIGNED : await bodyHash()
      alternatives.push(s3 ? await bodyHash() : UNSIGNED)
    }
    else if (claimed === undefined) payloadHash = await bodyHash()
    else if (claimed === UNSIGNED) payloadHash = UNSIGNED
    else {
      if (!/^[0-9a-f]{64}$/.test(claimed) || !equalBytes(fromHex(claimed), fromHex(await bodyHash()))) throw new SignetError('ERR_DIGEST_MISMATCH', 'X-Amz-Content-Sha256 does not match the body')
      payloadHash = claimed
    }
    const rawPath = pathAsSent({ service: parsed.service, normalizePath: options.normalizePath })
    const omit = parsed.presigned ? (name: string) => name === 'X-Amz-Signature' : undefined
    const scope = `${parsed.day}/${parsed.region}/${parsed.service}/aws4_request`
    const creqs = [payloadHash, ...alternatives].map((hash) => canonicalRequest(message, { signedHeaders: parsed.signedHeaders, payloadHash: hash, s3: rawPath, query, omitFromQuery: omit }))
    // A session token added after signing (some services) is not part of the presigned query.
    if (parsed.presigned && query?.includes('X-Amz-Security-Token=') === true) {
      creqs.push(canonicalRequest(message, { signedHeaders: parsed.signedHeaders, payloadHash, s3: rawPath, query, omitFromQuery: (n) => n === 'X-Amz-Signature' || n === 'X-Amz-Security-Token' }))
    }
    let found: number | undefined
    const given = fromHex(parsed.signature)
    for (const { c, index } of candidates) {
      const key = await signingKey(c.secretAccessKey, parsed.day, parsed.region, parsed.service, policy.backend)
      for (const creq of creqs) if (found === undefined && equalBytes(fromHex(await signature(creq, parsed.date, scope, key, policy.backend)), given)) found = index
      if (found !== undefined) break
    }
    if (found === undefined) throw new SignetError('ERR_SIGNATURE_INVALID', 'the SigV4 signature does not verify')
    if (parsed.expires !== undefined) {
      const now = policy.now()
      if (time - now > policy.toleranceSeconds) throw new SignetError('ERR_CREATED_IN_FUTURE', 'X-Amz-Date is in the future')
      if (now > time + parsed.expires) throw new SignetError('ERR_SIGNATURE_EXPIRED', 'the presigned URL has expired')
    } else checkTimestamp(time, policy)
    const ttl = parsed.expires ?? 2 * policy.toleranceSeconds
    // A presigned URL may be used until it expires; only header signatures are once-only.
    if (!parsed.presigned) await recordOnce(policy, PROFILE, parsed.signature, ttl, context)
    return {
      profile: PROFILE,
      keyid: parsed.accessKeyId,
      alg: ALGORITHM,
      algorithm: 'hmac-sha256',
      keyIndex: found,
      params: { 'x-amz-date': parsed.date, region: parsed.region, service: parsed.service, signedHeaders: parsed.signedHeaders.join(';'), presigned: parsed.presigned },
    }
  }

  return {
    profile: PROFILE,
    matches: (m) => fieldOf(m, 'authorization')?.startsWith(ALGORITHM) === true || /[?&]X-Amz-Signature=/.test(m.target),
    verify,
  }
}

