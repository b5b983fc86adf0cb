/**
 * draft-cavage-http-signatures-12 (the Joyent "HTTP Signature Scheme" that Mastodon and the
 * Fediverse sign with): `Signature: keyId="...",algorithm="...",[created=N,][expires=N,]
 * headers="...",signature="base64"` or the same after `Authorization: Signature `.
 *
 * The signing string (section 2.3) has one line per name in `headers`: the lower-cased name,
 * `: `, and the value (OWS trimmed, obs-fold collapsed, repeated fields joined with `, `);
 * `(request-target)` is the lower-cased method, a space and the target as sent; `(created)` and
 * `(expires)` are the parameters, which rsa-, hmac- and ecdsa- algorithms may not use.
 * Algorithms: `rsa-sha256`, `hmac-sha256`, `ecdsa-sha256` (DER signature), `ed25519`, and
 * `hs2019` (derived from the key; RSA as the Fediverse uses it, PKCS#1 v1.5 with SHA-256).
 * The `Digest` field (RFC 3230, `SHA-256=base64`) is added and checked when covered.
 *
 * @module
 */
import { SignetError, fromBase64, hasErrorCode, importKey, isSignetKey, signBytes, toBase64, utf8, verifyBytes, equalBytes, digest } from '@signet/core'
import type { AlgorithmName, HttpRequestMessage, SignetKey } from '@signet/core'
import { equalText, hmacSha256 } from './lib/crypto.ts'
import { checkTimestamp, recordOnce, resolveProfilePolicy } from './lib/policy.ts'
import type { VerifyContext } from './lib/policy.ts'
import { fieldValue, keyList, requireText, signFetchRequest, toMessage } from './lib/profile.ts'
import type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier, SignerBaseOptions, VerifierBaseOptions } from './lib/profile.ts'

export type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier } from './lib/profile.ts'
export type { ProfilePolicy, ReplayStore, VerifyContext } from './lib/policy.ts'

const PROFILE = 'cavage'

/** The algorithm names of the draft (section 2.1.3 and the registry of section 5.2). */
export type CavageAlgorithm = 'rsa-sha256' | 'hmac-sha256' | 'ecdsa-sha256' | 'ed25519' | 'hs2019'

/** The draft's name for each core algorithm a cavage key may carry (`hs2019` defers to the key). */
const NAME_OF: Readonly<Partial<Record<AlgorithmName, CavageAlgorithm>>> = { 'hmac-sha256': 'hmac-sha256', 'rsa-v1_5-sha256': 'rsa-sha256', 'ecdsa-p256-sha256': 'ecdsa-sha256', ed25519: 'ed25519' }

/** A cavage key: an asymmetric key (PEM, JWK or imported) or an HMAC secret, with its keyId. */
export interface CavageKey {
  readonly keyId: string
  /** PEM, JWK or an imported {@link SignetKey} (RSA keys are bound to PKCS#1 v1.5 SHA-256). */
  readonly key?: string | JsonWebKey | SignetKey | undefined
  /** An HMAC secret (hmac-sha256). */
  readonly secret?: string | Uint8Array | undefined
}

type Prepared = { readonly keyId: string; readonly hmac: Uint8Array } | { readonly keyId: string; readonly key: SignetKey }

async function prepare(k: CavageKey, minimumRsaBits: number): Promise<Prepared> {
  const keyId = requireText(k.keyId, 'keyId')
  if (k.secret !== undefined) return { keyId, hmac: typeof k.secret === 'string' ? utf8(k.secret) : k.secret }
  if (k.key === undefined) throw new TypeError('"key" or "secret" is required')
  if (isSignetKey(k.key)) return { keyId, key: k.key }
  try {
    return { keyId, key: await importKey(k.key, { minimumRsaBits }) }
  } catch (err) {
    if (!hasErrorCode(err, 'ERR_KEY_UNSUPPORTED')) throw err
    return { keyId, key: await importKey(k.key, { alg: 'rsa-v1_5-sha256', minimumRsaBits }) }
  }
}

const TOKEN = /^(\([a-z-]+\)|[!#$%&'*+.^_`|~0-9a-z-]+)$/

/** The parameters of a signature, as sent. */
export interface CavageParams {
  readonly keyId: string
  readonly algorithm: string | undefined
  readonly created: number | undefined
  readonly expires: number | undefined
  readonly headers: readonly string[]
  readonly signature: string
}

/**
 * The signing string of draft-cavage-12 section 2.3.
 *
 * @throws {SignetError} `ERR_MISSING_COMPONENT` for a header not in the message,
 *   `ERR_INVALID_COMPONENT` for a malformed name or `(created)`/`(expires)` with an rsa, hmac or
 *   ecdsa algorithm.
 */
export function cavageSigningString(message: HttpRequestMessage, headers: readonly string[], params: { algorithm?: string | undefined; created?: number | undefined; expires?: number | undefined }): string {
  const lines: string[] = []
  for (const raw of headers) {
    const name = raw.toLowerCase()
    if (!TOKEN.test(name)) throw new SignetError('ERR_INVALID_COMPONENT', `"${raw}" is not a header name`)
    if (name === '(request-target)') lines.push(`${name}: ${message.method.toLowerCase()} ${message.target}`)
    else if (name === '(created)' || name === '(expires)') {
      const alg = params.algorithm ?? ''
      if (/^(rsa|hmac|ecdsa)/.test(alg)) throw new SignetError('ERR_INVALID_COMPONENT', `${name} cannot be used with ${alg}`)
      const value = name === '(created)' ? params.created : params.expires
      if (value === undefined) throw new SignetError('ERR_MISSING_COMPONENT', `${name} needs its parameter`)
      lines.push(`${name}: ${value}`)
    } else if (name.startsWith('(')) throw new SignetError('ERR_UNKNOWN_COMPONENT', `unknown pseudo-header ${name}`)
    else {
      let value = fieldValue(message, name)
      if (value === undefined && name === 'host' && message.authority !== '') value = message.authority
      if (value === undefined) throw new SignetError('ERR_MISSING_COMPONENT', `header ${name} is not in the message`)
      lines.push(`${name}: ${value.replace(/\r?\n[ \t]+/g, ' ').trim()}`)
    }
  }
  return lines.join('\n')
}

/** Parse the parameter list of a Signature field (or of `Authorization: Signature`). */
export function parseCavageSignature(text: string): CavageParams {
  const body = text.replace(/^Signature\s+/i, '')
  const out: Record<string, string> = {}
  const re = /\s*([A-Za-z]+)=(?:"([^"]*)"|(\d{1,15}))\s*(,|$)/y
  let at = 0
  while (at < body.length) {
    re.lastIndex = at
    const m = re.exec(body)
    const name = m?.[1] as string
    // A parameter that does not parse, or one given twice.
    if (m === null || name in out) throw new SignetError('ERR_MALFORMED_FIELD', 'malformed Signature')
    out[name] = m[2] ?? (m[3] as string)
    at = re.lastIndex
  }
  if (out.keyId === undefined || out.signature === undefined) throw new SignetError('ERR_MALFORMED_FIELD', 'keyId and signature are required')
  // The pattern above admits only digits unquoted, so created and expires are integers here.
  const int = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v))
  return {
    keyId: out.keyId,
    algorithm: out.algorithm,
    created: int(out.created),
    expires: int(out.expires),
    // Section 2.1.6: absent headers means "(created)"; servers that predate it (Joyent, Mastodon) use "date".
    headers: out.headers === undefined ? (out.algorithm === 'hs2019' ? ['(created)'] : ['date']) : out.headers.trim().split(/\s+/),
    signature: out.signature,
  }
}

function derToRaw(der: Uint8Array): Uint8Array {
  // SEQUENCE { INTEGER r, INTEGER s } (P-256, short lengths). Malformed input yields bytes that
  // simply fail verification, so the walk need not validate more than it reads.
  const out = new Uint8Array(64)
  for (let i = 0, at = 2; i < 2; i++) {
    const len = der[at + 1] ?? 0
    const v = der.subarray(at + 2, at + 2 + len).subarray(-32)
    out.set(v, i * 32 + 32 - v.length)
    at += 2 + len
  }
  return out
}

function rawToDer(raw: Uint8Array): Uint8Array {
  const parts: number[] = []
  for (const half of [raw.subarray(0, 32), raw.subarray(32)]) {
    let i = 0
    while (i < 31 && half[i] === 0) i++
    // A leading 0x00 keeps a high-bit integer positive (DER INTEGER is two's complement).
    const v = [...((half[i] as number) & 0x80 ? [0] : []), ...half.subarray(i)]
    parts.push(2, v.length, ...v)
  }
  return new Uint8Array([0x30, parts.length, ...parts])
}

/** Options of {@link createCavageSigner}. */
export interface CavageSignOptions extends SignerBaseOptions, CavageKey {
  /** The names to sign; default `(request-target) host date`, plus `digest` when there is a body (Mastodon's profile). */
  readonly headers?: readonly string[] | string | undefined
  /** The algorithm name to send; default the key's (`hs2019` hides it, as draft-12 recommends). */
  readonly algorithm?: CavageAlgorithm | undefined
  /** `created` (unix seconds) for `(created)`; default now when `(created)` is signed. */
  readonly created?: number | undefined
  readonly expires?: number | undefined
  /** Where the signature goes: the `Signature` field (default) or `Authorization: Signature`. */
  readonly field?: 'signature' | 'authorization' | undefined
  /** Smallest RSA modulus accepted; default 2048 (the draft's test key is 1024). */
  readonly minimumRsaBits?: number | undefined
  /** Clock for `Date` and `created`, unix milliseconds. */
  readonly clock?: (() => number) | undefined
}

async function digestField(body: Uint8Array | undefined): Promise<string> {
  return `SHA-256=${toBase64(await digest('sha-256', body ?? new Uint8Array(0)))}`
}

/**
 * A signer for draft-cavage signatures (Mastodon's profile by default): adds `Date` and
 * `Digest` when they are to be signed and missing, then `Signature`.
 *
 * @example await createCavageSigner({ keyId: 'https://example.com/actor#main-key', key: pem }).sign(request)
 */
export function createCavageSigner(options: CavageSignOptions): ProfileSigner {
  requireText(options.keyId, 'keyId')
  const listed = typeof options.headers === 'string' ? options.headers.trim().split(/\s+/) : options.headers
  let prepared: Promise<Prepared> | undefined
  const clock = options.clock ?? Date.now

  const signMessage = async (message: HttpRequestMessage): Promise<ProfileSignature> => {
    prepared ??= prepare(options, options.minimumRsaBits ?? 2048)
    const key = await prepared
    const hasBody = message.body !== undefined && message.body.length > 0
    const headers = (listed ?? ['(request-target)', 'host', 'date', ...(hasBody ? ['digest'] : [])]).map((h) => h.toLowerCase())
    const keyAlg = 'hmac' in key ? 'hmac-sha256' : NAME_OF[key.key.algorithm.name]
    if (keyAlg === undefined) throw new SignetError('ERR_ALG_UNSUPPORTED', 'no cavage name for this key')
    const algorithm = options.algorithm ?? keyAlg
    if (algorithm !== 'hs2019' && algorithm !== keyAlg) throw new SignetError('ERR_ALG_MISMATCH', `${algorithm} does not fit a ${keyAlg} key`)
    const added: [string, string][] = []
    if (headers.includes('date') && fieldValue(message, 'date') === undefined) added.push(['Date', new Date(clock()).toUTCString()])
    if (headers.includes('digest') && fieldValue(message, 'digest') === undefined) added.push(['Digest', await digestField(message.body)])
    const created = options.created ?? (headers.includes('(created)') ? Math.floor(clock() / 1000) : undefined)
    const withAdded: HttpRequestMessage = { ...message, fields: [...message.fields, ...added.map(([n, v]) => ({ name: n.toLowerCase(), value: v }))] }
    const text = utf8(cavageSigningString(withAdded, headers, { algorithm, created, expires: options.expires }))
    let sig: Uint8Array
    if ('hmac' in key) sig = await hmacSha256(key.hmac, text, options.backend)
    else {
      sig = await signBytes(key.key, text, options.backend === undefined ? undefined : { backend: options.backend })
      if (key.key.algorithm.family === 'ecdsa') sig = rawToDer(sig)
    }
    let params = `keyId="${key.keyId}",algorithm="${algorithm}"`
    if (created !== undefined && headers.includes('(created)')) params += `,created=${created}`
    if (options.expires !== undefined && headers.includes('(expires)')) params += `,expires=${options.expires}`
    params += `,headers="${headers.join(' ')}",signature="${toBase64(sig)}"`
    added.push(options.field === 'authorization' ? ['Authorization', `Signature ${params}`] : ['Signature', params])
    return { fields: added }
  }
  return { profile: PROFILE, signMessage, sign: (request) => signFetchRequest(request, signMessage) }
}

/** Options of {@link createCavageVerifier}. */
export interface CavageVerifierOptions extends VerifierBaseOptions {
  /** The keys, looked up by `keyId` (several per keyId for rotation). */
  readonly keys: CavageKey | readonly CavageKey[]
  /** Names the signature must cover; default `(request-target)`, and `digest` when there is a body. */
  readonly requiredHeaders?: readonly string[] | undefined
  /** Require `date` or `(created)` to be covered, and check it against the tolerance (default true). */
  readonly requireTime?: boolean | undefined
  readonly minimumRsaBits?: number | undefined
}

/**
 * A verifier of draft-cavage signatures (Mastodon's rules by default: `(request-target)`,
 * `digest` for a body, and `date` or `(created)` within the tolerance).
 *
 * @example await createCavageVerifier({ keys: [{ keyId, key: publicPem }] }).verify(request)
 */
export function createCavageVerifier(options: CavageVerifierOptions): ProfileVerifier {
  const policy = resolveProfilePolicy(options)
  const inputs = keyList(options.keys, 'keys')
  for (const k of inputs) requireText(k.keyId, 'keyId')
  let prepared: Promise<Prepared[]> | undefined
  const requireTime = options.requireTime ?? true

  async function verify(input: Request | HttpRequestMessage, context?: VerifyContext): Promise<ProfileIdentity> {
    const message = await toMessage(input)
    const sigField = fieldValue(message, 'signature')
    const auth = fieldValue(message, 'authorization')
    const text = sigField ?? (auth !== undefined && /^Signature\s/i.test(auth) ? auth : undefined)
    if (text === undefined) throw new SignetError('ERR_SIGNATURE_MISSING', 'no Signature field')
    const params = parseCavageSignature(text)
    const hasBody = message.body !== undefined && message.body.length > 0
    const required = options.requiredHeaders ?? ['(request-target)', ...(hasBody ? ['digest'] : [])]
    for (const name of required) if (!params.headers.includes(name)) throw new SignetError('ERR_REQUIRED_COMPONENT', `${name} must be covered`)
    if (requireTime && !params.headers.includes('date') && !params.headers.includes('(created)')) throw new SignetError('ERR_REQUIRED_COMPONENT', 'date or (created) must be covered')
    const signingText = utf8(cavageSigningString(message, params.headers, params))
    let sig: Uint8Array
    try {
      sig = fromBase64(params.signature)
    } catch {
      throw new SignetError('ERR_MALFORMED_FIELD', 'signature is not base64')
    }
    prepared ??= Promise.all(inputs.map((k) => prepare(k, options.minimumRsaBits ?? 2048)))
    const candidates = (await prepared).map((k, index) => ({ k, index })).filter(({ k }) => k.keyId === params.keyId)
    if (candidates.length === 0) throw new SignetError('ERR_KEY_NOT_FOUND', 'unknown keyId')
    const algorithm = params.algorithm ?? 'hs2019'
    let found: { index: number; alg: string; algorithm: AlgorithmName } | undefined
    for (const { k, index } of candidates) {
      const keyAlg = 'hmac' in k ? 'hmac-sha256' : NAME_OF[k.key.algorithm.name]
      // The algorithm named must be the key's (or hs2019, which defers to the key): no downgrade.
      if (algorithm !== 'hs2019' && algorithm !== keyAlg) continue
      let ok: boolean
      if ('hmac' in k) ok = equalBytes(await hmacSha256(k.hmac, signingText, policy.backend), sig)
      else {
        let s = sig
        if (k.key.algorithm.family === 'ecdsa') s = derToRaw(sig)
        ok = await verifyBytes(k.key, signingText, s, policy.backend === undefined ? undefined : { backend: policy.backend })
      }
      if (ok) {
        found = { index, alg: keyAlg ?? algorithm, algorithm: 'hmac' in k ? 'hmac-sha256' : k.key.algorithm.name }
        break
      }
    }
    if (found === undefined) throw new SignetError('ERR_SIGNATURE_INVALID', 'the signature does not verify')
    if (params.created !== undefined) checkTimestamp(params.created, policy)
    if (params.expires !== undefined && params.expires < policy.now()) throw new SignetError('ERR_SIGNATURE_EXPIRED', 'the signature has expired')
    const date = fieldValue(message, 'date')
    if (params.headers.includes('date') && date !== undefined) {
      const t = Date.parse(date)
      if (Number.isNaN(t)) throw new SignetError('ERR_MALFORMED_FIELD', 'Date is not an HTTP-date')
      checkTimestamp(t / 1000, policy)
    }
    if (params.headers.includes('digest')) await checkDigest(fieldValue(message, 'digest') as string, message.body)
    await recordOnce(policy, PROFILE, params.signature, 2 * policy.toleranceSeconds, context)
    const out: Record<string, string | number> = { headers: params.headers.join(' '), algorithm }
    if (params.created !== undefined) out.created = params.created
    if (params.expires !== undefined) out.expires = params.expires
    return { profile: PROFILE, keyid: params.keyId, alg: found.alg, algorithm: found.algorithm, keyIndex: found.index, params: out }
  }

  return {
    profile: PROFILE,
    matches: (m) => fieldValue(m, 'signature') !== undefined && fieldValue(m, 'signature-input') === undefined || /^Signature\s/i.test(fieldValue(m, 'authorization') ?? ''),
    verify,
  }
}

/** RFC 3230 `Digest` with SHA-256 or SHA-512 (any listed one we know must match). */
async function checkDigest(value: string, body: Uint8Array | undefined): Promise<void> {
  let checked = false
  for (const item of value.split(',')) {
    const eq = item.indexOf('=')
    const alg = item.slice(0, eq).trim().toLowerCase()
    if (alg !== 'sha-256' && alg !== 'sha-512') continue
    const want = toBase64(await digest(alg, body ?? new Uint8Array(0)))
    if (!equalText(want, item.slice(eq + 1).trim())) throw new SignetError('ERR_DIGEST_MISMATCH', 'Digest does not match the body')
    checked = true
  }
  if (!checked) throw new SignetError('ERR_DIGEST_UNSUPPORTED', 'no SHA-256 or SHA-512 in Digest')
}

