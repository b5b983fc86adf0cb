/**
 * Signing as a Web Bot Auth agent (draft-ietf-webbotauth-httpsig-protocol section "Generating
 * HTTP Message Signature"): the `signatureAgent` option of `createSigner`.
 *
 * With it, every signature
 * - carries `Signature-Agent: LABEL="URL"` (the Dictionary form the draft requires of signers;
 *   members of other labels already on the request are kept) and covers
 *   `"signature-agent";key="LABEL"`;
 * - has `tag="web-bot-auth"`, `created`, and `expires` at most 24 hours after `created`
 *   (default 300 s; the draft RECOMMENDS no more than 24 h);
 * - has `keyid` set to the RFC 7638 thumbprint of the public key, whatever `kid` the key has;
 * - is made with an asymmetric key: the draft's section "Shared Secrets Considered Harmful"
 *   forbids HMAC.
 *
 * This module turns the option into the signer's settings once, at `createSigner`; the signer
 * calls {@link WebBotAuthProfile.apply} for each request, which loads signature-agent.ts (the
 * `Signature-Agent` field itself) on first use.
 *
 * @module
 */
import type { ComponentIdentifier, FieldLine } from '@signet/core'

/** The `tag` of a Web Bot Auth signature. */
export const WEB_BOT_AUTH_TAG = 'web-bot-auth'
/** The longest `expires - created` accepted, in seconds (24 hours). */
export const MAX_WEB_BOT_AUTH_VALIDITY_SECONDS = 86_400
const DEFAULT_VALIDITY_SECONDS = 300

/** The settings `signatureAgent` imposes on a signer. */
export interface WebBotAuthProfile {
  /** The `Signature-Agent` URL, as sent. */
  readonly agentUrl: string
  readonly tag: string
  /** Seconds from `created` to `expires`. */
  readonly expiresSeconds: number
  /**
   * Put this signer's member into `Signature-Agent` and make sure it is covered.
   *
   * @param fields - the outgoing field lines: its `signature-agent` lines are replaced by one
   *   carrying this member, the members of other labels kept.
   * @param label - the signature label, which keys the member.
   * @param covered - the components the signature will cover.
   * @param defaulted - whether `covered` is the signer's default list: `"@target-uri"` is then
   *   covered as `"@authority"`, `"@path"` and `"@query"`, since the draft requires `@authority`
   *   or `@target-uri` and verifiers (Cloudflare's among them) look for `@authority`.
   * @returns (a promise of) the field's new value and the components, with
   *   `"signature-agent";key="LABEL"` added when missing.
   */
  apply(
    fields: FieldLine[],
    label: string,
    covered: readonly (string | ComponentIdentifier)[],
    defaulted: boolean,
  ): Promise<{ readonly value: string; readonly covered: readonly (string | ComponentIdentifier)[] }>
}

/** The options of `createSigner` this module reads. */
export interface WebBotAuthSignerOptions {
  readonly signatureAgent?: string | undefined
  readonly tag?: string | undefined
  readonly created?: boolean | undefined
  readonly expires?: number | undefined
  readonly keyId?: string | undefined
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/**
 * Read `signatureAgent` and the options it constrains.
 *
 * @param options - the signer options.
 * @param symmetricKey - whether the key is a shared secret (known from its shape).
 * @returns the profile, or undefined without `signatureAgent`.
 * @throws {TypeError} for a URL that is not absolute `https:` (plain `http:` is accepted on
 *   loopback only, for tests), a `tag` other than `web-bot-auth`, `created: false`, an explicit
 *   `keyId`, or a shared-secret key.
 * @throws {RangeError} for `expires` over 86 400 seconds.
 * @example
 * ```ts
 * webBotAuthProfile({ signatureAgent: 'https://agent.example' }, false)?.tag // 'web-bot-auth'
 * ```
 */
export function webBotAuthProfile(options: WebBotAuthSignerOptions, symmetricKey: boolean): WebBotAuthProfile | undefined {
  const value = options.signatureAgent
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new TypeError('"signatureAgent" must be a URL string')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError('"signatureAgent" must be an absolute https URL')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new TypeError('"signatureAgent" must be an https URL (http only on loopback, for tests)')
  }
  // An sf-string member value: printable ASCII (RFC 8941 section 3.3.3).
  if (!/^[\x20-\x7e]+$/.test(value)) throw new TypeError('"signatureAgent" must be printable ASCII')
  if (options.tag !== undefined && options.tag !== WEB_BOT_AUTH_TAG) throw new TypeError(`"tag" must be "${WEB_BOT_AUTH_TAG}" (or absent) with "signatureAgent"`)
  if (options.created === false) throw new TypeError('"created" cannot be false with "signatureAgent": Web Bot Auth requires it')
  if (options.keyId !== undefined) throw new TypeError('"keyId" cannot be set with "signatureAgent": the keyid is the key\'s RFC 7638 thumbprint')
  if (symmetricKey) throw new TypeError('"signatureAgent" needs an asymmetric key: Web Bot Auth forbids shared secrets')
  const expiresSeconds = options.expires ?? DEFAULT_VALIDITY_SECONDS
  if (expiresSeconds > MAX_WEB_BOT_AUTH_VALIDITY_SECONDS) {
    throw new RangeError(`"expires" must be at most ${MAX_WEB_BOT_AUTH_VALIDITY_SECONDS} seconds with "signatureAgent", got ${expiresSeconds}`)
  }
  const member = `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  return {
    agentUrl: value,
    tag: WEB_BOT_AUTH_TAG,
    expiresSeconds,
    // Loaded with the first Web Bot Auth request: a signer without an agent never needs it.
    apply: async (fields, label, covered, defaulted) => (await import('./signature-agent.ts')).applySignatureAgent(member, fields, label, covered, defaulted),
  }
}
