/**
 * Request descriptions: the signer's fast path (DESIGN.md "The client's hot path").
 *
 * A description is a plain object, `{ method, url, headers, body }`, the shape Node clients
 * without Fetch already hold (undici's dispatch options, an axios config). Signing one builds
 * the message model straight from it (no Fetch `Request`, no clone, no stream) and returns a
 * new object of the same kind: the caller's object and its headers are never written to, so a
 * frozen header record is fine. The body is digested as given: a string as its UTF-8 bytes,
 * bytes as they are, and it is handed back unchanged, so what is sent is what was digested.
 *
 * @module
 */
import { headerEntries, SignetError, utf8 } from '@signet/core/signing'
import type { DescriptionHeaders } from '@signet/core/signing'

/** A request to sign, as plain data. Any other members are copied to the result untouched. */
export interface RequestDescription {
  /** The method as sent. Default `GET`. */
  readonly method?: string | undefined
  /** The absolute request URL. */
  readonly url: string | URL
  /** The header fields: a Fetch `Headers` or a record (an array value is one combined field). */
  readonly headers?: DescriptionHeaders | undefined
  /** The body: a string (sent as UTF-8), bytes, or none. */
  readonly body?: string | Uint8Array | ArrayBuffer | null | undefined
}

/** A record of header fields, as a signed description carries them. */
export type HeaderRecord = Record<string, string | readonly string[]>

/**
 * A signed description: the input's members, with `headers` a new object of the input's kind
 * (a `Headers` stays a `Headers`, a record or no headers becomes a record) that carries
 * `Content-Digest`, `Signature-Input` and `Signature`.
 */
export type SignedDescription<D extends RequestDescription> = Omit<D, 'headers'> & {
  readonly headers: D['headers'] extends Headers ? Headers : HeaderRecord
}

/**
 * Anything that signs request descriptions the way `createSigner` does: the signers of
 * `@signet/client` and `@signet/client/sign`, and other schemes' signers of the same shape.
 */
export interface DescriptionSigner {
  sign<D extends RequestDescription>(description: D): Promise<SignedDescription<D>>
}

/**
 * Check a signer argument at start-up.
 *
 * @throws {TypeError} when `signer` has no `sign` method.
 */
export function checkSigner(signer: unknown): asserts signer is DescriptionSigner {
  if (typeof signer !== 'object' || signer === null || typeof (signer as { sign?: unknown }).sign !== 'function') {
    throw new TypeError('"signer" must have a sign(description) method (createSigner)')
  }
}

/** The `Signature-Input` and `Signature` values a signed request keeps beside the new member. */
export interface KeptFields {
  readonly input: string | undefined
  readonly signature: string | undefined
}

/** The fields a signature adds to a description, lower-case names. */
export interface SignatureFields {
  readonly contentDigest: string | undefined
  /** The whole `Signature-Agent` field when the signer is a Web Bot Auth agent. */
  readonly signatureAgent?: string | undefined
  readonly signatureInput: string
  readonly signature: string
}

/**
 * True when `input` is a request description rather than a Fetch `Request` (which has
 * `arrayBuffer`). Neither global is touched: on Node 20 that would load undici (20-28 ms).
 *
 * @param input - what `sign` was given.
 * @returns true for an object with a string or `URL` `url` that is not a `Request`.
 */
export function isDescription(input: unknown): input is RequestDescription {
  if (typeof input !== 'object' || input === null || typeof (input as Request).arrayBuffer === 'function') return false
  const url = (input as { url?: unknown }).url
  return typeof url === 'string' || url instanceof URL
}

/**
 * The body bytes of a description, checked against the limit.
 *
 * @param body - the description's body.
 * @param maxBodyBytes - the largest accepted body.
 * @returns the bytes to digest (the caller's own bytes, never copied), or undefined.
 * @throws {TypeError} for a body kind a description cannot carry (sign a `Request` for
 * `Blob`, `FormData`, `URLSearchParams` or a stream: Fetch serializes those).
 * @throws {SignetError} `ERR_BODY_TOO_LARGE` when over `maxBodyBytes`.
 */
export function descriptionBody(body: RequestDescription['body'], maxBodyBytes: number): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  const bytes = typeof body === 'string' ? utf8(body) : body instanceof ArrayBuffer ? new Uint8Array(body) : body
  if (!(bytes instanceof Uint8Array)) throw new TypeError('"body" must be a string or bytes')
  if (bytes.length > maxBodyBytes) throw new SignetError('ERR_BODY_TOO_LARGE', 'the body is larger than "maxBodyBytes"')
  return bytes
}

/**
 * The value of a header field of a description, any letter case, repeats combined.
 *
 * @param headers - the description's headers.
 * @param name - a lower-case field name.
 * @returns the value, or undefined when absent.
 */
export function headerValue(headers: DescriptionHeaders | undefined, name: string): string | undefined {
  let found: string | undefined
  for (const [key, value] of headerEntries(headers)) {
    if (value === undefined || key.toLowerCase() !== name) continue
    const text = typeof value === 'string' ? value : value.join(', ')
    found = found === undefined ? text : found + ', ' + text
  }
  return found
}

const join = (kept: string | undefined, added: string): string => (kept === undefined ? added : kept + ', ' + added)

/**
 * The headers of a signed description: a copy of the input's, of the same kind, with the
 * `Signature-Input` and `Signature` members of other labels (`kept`) and the new fields.
 *
 * @param headers - the description's headers (not modified).
 * @param kept - the `Signature-Input` and `Signature` values to keep, if any.
 * @param added - the fields the signature adds.
 * @returns a new `Headers` when given one, else a new record.
 */
export function signedHeaders(headers: DescriptionHeaders | undefined, kept: KeptFields | undefined, added: SignatureFields): Headers | HeaderRecord {
  const out: HeaderRecord = {}
  for (const [name, value] of headerEntries(headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || lower === 'signature-input' || lower === 'signature') continue
    if ((lower === 'content-digest' && added.contentDigest !== undefined) || (lower === 'signature-agent' && added.signatureAgent !== undefined)) continue
    out[name] = value
  }
  if (added.contentDigest !== undefined) out['content-digest'] = added.contentDigest
  if (added.signatureAgent !== undefined) out['signature-agent'] = added.signatureAgent
  out['signature-input'] = join(kept?.input, added.signatureInput)
  out['signature'] = join(kept?.signature, added.signature)
  if (headers === undefined || typeof (headers as Headers).get !== 'function') return out
  const copy = new Headers()
  for (const [name, value] of Object.entries(out)) for (const one of typeof value === 'string' ? [value] : value) copy.append(name, one)
  return copy
}
