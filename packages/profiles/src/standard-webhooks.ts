/**
 * Standard Webhooks (standard-webhooks/standard-webhooks, spec/standard-webhooks.md):
 * `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated list
 * of `version,base64` over `{id}.{timestamp}.{body}`. `v1` is HMAC-SHA256 under the base64 secret
 * after `whsec_`; `v1a` is Ed25519 (pure) with `whsk_` (the 32-byte seed) and `whpk_` (the 32-byte
 * public key), base64.
 *
 * Svix's branded fields (`svix-id`, `svix-timestamp`, `svix-signature`) are read too.
 * Verification accepts any listed signature of a known version under any configured key
 * (rotation), checks the timestamp against the shared tolerance (both directions, as the
 * reference libraries do) and records the webhook id as the once-only value.
 *
 * @module
 */
import { SignetError, concatBytes, equalBytes, exportJwk, importKey, publicKey, randomBytes, signBytes, toBase64, toBase64Url, utf8, verifyBytes } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { hmacSha256, looseBase64 } from './lib/crypto.ts'
import { checkTimestamp, recordOnce, resolveProfilePolicy } from './lib/policy.ts'
import type { VerifyContext } from './lib/policy.ts'
import { fieldValue, keyList, signFetchRequest, toMessage } from './lib/profile.ts'
import type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier, SignerBaseOptions, VerifierBaseOptions } from './lib/profile.ts'

export type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier } from './lib/profile.ts'
export type { ProfilePolicy, ReplayStore, VerifyContext } from './lib/policy.ts'

/** A parsed Standard Webhooks key. */
export type StandardWebhookKey =
  | { readonly version: 'v1'; readonly secret: Uint8Array }
  | { readonly version: 'v1a'; readonly key: SignetKey }

const PROFILE = 'standard-webhooks'

/**
 * Parse a key as Standard Webhooks writes it: `whsec_` + base64 secret (the prefix is optional,
 * unpadded base64 accepted), `whsk_` + base64 Ed25519 seed, `whpk_` + base64 Ed25519 public key.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` for text that is not such a key.
 * @example await parseStandardWebhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
 */
export async function parseStandardWebhookKey(text: string): Promise<StandardWebhookKey> {
  if (typeof text !== 'string' || text.length === 0) throw new TypeError('"key" expected a whsec_, whsk_ or whpk_ string')
  const asym = /^wh(sk|pk)_(.*)$/s.exec(text)
  if (asym !== null) {
    const bytes = looseBase64(asym[2] as string)
    if (bytes === undefined || bytes.length !== 32) throw new SignetError('ERR_KEY_INVALID', `a wh${asym[1]}_ key must be base64 of 32 bytes`)
    const key = await importKey(bytes, { alg: 'ed25519', type: asym[1] === 'sk' ? 'private' : 'public' })
    return { version: 'v1a', key }
  }
  const secret = looseBase64(text.startsWith('whsec_') ? text.slice(6) : text)
  if (secret === undefined || secret.length === 0) throw new SignetError('ERR_KEY_INVALID', 'a whsec_ secret must be base64')
  return { version: 'v1', secret }
}

async function keyOf(input: string | StandardWebhookKey): Promise<StandardWebhookKey> {
  return typeof input === 'string' ? parseStandardWebhookKey(input) : input
}

/** The signed content: `{id}.{timestamp}.{body}`. */
function content(id: string, timestamp: number | string, body: Uint8Array | undefined): Uint8Array {
  return concatBytes(utf8(`${id}.${timestamp}.`), body ?? new Uint8Array(0))
}

/** Options of {@link signStandardWebhook}. */
export interface StandardWebhookSignOptions extends SignerBaseOptions {
  /** One key, or several to sign with each (during a rotation). */
  readonly key: string | StandardWebhookKey | readonly (string | StandardWebhookKey)[]
  /** The message id; default `msg_` + 128 random bits. Must not contain `.`. */
  readonly id?: string | undefined
  /** Unix seconds; default now. */
  readonly timestamp?: number | undefined
}

/**
 * The three Standard Webhooks fields for a payload.
 *
 * @returns `webhook-id`, `webhook-timestamp` and `webhook-signature`.
 * @throws {TypeError} for an id with `.` or a whpk_ (public) key.
 * @example await signStandardWebhook('{"a":1}', { key: 'whsec_...' })
 */
export async function signStandardWebhook(payload: Uint8Array | string, options: StandardWebhookSignOptions): Promise<Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>> {
  const id = options.id ?? `msg_${toBase64Url(randomBytes(16))}`
  if (typeof id !== 'string' || id.length === 0 || id.includes('.')) throw new TypeError('"id" expected a non-empty string without "."')
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`"timestamp" expected unix seconds, got ${String(timestamp)}`)
  const data = content(id, timestamp, typeof payload === 'string' ? utf8(payload) : payload)
  const signatures: string[] = []
  for (const input of keyList(options.key, 'key')) {
    const key = await keyOf(input)
    if (key.version === 'v1') signatures.push(`v1,${toBase64(await hmacSha256(key.secret, data, options.backend))}`)
    else {
      if (key.key.type !== 'private') throw new TypeError('"key" must be a whsk_ (private) key to sign v1a')
      signatures.push(`v1a,${toBase64(await signBytes(key.key, data, options.backend === undefined ? undefined : { backend: options.backend }))}`)
    }
  }
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') }
}

/**
 * A signer that adds the Standard Webhooks fields to a request carrying the payload as its body.
 *
 * @example const signer = createStandardWebhooksSigner({ key: 'whsec_...' }); await signer.sign(request)
 */
export function createStandardWebhooksSigner(options: StandardWebhookSignOptions): ProfileSigner {
  keyList(options.key, 'key')
  const signMessage = async (message: HttpRequestMessage): Promise<ProfileSignature> => {
    const fields = await signStandardWebhook(message.body ?? new Uint8Array(0), options)
    return { fields: Object.entries(fields) }
  }
  return { profile: PROFILE, signMessage, sign: (request) => signFetchRequest(request, signMessage) }
}

/** Options of {@link createStandardWebhooksVerifier}. */
export interface StandardWebhooksVerifierOptions extends VerifierBaseOptions {
  /** The endpoint's keys (whsec_ secrets, whpk_ public keys); any that verifies is enough. */
  readonly keys: string | StandardWebhookKey | readonly (string | StandardWebhookKey)[]
}

/**
 * A verifier of Standard Webhooks requests.
 *
 * @throws {TypeError} / {RangeError} for bad options.
 * @example
 * ```ts
 * const verifier = createStandardWebhooksVerifier({ keys: ['whsec_new', 'whsec_old'] })
 * const { params } = await verifier.verify(request) // params['webhook-id']
 * ```
 */
export function createStandardWebhooksVerifier(options: StandardWebhooksVerifierOptions): ProfileVerifier {
  const policy = resolveProfilePolicy(options)
  const inputs = keyList(options.keys, 'keys')
  let keys: Promise<StandardWebhookKey[]> | undefined
  const backend = policy.backend === undefined ? undefined : { backend: policy.backend }

  async function verify(input: Request | HttpRequestMessage, context?: VerifyContext): Promise<ProfileIdentity> {
    const message = await toMessage(input)
    // Svix sends the same scheme under its own brand: svix-id, svix-timestamp, svix-signature.
    const brand = fieldValue(message, 'webhook-signature') === undefined && fieldValue(message, 'svix-signature') !== undefined ? 'svix' : 'webhook'
    const id = fieldValue(message, `${brand}-id`)
    const ts = fieldValue(message, `${brand}-timestamp`)
    const header = fieldValue(message, `${brand}-signature`)
    if (id === undefined || ts === undefined || header === undefined) {
      throw new SignetError('ERR_SIGNATURE_MISSING', 'webhook-id, webhook-timestamp and webhook-signature are required')
    }
    if (!/^\d{1,15}$/.test(ts)) throw new SignetError('ERR_MALFORMED_FIELD', 'webhook-timestamp must be unix seconds')
    const timestamp = Number(ts)
    checkTimestamp(timestamp, policy)
    const data = content(id, ts, message.body)
    keys ??= Promise.all(inputs.map(keyOf))
    const list = await keys
    const offered = header.split(' ').map((s) => s.split(',')).filter((p) => p.length === 2) as [string, string][]
    let found: { index: number; version: string } | undefined
    let macs: Map<number, Uint8Array> | undefined
    for (const [version, b64] of offered) {
      const sig = looseBase64(b64)
      if (sig === undefined) continue
      for (let index = 0; index < list.length && found === undefined; index++) {
        const key = list[index] as StandardWebhookKey
        if (key.version !== version) continue
        if (key.version === 'v1') {
          macs ??= new Map()
          let mac = macs.get(index)
          if (mac === undefined) macs.set(index, (mac = await hmacSha256(key.secret, data, policy.backend)))
          if (equalBytes(mac, sig)) found = { index, version }
        } else if (sig.length === 64 && (await verifyBytes(key.key, data, sig, backend))) found = { index, version }
      }
      if (found !== undefined) break
    }
    if (found === undefined) throw new SignetError('ERR_SIGNATURE_INVALID', 'no webhook-signature entry verifies under the configured keys')
    await recordOnce(policy, PROFILE, id, 2 * policy.toleranceSeconds, context)
    return { profile: PROFILE, keyid: undefined, alg: found.version, algorithm: found.version === 'v1' ? 'hmac-sha256' : 'ed25519', keyIndex: found.index, params: { 'webhook-id': id, 'webhook-timestamp': timestamp } }
  }

  return { profile: PROFILE, matches: (m) => fieldValue(m, 'webhook-signature') !== undefined || fieldValue(m, 'svix-signature') !== undefined, verify }
}

/** Generate a `whsec_` secret (24 random bytes, as the reference libraries do) or an Ed25519 `whsk_`/`whpk_` pair. */
export async function generateStandardWebhookKey(version: 'v1' | 'v1a' = 'v1'): Promise<{ secret: string; publicKey?: string }> {
  if (version === 'v1') return { secret: `whsec_${toBase64(randomBytes(24))}` }
  const seed = randomBytes(32)
  const key = await importKey(seed, { alg: 'ed25519', type: 'private' })
  const jwk = await exportJwk(publicKey(key))
  return { secret: `whsk_${toBase64(seed)}`, publicKey: `whpk_${toBase64(looseBase64(jwk.x as string) as Uint8Array)}` }
}

