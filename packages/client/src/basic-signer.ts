/**
 * The lean `createSigner` of `@signet/client/sign`: RFC 9421 request signing with an HMAC or
 * Ed25519 key and RFC 9530 Content-Digest, in a browser bundle of a few kilobytes.
 *
 * It is built only on `@signet/core/signing`, so it carries no structured-field parser, no
 * PEM, DER, RSA or ECDSA code, and no `node:` import. What it gives up for that, against the
 * `createSigner` of `@signet/client`: keys are JWKs (`oct` or Ed25519 `OKP`) or `SignetKey`s
 * (not PEM, raw bytes or `CryptoKey`s); components are parameterless (no `;sf`, `;key`, `;bs`
 * or `@query-param`); a request that already carries a signature under the same label is
 * refused rather than re-signed; the body is read whole before the size limit applies (a
 * declared Content-Length over it is refused first); no learned clock offset (pass `now`); no
 * `signedFetch`, ky hooks or Accept-Signature negotiation. The signed request never follows a
 * redirect by itself (see `sign`).
 * The signatures are the same bytes the full signer makes for the same profile.
 *
 * @module
 */
import { describedMessage, digestBytes, fieldsOf, importJwk, isSignetKey, shortBase64, signBasic, SignetError } from '@signet/core/signing'
import type { SignetKey } from '@signet/core/signing'
import { descriptionBody, isDescription } from './description.ts'
import type { RequestDescription, SignedDescription } from './description.ts'
import { checkDigest, checkKeyId, checkLabel, checkNonceOption } from './signer-options.ts'

/** Options of the lean {@link createSigner}. */
export interface BasicSignerOptions {
  /** An HMAC (`oct`) or Ed25519 (`OKP`) JWK, or a `SignetKey` (any algorithm the runtime signs). */
  readonly key: SignetKey | (JsonWebKey & { kid?: string | undefined })
  /** The `keyid` parameter. Default: the key's `kid`, else (Ed25519) its RFC 7638 thumbprint. */
  readonly keyId?: string | undefined
  /** The signature label (RFC 9421 section 4.1). Default `sig1`. */
  readonly label?: string | undefined
  /**
   * Covered components: parameterless derived components and lower-case field names.
   * Default `@method`, `@target-uri`, plus `content-digest` and `content-type` when present.
   */
  readonly components?: readonly string[] | undefined
  /** Add `created` (default true). */
  readonly created?: boolean | undefined
  /** Add `expires` this many seconds after `created`. */
  readonly expires?: number | undefined
  /** `true` (default) for a fresh 128-bit nonce, `false` for none, or a function returning one. */
  readonly nonce?: boolean | (() => string) | undefined
  /** The `tag` parameter (RFC 9421 section 2.3). */
  readonly tag?: string | undefined
  /** The Content-Digest algorithm; `none` leaves the body undigested. Default `sha-256`. */
  readonly digest?: 'sha-256' | 'sha-512' | 'none' | undefined
  /** Largest body buffered for digesting, in bytes. Default 10 MiB. */
  readonly maxBodyBytes?: number | undefined
  /**
   * The clock in unix seconds (default `Date.now() / 1000`). A client whose clock is off
   * corrects it here, `() => Date.now() / 1000 + offsetSeconds`; the full signer of
   * `@signet/client` learns the offset from the server's `Date` by itself.
   */
  readonly now?: (() => number) | undefined
}

/** A signer made by the lean {@link createSigner}. */
export interface BasicSigner {
  /**
   * Sign a Fetch `Request`.
   *
   * @param request - the request; its body is consumed.
   * @returns a new signed `Request` whose body is exactly the digested bytes, with redirect mode
   *   `manual` (or `error`, when the request had it): `fetch` returns a 3xx as it is instead of
   *   forwarding the signature to the `Location`, which may be another origin. To follow
   *   redirects, use `signedFetch` of `@signet/client`, which re-signs each hop on the same
   *   origin and strips the signature from a hop to another.
   * @throws {SignetError} `ERR_BODY_USED`, `ERR_BODY_TOO_LARGE`, `ERR_LABEL_EXISTS`, key and
   *   component errors.
   */
  sign(request: Request): Promise<Request>
  /**
   * Sign a plain request description `{ method, url, headers, body }`, the fast path: no Fetch
   * `Request`, no clone, the input untouched (a frozen header record is fine).
   *
   * @param description - the request as data (body a string or bytes).
   * @returns a new description with `headers` a new object of the input's kind carrying
   *   `content-digest`, `signature-input` and `signature`; send the body exactly as given.
   * @throws {SignetError} `ERR_BODY_TOO_LARGE`, `ERR_LABEL_EXISTS`, key and component errors.
   */
  sign<D extends RequestDescription>(description: D): Promise<SignedDescription<D>>
  /** The imported key (imported once, on first use). */
  key(): Promise<SignetKey>
  /** The signature label. */
  readonly label: string
}

const tooLarge = (): SignetError => new SignetError('ERR_BODY_TOO_LARGE', 'the body is larger than "maxBodyBytes"')

/**
 * Create a lean signer. Options are checked here, once; the key is imported on first use.
 *
 * @param options - see {@link BasicSignerOptions}.
 * @returns a {@link BasicSigner}.
 * @throws {TypeError} or {RangeError} naming the option at fault.
 * @example
 * ```ts
 * import { createSigner } from '@signet/client/sign'
 * const signer = createSigner({ key: { kty: 'oct', k: secret }, keyId: 'client-1' })
 * // Redirect mode `manual`: a 3xx comes back as is, never followed with the signature.
 * const response = await fetch(await signer.sign(new Request(url, { method: 'POST', body })))
 * ```
 */
export function createSigner(options: BasicSignerOptions): BasicSigner {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object')
  const { key: keyInput, components, tag, expires, maxBodyBytes = 10_485_760 } = options
  if (typeof keyInput !== 'object' || keyInput === null) throw new TypeError('"key" must be a JWK or a SignetKey')
  const keyId = checkKeyId(options.keyId)
  const label = checkLabel(options.label)
  if (components !== undefined && !Array.isArray(components)) throw new TypeError('"components" must be an array')
  if (expires !== undefined && !(Number.isInteger(expires) && expires > 0 && expires <= 31_536_000)) {
    throw new RangeError('"expires" must be 1 to 31536000 seconds')
  }
  const { nonce = true, digest = 'sha-256' } = options
  checkNonceOption(nonce)
  checkDigest(digest)
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) throw new RangeError('"maxBodyBytes" must be a non-negative integer')
  const clock = options.now ?? ((): number => Date.now() / 1000)
  // A shared secret has no public key: its thumbprint would be a hash of it on the wire.
  if (keyId === undefined && (isSignetKey(keyInput) ? keyInput.algorithm.symmetric : keyInput.kty === 'oct') && typeof keyInput.kid !== 'string') {
    throw new TypeError('"keyId" is required for a secret key without a kid')
  }
  let keyPromise: Promise<SignetKey> | undefined
  const loadKey = (): Promise<SignetKey> =>
    (keyPromise ??= (async (): Promise<SignetKey> => {
      const key = isSignetKey(keyInput) ? keyInput : await importJwk(keyInput as JsonWebKey)
      if (key.type === 'public') throw new TypeError('"key" is a public key')
      return key
    })())

  return {
    label,
    key: loadKey,
    sign: (async (input: Request | RequestDescription): Promise<Request | SignedDescription<RequestDescription>> => {
      // A description is signed as given (the fast path: no Request, no clone, the input
      // untouched); a Request is read once and rebuilt around the same bytes.
      const described = isDescription(input)
      if (!described && typeof (input as Partial<Request> | null)?.arrayBuffer !== 'function') throw new TypeError('"request" must be a Request or a request description')
      const key = await loadKey()
      let body: Uint8Array | undefined
      if (described) body = descriptionBody(input.body, maxBodyBytes)
      else {
        const request = input as Request
        if (request.bodyUsed) throw new SignetError('ERR_BODY_USED', 'the request body was already read')
        // A declared length over the limit is refused before reading.
        if (Number(request.headers.get('content-length')) > maxBodyBytes) throw tooLarge()
        body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer())
        if (body !== undefined && body.length > maxBodyBytes) throw tooLarge()
      }
      let contentDigest: string | undefined
      if (digest !== 'none' && (body !== undefined || components?.includes('content-digest') === true)) {
        // RFC 9530 section 2: an absent body still has a digest, of zero bytes.
        contentDigest = digest + '=:' + shortBase64(await digestBytes(digest, body ?? new Uint8Array(0))) + ':'
      }
      // Field lines with lower-case names, repeats combined: both what is signed over and,
      // with the signature members added, the headers handed back.
      const fields = fieldsOf(input.headers, contentDigest === undefined ? undefined : 'content-digest')
      if (contentDigest !== undefined) fields.push({ name: 'content-digest', value: contentDigest })
      const out: Record<string, string> = {}
      for (const { name, value } of fields) out[name] = value
      // RFC 9421 section 4.1: labels are unique within a message. Without a parser, a member
      // key is a label after a comma (spaces dropped); a false match only refuses to sign.
      if ((',' + out['signature-input']).replace(/\s/g, '').includes(',' + label + '=')) {
        throw new SignetError('ERR_LABEL_EXISTS', `the request already has a signature labelled "${label}"`)
      }
      const created = Math.floor(clock())
      const covered = components ?? ['@method', '@target-uri', ...(body !== undefined && contentDigest !== undefined ? ['content-digest'] : []), ...('content-type' in out ? ['content-type'] : [])]
      const result = await signBasic(describedMessage(input.method ?? 'GET', input.url, fields, body?.length ? body : undefined), {
        key,
        label,
        components: covered,
        created: options.created === false ? undefined : created,
        expires: expires === undefined ? undefined : created + expires,
        nonce: nonce === true ? shortBase64(crypto.getRandomValues(new Uint8Array(16)), true) : nonce === false ? undefined : nonce(),
        tag,
        keyid: keyId ?? key.kid ?? null,
      })
      for (const [name, value] of [['signature-input', result.signatureInput], ['signature', result.signature]] as const) out[name] = out[name] === undefined ? value : out[name] + ', ' + value
      // A record in, a record out (lower-case names); Headers in, Headers out.
      if (described) return { ...input, headers: typeof (input.headers as Headers | undefined)?.get === 'function' ? new Headers(out) : out } as SignedDescription<RequestDescription>
      // The input request lends everything else (signal, credentials, mode, ...). Not its
      // `follow`: a plain fetch would carry the signature to wherever a redirect points, another
      // origin included, so the signed request stops at a 3xx (`signedFetch` follows safely).
      return new Request(input as Request, { headers: out, body: (body as Uint8Array<ArrayBuffer> | undefined) ?? null, redirect: (input as Request).redirect === 'error' ? 'error' : 'manual' })
    }) as BasicSigner['sign'],
  }
}
