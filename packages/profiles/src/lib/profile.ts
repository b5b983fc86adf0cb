/**
 * What every profile has in common: the shape of a signature it adds to a message, the signer
 * and verifier interfaces the client, the server and the CLI use without knowing the scheme, and
 * the conversions between core's message model and Fetch `Request`s.
 *
 * A profile signs core's `HttpRequestMessage` and answers with the field lines to append (and,
 * for Binance, the new request target or form body), so the CLI can keep a raw message byte for
 * byte and the client can rebuild a `Request`.
 *
 * @module
 */
import { fromFetchRequest, fromUtf8 } from '@signet/core'
import type { AlgorithmName, BackendName, FieldLine, HttpRequestMessage } from '@signet/core'
import type { ProfilePolicy, VerifyContext } from './policy.ts'

/** The profiles this package implements. */
export type ProfileName = 'standard-webhooks' | 'stripe' | 'github' | 'binance' | 'sigv4' | 'cavage'

/** What a profile adds to a message. */
export interface ProfileSignature {
  /** Field lines to append, in order, as `[name, value]`. */
  readonly fields: readonly (readonly [string, string])[]
  /** A new request target (Binance and SigV4 presigning append to the query). */
  readonly target?: string | undefined
  /** A new body (Binance appends to a form body). */
  readonly body?: Uint8Array | undefined
}

/** What a profile verifier proves about a message. */
export interface ProfileIdentity {
  readonly profile: ProfileName
  /** The key id, API key or access key id that verified, when the scheme names one. */
  readonly keyid: string | undefined
  /** The algorithm as the scheme names it (`v1`, `v1a`, `hmac-sha256`, `AWS4-HMAC-SHA256`, ...). */
  readonly alg: string
  /** The same algorithm as core names it (what RFC 9421 identities carry in `alg`). */
  readonly algorithm: AlgorithmName
  /** The index, in the verifier's key list, of the key that verified (rotation). */
  readonly keyIndex: number
  /** Scheme parameters as received (timestamp, webhook id, signed headers, ...). */
  readonly params: Readonly<Record<string, string | number | boolean>>
}

/** A configured signer. `sign` is what `signedFetch` and the ky hooks call. */
export interface ProfileSigner {
  readonly profile: ProfileName
  /** The fields (and target or body) to add to `message`. */
  signMessage(message: HttpRequestMessage): Promise<ProfileSignature>
  /** A signed copy of `request`. */
  sign(request: Request): Promise<Request>
}

/** A configured verifier. */
export interface ProfileVerifier {
  readonly profile: ProfileName
  /** Whether the message carries this scheme's signature at all (for choosing among profiles). */
  matches(message: HttpRequestMessage): boolean
  /**
   * Verify the message against the policy.
   *
   * @param context - a replay store to use when the verifier has none of its own.
   * @throws {SignetError} with the same codes as RFC 9421 verification.
   */
  verify(input: Request | HttpRequestMessage, context?: VerifyContext): Promise<ProfileIdentity>
}

/** Options shared by every signer. */
export interface SignerBaseOptions {
  readonly backend?: BackendName | undefined
}

/** Options shared by every verifier. */
export interface VerifierBaseOptions extends ProfilePolicy {}

/** Core's message for a Fetch `Request` or the message itself. */
export async function toMessage(input: Request | HttpRequestMessage): Promise<HttpRequestMessage> {
  if (typeof Request !== 'undefined' && input instanceof Request) return fromFetchRequest(input)
  if (typeof input === 'object' && input !== null && (input as HttpRequestMessage).kind === 'request') return input as HttpRequestMessage
  throw new TypeError('"request" expected a Request or an HttpRequestMessage')
}

/** The message with the signature applied. */
export function applySignature(message: HttpRequestMessage, signature: ProfileSignature): HttpRequestMessage {
  const added: FieldLine[] = signature.fields.map(([name, value]) => ({ name: name.toLowerCase(), value }))
  return {
    ...message,
    target: signature.target ?? message.target,
    body: signature.body ?? message.body,
    fields: [...message.fields, ...added],
  }
}

/**
 * A signed copy of a Fetch request: the profile signs core's message of it, and the result is
 * rebuilt with the added fields, target and body.
 */
export async function signFetchRequest(request: Request, signMessage: (m: HttpRequestMessage) => Promise<ProfileSignature>): Promise<Request> {
  const message = await fromFetchRequest(request)
  const signature = await signMessage(message)
  const headers = new Headers(request.headers)
  for (const [name, value] of signature.fields) headers.append(name, value)
  let url = request.url
  if (signature.target !== undefined) {
    const u = new URL(request.url)
    const q = signature.target.indexOf('?')
    u.search = q === -1 ? '' : signature.target.slice(q)
    url = u.href
  }
  const body = signature.body ?? message.body
  const init: RequestInit = { method: request.method, headers, redirect: request.redirect, signal: request.signal }
  if (body !== undefined && request.method !== 'GET' && request.method !== 'HEAD') init.body = body as BodyInit
  return new Request(url, init)
}

/** Every value of a field, joined with ", " (RFC 9110 section 5.3), or undefined when absent. */
export function fieldValue(message: { readonly fields: readonly FieldLine[] }, name: string): string | undefined {
  let out: string | undefined
  for (const f of message.fields) if (f.name === name) out = out === undefined ? f.value : `${out}, ${f.value}`
  return out
}

/** The body as text (UTF-8), empty when there is none. */
export function bodyText(message: HttpRequestMessage): string {
  return message.body === undefined ? '' : fromUtf8(message.body)
}

/** The path and query of a request target as sent (origin or absolute form). */
export function splitTarget(target: string): { path: string; query: string | undefined } {
  let rest = target
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rest)
  if (scheme !== null) rest = rest.slice(scheme[0].length) || '/'
  const hash = rest.indexOf('#')
  if (hash !== -1) rest = rest.slice(0, hash)
  const q = rest.indexOf('?')
  return q === -1 ? { path: rest, query: undefined } : { path: rest.slice(0, q), query: rest.slice(q + 1) }
}

/** Fail with a labelled TypeError unless `value` is a non-empty string. */
export function requireText(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`"${label}" expected a non-empty string`)
  return value
}

/** The keys of a verifier: one or several (rotation: any that verifies is enough). */
export function keyList<K>(keys: K | readonly K[], label: string): readonly K[] {
  const list = Array.isArray(keys) ? (keys as readonly K[]) : [keys as K]
  if (list.length === 0) throw new TypeError(`"${label}" expected at least one key`)
  return list
}
