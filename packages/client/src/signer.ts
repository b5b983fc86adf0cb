/**
 * `createSigner`: the client's one signing object (RFC 9421 section 3.1, creating a signature).
 *
 * A signer holds a key imported once, the signature profile (label, components, parameters,
 * digest) checked once at creation, and the clock offset learned from servers. `sign(request)`
 * reads the request body once, adds `Content-Digest` (RFC 9530) over those bytes, signs, and
 * returns a new `Request` carrying exactly the digested bytes plus `Signature-Input` and
 * `Signature` field lines.
 *
 * Why a new `Request`: a Fetch body can be read once, and a digest must be computed before the
 * headers are final, so the original request is consumed and rebuilt from its bytes.
 *
 * The key never appears in an error message, a log line or `toString` (core's `SignetKey`
 * guarantees that for the key object; this module never formats key input).
 *
 * @module
 */
import {
  algorithms,
  createContentDigest,
  fromFetchRequest,
  importKey,
  parseSignatureField,
  parseSignatureInput,
  publicKey,
  SignetError,
  signMessage,
  thumbprint,
  toBase64,
} from '@signet/core'
import type {
  HttpMessage,
  AlgorithmName,
  BackendName,
  ComponentIdentifier,
  HttpRequestMessage,
  SignetKey,
} from '@signet/core'
import { DEFAULT_MAX_BODY_BYTES } from './body.ts'
import { checkComponents, defaultComponents, serializeComponents } from './components.ts'
import type { ComponentInput } from './components.ts'
import { checkNonce, createNonce } from './nonce.ts'
import { exportPublicJwk, isCryptoKey, isKeyPair } from './public-jwk.ts'
import type { KeyPairLike } from './public-jwk.ts'
import { readRequestParts, toRequest } from './request-parts.ts'
import type { RequestParts } from './request-parts.ts'
import { checkKeyInput, isSignetKeyShape as isSignetKey, refusePublic } from './key-checks.ts'
import { checkDigest, checkKeyId, checkLabel, checkNonceOption } from './signer-options.ts'
import { MAX_WEB_BOT_AUTH_VALIDITY_SECONDS, webBotAuthProfile } from './web-bot-auth.ts'

/**
 * Key input a signer accepts; imported once through core's `importKey`. A WebCrypto key pair
 * (from `generateBrowserKey` or `loadKey`) signs with its private key and takes its default
 * `keyid` from the public key's thumbprint, the `kid` that `exportPublicJwk` registers.
 */
export type SignerKeyInput = SignetKey | JsonWebKey | string | Uint8Array | CryptoKey | KeyPairLike

/** Digest algorithms for `Content-Digest` (RFC 9530 section 5), or `none`. */
export type DigestOption = 'sha-256' | 'sha-512' | 'none'

/** Options of {@link createSigner}. */
export interface SignerOptions {
  /** A Signet key, a JWK, a PEM string, raw key bytes (with `alg`), or a `CryptoKey`. */
  readonly key: SignerKeyInput
  /** The algorithm, required for raw bytes and for keys that allow more than one. */
  readonly alg?: AlgorithmName | undefined
  /** The `keyid` parameter. Default: the key's `kid`, else its RFC 7638 thumbprint (asymmetric keys). */
  readonly keyId?: string | undefined
  /** The signature label (RFC 9421 section 4.1). Default `sig1`. */
  readonly label?: string | undefined
  /** Covered components; default `@method`, `@target-uri`, `content-digest`, `content-type`. */
  readonly components?: readonly ComponentInput[] | undefined
  /** Add `created` (default true). */
  readonly created?: boolean | undefined
  /** Add `expires` this many seconds after `created`. */
  readonly expires?: number | undefined
  /** `true` (default) for a fresh 128-bit nonce, `false` for none, or a function returning one. */
  readonly nonce?: boolean | (() => string) | undefined
  /** The `tag` parameter (RFC 9421 section 2.3), naming the application profile. */
  readonly tag?: string | undefined
  /** The Content-Digest algorithm; `none` leaves the body undigested. Default `sha-256`. */
  readonly digest?: DigestOption | undefined
  /** Force a crypto backend (default: the fastest present for the algorithm). */
  readonly backend?: BackendName | undefined
  /** Largest body buffered for digesting, in bytes. Default 10 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** The local clock in unix seconds (default `Date.now() / 1000`); the learned offset is added. */
  readonly now?: (() => number) | undefined
  /**
   * Sign as a Web Bot Auth agent whose key directory is at this URL (see web-bot-auth.ts):
   * adds `Signature-Agent: LABEL="URL"` and covers it, `tag="web-bot-auth"`, `created`, `expires`
   * (default 300 s, at most 86 400), `keyid` = the RFC 7638 thumbprint. Refuses shared secrets.
   */
  readonly signatureAgent?: string | undefined
}

/**
 * Per-call changes to the signature profile, used to meet a server's `Accept-Signature`
 * (RFC 9421 section 5) without changing the signer itself.
 */
export interface SignOverrides {
  readonly label?: string | undefined
  readonly components?: readonly ComponentIdentifier[] | undefined
  readonly tag?: string | undefined
  readonly created?: boolean | undefined
  /** Seconds of validity; overrides the signer's `expires`. */
  readonly expires?: number | undefined
  readonly nonce?: boolean | undefined
  /** Include the `alg` parameter. */
  readonly alg?: boolean | undefined
  /** Include the `keyid` parameter (default true). */
  readonly keyid?: boolean | undefined
}

/** A signer made by {@link createSigner}. */
export interface Signer {
  /**
   * Sign a request.
   *
   * @param request - the request; its body is consumed.
   * @param overrides - per-call profile changes (Accept-Signature).
   * @returns a new signed `Request` whose body is exactly the digested bytes, with redirect mode
   * `manual` (or `error`, when the request had it): a plain `fetch` of it returns a 3xx as is
   * instead of forwarding the signature to the `Location`, which may be another origin. Use
   * `signedFetch` to follow redirects (re-signed on the origin, unsigned off it).
   * @throws {SignetError} `ERR_BODY_USED`, `ERR_BODY_TOO_LARGE`, key errors from `importKey`,
   * component errors from `signMessage`.
   */
  sign(request: Request, overrides?: SignOverrides): Promise<Request>
  /** The clock offset learned from servers, in seconds (server minus local). */
  readonly clockOffsetSeconds: number
  /**
   * Learn the offset between the local clock and a server's `Date` (RFC 9110 section 6.6.1).
   *
   * @param serverDate - the `Date` field value, a `Date`, or unix milliseconds.
   * @param localNowSeconds - the local time when the response arrived (default: now).
   * @returns true when an offset was learned, false when the date is unreadable.
   */
  learnClockOffset(serverDate: string | Date | number, localNowSeconds?: number): boolean
  /** The imported key (imported once, on first use). */
  key(): Promise<SignetKey>
  /** The `keyid` the signer sends. */
  keyId(): Promise<string>
  /** The signature label. */
  readonly label: string
}

/** What the signing fetch needs beyond `Signer`: signing from parts, keeping the message. */
export interface SignerInternals {
  readonly maxBodyBytes: number
  readonly expiresSeconds: number | undefined
  readParts(request: Request): Promise<RequestParts>
  signParts(
    parts: RequestParts,
    overrides?: SignOverrides,
    redirect?: RequestRedirect,
  ): Promise<{ request: Request; message: HttpRequestMessage }>
}

const internals = new WeakMap<object, SignerInternals>()

/**
 * The internals of a signer made by {@link createSigner}.
 *
 * @throws {TypeError} when `signer` did not come from `createSigner`.
 */
export function signerInternals(signer: Signer): SignerInternals {
  const found = typeof signer === 'object' && signer !== null ? internals.get(signer) : undefined
  if (found === undefined) throw new TypeError('"signer" must be created by createSigner()')
  return found
}

// sf-string (RFC 8941 section 3.3.3): printable ASCII.
const STRING_SYNTAX = /^[\x20-\x7e]{0,1024}$/

function checkTag(value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !STRING_SYNTAX.test(value))) throw new TypeError('"tag" must be a printable ASCII string')
  return value
}

// Core's algorithm registry is the one list of names (STYLE.md rule 2).
const ALG_NAMES: ReadonlySet<string> = /* @__PURE__ */ new Set(/* @__PURE__ */ algorithms.map((alg) => alg.name))

function isSharedSecret(key: unknown, jwk: JsonWebKey | undefined, alg: AlgorithmName | undefined): boolean {
  if (alg === 'hmac-sha256' || key instanceof Uint8Array) return true
  if (jwk !== undefined) return jwk.kty === 'oct'
  if (isCryptoKey(key)) return key.algorithm.name === 'HMAC'
  if (isSignetKey(key)) return key.algorithm.symmetric
  return false
}

// A shared secret has no public key to take a thumbprint of, and a thumbprint of the secret
// would be a hash of it on the wire: such keys need an explicit keyId (or a kid).
function needsExplicitKeyId(key: unknown, jwk: JsonWebKey | undefined): boolean {
  if (jwk !== undefined) return jwk.kty === 'oct' && typeof (jwk as { kid?: unknown }).kid !== 'string'
  if (key instanceof Uint8Array) return true
  // A non-extractable key has no members to take a thumbprint of; pass the pair instead.
  if (isCryptoKey(key)) return key.algorithm.name === 'HMAC' || !key.extractable
  if (isSignetKey(key)) return key.algorithm.symmetric && key.kid === undefined
  return false
}

/**
 * Create a signer. Options are checked here, once, the key's shape included; the key is
 * imported on first use, so what only the import can tell (JWK member encodings and lengths,
 * DER structure, a mismatched key pair) surfaces from the first `sign()`.
 *
 * @param options - see {@link SignerOptions}.
 * @returns a {@link Signer}.
 * @throws {TypeError} or {RangeError} naming the option at fault; a TypeError for a public key.
 * @throws {SignetError} `ERR_KEY_INVALID`, `ERR_KEY_UNSUPPORTED`, `ERR_ALG_MISMATCH`,
 * `ERR_KEY_TOO_SHORT` for a key that cannot sign (see key-checks.ts);
 * `ERR_UNKNOWN_COMPONENT`, `ERR_INVALID_COMPONENT`, `ERR_DUPLICATE_COMPONENT` for a bad
 * `components` list.
 * @example
 * ```ts
 * const signer = createSigner({ key: privateJwk, keyId: 'client-1' })
 * const signed = await signer.sign(new Request('https://api.example/orders', { method: 'POST', body }))
 * await fetch(signed) // a redirect comes back as a 3xx; signedFetch(signer) follows it safely
 * ```
 */
export function createSigner(options: SignerOptions): Signer {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object')
  const keyInput = options.key
  if (
    !(keyInput instanceof Uint8Array) &&
    typeof keyInput !== 'string' &&
    !(typeof keyInput === 'object' && keyInput !== null)
  ) {
    throw new TypeError('"key" must be a Signet key, a JWK, a PEM string, key bytes or a CryptoKey')
  }
  if (options.alg !== undefined && !ALG_NAMES.has(options.alg)) {
    throw new TypeError(`"alg" must be one of ${[...ALG_NAMES].join(', ')}`)
  }
  // Checked now, imported on first use: a key that cannot work fails here (key-checks.ts).
  const jwk = checkKeyInput(keyInput, options.alg)
  const configuredKeyId = checkKeyId(options.keyId)
  if (configuredKeyId === undefined && needsExplicitKeyId(keyInput, jwk)) {
    throw new TypeError('"keyId" is required for a shared-secret or raw key without a kid')
  }
  const label = checkLabel(options.label)
  const agent = webBotAuthProfile(options, isSharedSecret(keyInput, jwk, options.alg))
  const tag = agent?.tag ?? checkTag(options.tag)
  const componentIds = options.components === undefined ? undefined : checkComponents(options.components)
  const components = componentIds === undefined ? undefined : serializeComponents(componentIds)
  const coversDigest = componentIds?.some((c) => c.name === 'content-digest') ?? false
  if (options.created !== undefined && typeof options.created !== 'boolean') throw new TypeError('"created" must be a boolean')
  const includeCreated = options.created ?? true
  const expiresSeconds = agent?.expiresSeconds ?? options.expires
  if (expiresSeconds !== undefined) {
    if (typeof expiresSeconds !== 'number' || !Number.isInteger(expiresSeconds)) throw new TypeError('"expires" must be an integer number of seconds')
    if (expiresSeconds <= 0 || expiresSeconds > 31_536_000) throw new RangeError(`"expires" must be between 1 and 31536000 seconds, got ${expiresSeconds}`)
  }
  const nonceOption = checkNonceOption(options.nonce ?? true)
  const digest = checkDigest(options.digest ?? 'sha-256')
  const backend = options.backend
  if (backend !== undefined && backend !== 'native' && backend !== 'webcrypto' && backend !== 'pure') {
    throw new TypeError('"backend" must be "native", "webcrypto" or "pure"')
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (typeof maxBodyBytes !== 'number' || !Number.isSafeInteger(maxBodyBytes)) throw new TypeError('"maxBodyBytes" must be an integer')
  if (maxBodyBytes < 0) throw new RangeError(`"maxBodyBytes" must be at least 0, got ${maxBodyBytes}`)
  const clock = options.now ?? ((): number => Date.now() / 1000)
  if (typeof clock !== 'function') throw new TypeError('"now" must be a function returning unix seconds')

  let keyPromise: Promise<SignetKey> | undefined
  let keyIdPromise: Promise<string> | undefined
  let offsetSeconds = 0
  const digestCache = new WeakMap<Uint8Array, string>()

  const loadKey = (): Promise<SignetKey> => {
    keyPromise ??= importSigningKey(keyInput, options.alg, configuredKeyId)
    return keyPromise
  }
  const loadKeyId = (): Promise<string> => {
    keyIdPromise ??= loadKey().then(async (key) => {
      if (configuredKeyId !== undefined) return configuredKeyId
      if (isKeyPair(keyInput)) return (await exportPublicJwk(keyInput.publicKey)).kid
      // Web Bot Auth: the keyid is the thumbprint, whatever kid the key carries.
      if (key.kid !== undefined && agent === undefined) return key.kid
      if (key.algorithm.symmetric) throw new TypeError('"keyId" is required for a shared-secret key without a kid')
      return thumbprint(publicKey(key))
    })
    return keyIdPromise
  }
  const digestOf = async (body: Uint8Array): Promise<string> => {
    let value = digestCache.get(body)
    if (value === undefined) {
      value = await createContentDigest(body, [digest as 'sha-256' | 'sha-512'])
      digestCache.set(body, value)
    }
    return value
  }

  const signParts = async (
    parts: RequestParts,
    overrides: SignOverrides = {},
    redirect?: RequestRedirect,
  ): Promise<{ request: Request; message: HttpRequestMessage }> => {
    const key = await loadKey()
    const keyId = await loadKeyId()
    const useLabel = overrides.label ?? label
    const headers = new Headers(parts.headers)
    removeSignatureMember(headers, useLabel)
    let covered: readonly (string | ComponentIdentifier)[] = overrides.components ?? components ?? []
    const digestCovered = overrides.components === undefined ? coversDigest : overrides.components.some((c) => c.name === 'content-digest')
    if (digest !== 'none' && (parts.body !== undefined || digestCovered)) {
      // RFC 9530 section 2: an empty or absent body still has a digest, of zero bytes.
      headers.set('content-digest', await digestOf(parts.body ?? EMPTY))
    }
    if (overrides.components === undefined && components === undefined) {
      covered = defaultComponents(digest !== 'none' && parts.body !== undefined, headers.has('content-type'))
    }
    if (agent !== undefined) covered = agent.apply(headers, useLabel, covered, overrides.components === undefined && components === undefined)
    const request = toRequest({ ...parts, headers }, headers, redirect)
    const message = lowerCaseFields(await fromFetchRequest(request.clone()))
    const created = Math.floor(clock() + offsetSeconds)
    const wantCreated = agent !== undefined || (overrides.created ?? includeCreated)
    const validity = agent === undefined ? (overrides.expires ?? expiresSeconds) : Math.min(overrides.expires ?? agent.expiresSeconds, MAX_WEB_BOT_AUTH_VALIDITY_SECONDS)
    const wantNonce = overrides.nonce ?? nonceOption !== false
    const result = await signMessage(message, {
      key,
      label: useLabel,
      components: covered,
      created: wantCreated ? created : null,
      ...(validity === undefined ? {} : { expires: created + validity }),
      ...(wantNonce ? { nonce: typeof nonceOption === 'function' ? checkNonce(nonceOption()) : createNonce() } : {}),
      ...((agent?.tag ?? overrides.tag ?? tag) === undefined ? {} : { tag: (agent?.tag ?? overrides.tag ?? tag) as string }),
      keyid: overrides.keyid === false ? null : keyId,
      ...(overrides.alg === true ? { alg: true } : {}),
      ...(backend === undefined ? {} : { backend }),
    })
    request.headers.append('signature-input', result.signatureInput)
    request.headers.append('signature', result.signature)
    const signedMessage: HttpRequestMessage = {
      ...message,
      fields: [
        ...message.fields,
        { name: 'signature-input', value: result.signatureInput },
        { name: 'signature', value: result.signature },
      ],
    }
    return { request, message: signedMessage }
  }

  const signer: Signer = {
    label,
    get clockOffsetSeconds(): number {
      return offsetSeconds
    },
    learnClockOffset(serverDate: string | Date | number, localNowSeconds?: number): boolean {
      const serverMs =
        typeof serverDate === 'number' ? serverDate : serverDate instanceof Date ? serverDate.getTime() : Date.parse(serverDate)
      if (!Number.isFinite(serverMs)) return false
      const local = localNowSeconds ?? clock()
      offsetSeconds = Math.round(serverMs / 1000 - local)
      return true
    },
    key: loadKey,
    keyId: loadKeyId,
    async sign(request: Request, overrides?: SignOverrides): Promise<Request> {
      if (!(request instanceof Request)) throw new TypeError('"request" must be a Request')
      const parts = await readRequestParts(request, maxBodyBytes)
      // Fetch follows a redirect with every header, the signature included, to any origin
      // (redirect.ts): the signed request stops at a 3xx instead, unless it already would.
      return (await signParts(parts, overrides, parts.init.redirect === 'error' ? 'error' : 'manual')).request
    },
  }
  internals.set(signer, {
    maxBodyBytes,
    expiresSeconds,
    readParts: (request) => readRequestParts(request, maxBodyBytes),
    signParts,
  })
  return signer
}

const EMPTY = new Uint8Array(0)

// Fetch says Headers iterate with lower-case names; happy-dom keeps the case they were set
// with. Component names are lower-case (RFC 9421 section 2.1), so normalise before signing.
export function lowerCaseFields<T extends HttpMessage>(message: T): T {
  if (message.fields.every((f) => f.name === f.name.toLowerCase())) return message
  return { ...message, fields: message.fields.map((f) => ({ name: f.name.toLowerCase(), value: f.value })) }
}

async function importSigningKey(
  input: SignerKeyInput,
  alg: AlgorithmName | undefined,
  kid: string | undefined,
): Promise<SignetKey> {
  let key: SignetKey
  // A SignetKey's algorithm was held to `alg` at creation (key-checks.ts).
  if (isSignetKey(input)) key = input
  else {
    const importOptions: { alg?: AlgorithmName; kid?: string; type?: 'private' } = {}
    if (alg !== undefined) importOptions.alg = alg
    if (kid !== undefined) importOptions.kid = kid
    // Raw bytes with alg ed25519 never get here: they may be a seed or a public key (RFC 8032
    // section 5.1.5), or an HMAC secret given the wrong alg, and key-checks.ts refuses them at
    // creation. A raw Ed25519 private key comes as a JWK or a SignetKey.
    const material = isKeyPair(input) ? input.privateKey : input
    key = await importKey(material as JsonWebKey | string | Uint8Array | CryptoKey, importOptions)
  }
  refusePublic(key.type === 'public')
  return key
}

/**
 * Remove the members named `label` from `Signature-Input` and `Signature`, so a re-signed
 * request (a retry) carries one current signature under that label, not a stale one beside it
 * (RFC 9421 section 4.1: labels are unique within a message).
 */
export function removeSignatureMember(headers: Headers, label: string): void {
  const input = headers.get('signature-input')
  const signature = headers.get('signature')
  if (input === null && signature === null) return
  try {
    const inputs = parseSignatureInput(input === null ? [] : [input])
    const signatures = parseSignatureField(signature === null ? [] : [signature])
    const keptInputs = [...inputs].filter(([l]) => l !== label).map(([l, m]) => `${l}=${m.serialized}`)
    const keptSignatures = [...signatures].filter(([l]) => l !== label).map(([l, b]) => `${l}=:${toBase64(b)}:`)
    headers.delete('signature-input')
    headers.delete('signature')
    if (keptInputs.length > 0) headers.set('signature-input', keptInputs.join(', '))
    if (keptSignatures.length > 0) headers.set('signature', keptSignatures.join(', '))
  } catch {
    // Unparseable signature fields on an outgoing request can only be stale or broken: drop them.
    headers.delete('signature-input')
    headers.delete('signature')
  }
}
