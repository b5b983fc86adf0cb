/**
 * Stripe webhook signatures: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where
 * each `v1` is HMAC-SHA256 over `{t}.{raw body}` keyed with the endpoint secret string itself
 * (the UTF-8 bytes of `whsec_...`, unlike Standard Webhooks, which decodes it). During a secret
 * roll Stripe sends one `v1` per active secret; `v0` entries are ignored.
 *
 * Verification accepts any `v1` under any configured secret, checks `t` against the shared
 * tolerance (in both directions, where stripe-node checks only the past) and records the
 * signature that matched as the once-only value.
 *
 * @module
 */
import { SignetError, fromHex, toHex, utf8, concatBytes, equalBytes } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'
import { hmacSha256 } from './lib/crypto.ts'
import { checkTimestamp, recordOnce, resolveProfilePolicy } from './lib/policy.ts'
import type { VerifyContext } from './lib/policy.ts'
import { fieldValue, keyList, requireText, signFetchRequest, toMessage } from './lib/profile.ts'
import type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier, SignerBaseOptions, VerifierBaseOptions } from './lib/profile.ts'

export type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier } from './lib/profile.ts'
export type { ProfilePolicy, ReplayStore, VerifyContext } from './lib/policy.ts'

const PROFILE = 'stripe'

/** Options of {@link signStripeWebhook}. */
export interface StripeSignOptions extends SignerBaseOptions {
  /** The endpoint secret (`whsec_...`), or several (one `v1` each, as during a roll). */
  readonly secret: string | readonly string[]
  /** Unix seconds; default now. */
  readonly timestamp?: number | undefined
}

const payloadOf = (t: number | string, body: Uint8Array | undefined): Uint8Array => concatBytes(utf8(`${t}.`), body ?? new Uint8Array(0))

/**
 * The `Stripe-Signature` value for a payload.
 *
 * @example await signStripeWebhook('{"id":"evt_1"}', { secret: 'whsec_...' }) // 't=...,v1=...'
 */
export async function signStripeWebhook(payload: Uint8Array | string, options: StripeSignOptions): Promise<string> {
  const t = options.timestamp ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`"timestamp" expected unix seconds, got ${String(t)}`)
  const data = payloadOf(t, typeof payload === 'string' ? utf8(payload) : payload)
  const parts = [`t=${t}`]
  for (const secret of keyList(options.secret, 'secret')) parts.push(`v1=${toHex(await hmacSha256(utf8(requireText(secret, 'secret')), data, options.backend))}`)
  return parts.join(',')
}

/**
 * A signer that adds `Stripe-Signature` to a request carrying the event as its body.
 *
 * @example await createStripeSigner({ secret: 'whsec_...' }).sign(request)
 */
export function createStripeSigner(options: StripeSignOptions): ProfileSigner {
  for (const s of keyList(options.secret, 'secret')) requireText(s, 'secret')
  const signMessage = async (message: HttpRequestMessage): Promise<ProfileSignature> => ({
    fields: [['Stripe-Signature', await signStripeWebhook(message.body ?? new Uint8Array(0), options)]],
  })
  return { profile: PROFILE, signMessage, sign: (request) => signFetchRequest(request, signMessage) }
}

/** Options of {@link createStripeVerifier}. */
export interface StripeVerifierOptions extends VerifierBaseOptions {
  /** The endpoint secrets; any that verifies is enough. */
  readonly secrets: string | readonly string[]
}

/** Parse `t=...,v1=...`: the timestamp text and every `v1` value. */
function parseHeader(header: string): { t: string | undefined; v1: string[] } {
  let t: string | undefined
  const v1: string[] = []
  for (const item of header.split(',')) {
    const eq = item.indexOf('=')
    if (eq === -1) continue
    const k = item.slice(0, eq).trim()
    const v = item.slice(eq + 1).trim()
    if (k === 't') t = v
    else if (k === 'v1') v1.push(v)
  }
  return { t, v1 }
}

/**
 * A verifier of Stripe webhook requests.
 *
 * @example
 * ```ts
 * const verifier = createStripeVerifier({ secrets: ['whsec_new', 'whsec_old'], replay: nonceStore })
 * await verifier.verify(request)
 * ```
 */
export function createStripeVerifier(options: StripeVerifierOptions): ProfileVerifier {
  const policy = resolveProfilePolicy(options)
  const secrets = keyList(options.secrets, 'secrets').map((s) => utf8(requireText(s, 'secrets')))

  async function verify(input: Request | HttpRequestMessage, context?: VerifyContext): Promise<ProfileIdentity> {
    const message = await toMessage(input)
    const header = fieldValue(message, 'stripe-signature')
    if (header === undefined) throw new SignetError('ERR_SIGNATURE_MISSING', 'Stripe-Signature is required')
    const { t, v1 } = parseHeader(header)
    if (t === undefined || !/^\d{1,15}$/.test(t)) throw new SignetError('ERR_MALFORMED_FIELD', 'Stripe-Signature must carry t=<unix seconds>')
    if (v1.length === 0) throw new SignetError('ERR_SIGNATURE_MISSING', 'Stripe-Signature carries no v1 signature')
    const data = payloadOf(t, message.body)
    let matched: { index: number; signature: string } | undefined
    for (let index = 0; index < secrets.length && matched === undefined; index++) {
      const mac = await hmacSha256(secrets[index] as Uint8Array, data, policy.backend)
      for (const candidate of v1) {
        if (!/^[0-9a-fA-F]{64}$/.test(candidate)) continue
        if (equalBytes(mac, fromHex(candidate))) {
          matched = { index, signature: candidate.toLowerCase() }
          break
        }
      }
    }
    if (matched === undefined) throw new SignetError('ERR_SIGNATURE_INVALID', 'no v1 signature verifies under the configured secrets')
    checkTimestamp(Number(t), policy)
    await recordOnce(policy, PROFILE, matched.signature, 2 * policy.toleranceSeconds, context)
    return { profile: PROFILE, keyid: undefined, alg: 'v1', algorithm: 'hmac-sha256', keyIndex: matched.index, params: { t: Number(t) } }
  }

  return { profile: PROFILE, matches: (m) => fieldValue(m, 'stripe-signature') !== undefined, verify }
}
