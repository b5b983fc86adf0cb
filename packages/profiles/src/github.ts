/**
 * GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 over the raw body
 * keyed with the webhook secret's UTF-8 bytes (GitHub docs, "Validating webhook deliveries").
 * The scheme has no timestamp; the delivery GUID (`X-GitHub-Delivery`), when present, is the
 * once-only value recorded in the shared replay store (for a day: GitHub redelivers with a new
 * GUID, never the same one).
 *
 * @module
 */
import { SignetError, fromHex, toHex, utf8, equalBytes, randomBytes } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'
import { hmacSha256 } from './lib/crypto.ts'
import { recordOnce, resolveProfilePolicy } from './lib/policy.ts'
import type { VerifyContext } from './lib/policy.ts'
import { fieldValue, keyList, requireText, signFetchRequest, toMessage } from './lib/profile.ts'
import type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier, SignerBaseOptions, VerifierBaseOptions } from './lib/profile.ts'

export type { ProfileIdentity, ProfileSignature, ProfileSigner, ProfileVerifier } from './lib/profile.ts'
export type { ProfilePolicy, ReplayStore, VerifyContext } from './lib/policy.ts'

const PROFILE = 'github'
const DAY_SECONDS = 86_400

/**
 * The `X-Hub-Signature-256` value for a payload.
 *
 * @example await signGitHubWebhook('Hello, World!', "It's a Secret to Everybody") // 'sha256=7571...'
 */
export async function signGitHubWebhook(payload: Uint8Array | string, secret: string, options?: SignerBaseOptions): Promise<string> {
  const mac = await hmacSha256(utf8(requireText(secret, 'secret')), typeof payload === 'string' ? utf8(payload) : payload, options?.backend)
  return `sha256=${toHex(mac)}`
}

/** Options of {@link createGitHubSigner}. */
export interface GitHubSignOptions extends SignerBaseOptions {
  readonly secret: string
  /** Add `X-GitHub-Delivery` with a random GUID (default true) when the request has none. */
  readonly delivery?: boolean | undefined
}

function guid(): string {
  const b = randomBytes(16)
  b[6] = ((b[6] as number) & 0x0f) | 0x40
  b[8] = ((b[8] as number) & 0x3f) | 0x80
  const h = toHex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * A signer that adds `X-Hub-Signature-256` (and a delivery GUID) to a request.
 *
 * @example await createGitHubSigner({ secret }).sign(request)
 */
export function createGitHubSigner(options: GitHubSignOptions): ProfileSigner {
  requireText(options.secret, 'secret')
  const signMessage = async (message: HttpRequestMessage): Promise<ProfileSignature> => {
    const fields: [string, string][] = [['X-Hub-Signature-256', await signGitHubWebhook(message.body ?? new Uint8Array(0), options.secret, options)]]
    if (options.delivery !== false && fieldValue(message, 'x-github-delivery') === undefined) fields.push(['X-GitHub-Delivery', guid()])
    return { fields }
  }
  return { profile: PROFILE, signMessage, sign: (request) => signFetchRequest(request, signMessage) }
}

/** Options of {@link createGitHubVerifier}. */
export interface GitHubVerifierOptions extends VerifierBaseOptions {
  /** The webhook secrets; any that verifies is enough (rotation). */
  readonly secrets: string | readonly string[]
}

/**
 * A verifier of GitHub webhook requests.
 *
 * @example await createGitHubVerifier({ secrets: [current, previous] }).verify(request)
 */
export function createGitHubVerifier(options: GitHubVerifierOptions): ProfileVerifier {
  const policy = resolveProfilePolicy(options)
  const secrets = keyList(options.secrets, 'secrets').map((s) => utf8(requireText(s, 'secrets')))

  async function verify(input: Request | HttpRequestMessage, context?: VerifyContext): Promise<ProfileIdentity> {
    const message = await toMessage(input)
    const header = fieldValue(message, 'x-hub-signature-256')
    if (header === undefined) throw new SignetError('ERR_SIGNATURE_MISSING', 'X-Hub-Signature-256 is required')
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header)
    if (m === null) throw new SignetError('ERR_MALFORMED_FIELD', 'X-Hub-Signature-256 must be sha256=<64 hex digits>')
    const given = fromHex(m[1] as string)
    const body = message.body ?? new Uint8Array(0)
    let index = -1
    for (let i = 0; i < secrets.length && index === -1; i++) if (equalBytes(await hmacSha256(secrets[i] as Uint8Array, body, policy.backend), given)) index = i
    if (index === -1) throw new SignetError('ERR_SIGNATURE_INVALID', 'X-Hub-Signature-256 does not verify under the configured secrets')
    const delivery = fieldValue(message, 'x-github-delivery')
    if (delivery !== undefined) await recordOnce(policy, PROFILE, delivery, DAY_SECONDS, context)
    const params: Record<string, string> = {}
    if (delivery !== undefined) params['x-github-delivery'] = delivery
    const event = fieldValue(message, 'x-github-event')
    if (event !== undefined) params['x-github-event'] = event
    return { profile: PROFILE, keyid: undefined, alg: 'sha256', algorithm: 'hmac-sha256', keyIndex: index, params }
  }

  return { profile: PROFILE, matches: (m) => fieldValue(m, 'x-hub-signature-256') !== undefined, verify }
}
