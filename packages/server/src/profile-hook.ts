/**
 * Several signing schemes on one route: `createVerifier({ ..., profiles: [...] })` accepts, beside
 * RFC 9421, any verifier of `@signet/profiles` (draft-cavage for a Fediverse inbox that
 * "double-knocks", Standard Webhooks, Stripe, GitHub, Binance, SigV4). A request that carries
 * `Signature-Input` is RFC 9421's; any other goes to the first profile whose `matches` says the
 * message carries its scheme. Refusals are the same coded errors, so the adapters answer with the
 * same problem+json; the identity names the profile in `label` and `params.profile`.
 *
 * The server does not import the profiles package: a profile verifier is anything with this
 * shape. A profile verifier created without a `replay` store records its once-only value (webhook
 * id, delivery GUID or signature) in the verifier's nonce store: one replay store across schemes.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { AlgorithmName, HttpMessage, HttpRequestMessage } from '@signet/core'
import type { NonceStore } from './nonce-store.ts'

/** What the server needs of a profile verifier (`@signet/profiles`' `ProfileVerifier`). */
export interface ProfileVerifierLike {
  readonly profile: string
  matches(message: HttpRequestMessage): boolean
  verify(message: HttpRequestMessage, context?: { readonly replay?: NonceStore | undefined }): Promise<{
    readonly profile: string
    readonly keyid: string | undefined
    readonly alg: string
    readonly algorithm: AlgorithmName
    readonly keyIndex: number
    readonly params: Readonly<Record<string, string | number | boolean>>
  }>
}

/** The result of a profile verification, in the verifier's identity terms. */
export interface ProfileOutcome {
  readonly keyid: string
  readonly label: string
  readonly alg: AlgorithmName
  readonly params: Record<string, string | number | boolean>
}

/**
 * Check the `profiles` option once, at verifier creation.
 *
 * @throws {TypeError} when an entry is not a profile verifier.
 */
export function checkProfiles(value: unknown): readonly ProfileVerifierLike[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw new TypeError('"profiles" expected an array of profile verifiers')
  value.forEach((p: unknown, i) => {
    const v = p as Partial<ProfileVerifierLike> | null
    if (typeof v !== 'object' || v === null || typeof v.profile !== 'string' || typeof v.matches !== 'function' || typeof v.verify !== 'function') {
      throw new TypeError(`"profiles[${i}]" expected a verifier from @signet/profiles (profile, matches, verify)`)
    }
  })
  return value as readonly ProfileVerifierLike[]
}

/** The profile that should verify `message`, or undefined when it is RFC 9421's. */
export function pickProfile(profiles: readonly ProfileVerifierLike[], message: HttpMessage): ProfileVerifierLike | undefined {
  if (message.kind !== 'request' || message.fields.some((f) => f.name === 'signature-input')) return undefined
  const found = profiles.find((p) => p.matches(message))
  if (found === undefined && !message.fields.some((f) => f.name === 'signature')) {
    throw new SignetError('ERR_SIGNATURE_MISSING', `the request carries no RFC 9421 signature and none of ${profiles.map((p) => p.profile).join(', ')}`)
  }
  return found
}

/** Verify with the profile and express the result as the verifier's identity does. */
export async function verifyWithProfile(profile: ProfileVerifierLike, message: HttpRequestMessage, nonces: NonceStore | undefined): Promise<ProfileOutcome> {
  // A profile verifier without a store of its own records into the verifier's (one replay store).
  const id = await profile.verify(message, { replay: nonces })
  return {
    // Webhook schemes name no key: the identity says which of the configured keys verified.
    keyid: id.keyid ?? `${id.profile}#${id.keyIndex}`,
    label: id.profile,
    alg: id.algorithm,
    params: { ...id.params, profile: id.profile, [`${id.profile}-alg`]: id.alg },
  }
}
