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
import { algorithms } from '@signet/core/signing'
import { describedMessage, digestBytes, fieldsOf, importJwk, isBasicComponent, shortBase64, signBasic } from '@signet/core/signing'
import type {
  HttpMessage,
  AlgorithmName,
  BackendName,
  ComponentIdentifier,
  FieldLine,
  HttpRequestMessage,
  SignetKey,
  SignOptions,
} from '@signet/core'
import { fullCore, loadedFullCore, preloadOnServerRuntimes } from './full-core.ts'
import { DEFAULT_MAX_BODY_BYTES } from './body.ts'
import { checkComponents, defaultComponents, serializeComponents } from './components.ts'
import type { ComponentInput } from './components.ts'
import { checkNonce, createNonce } from './nonce.ts'
import { isCryptoKey, isKeyPair } from './crypto-key.ts'
import type { KeyPairLike } from './crypto-key.ts'
import { checkSigner, descriptionBody, isDescription, signedHeaders } from './description.ts'
import type { DescriptionSigner, RequestDescription, SignatureFields, SignedDescription } from './description.ts'
import type { KeptMembers } from './kept-members.ts'
import { readRequestParts, requestInit, requestOf } from './request-parts.ts'
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
  /**
   * Sign as a Web Bot Auth agent whose key directory is at this URL (see web-bot-auth.ts):
   * adds `Signature-Agent: LABEL="URL"` and covers it, `tag="web-bot-auth"`, `created`, `expires`
   * (default 300 s, at most 86 400), `keyid` = the RFC 7638 thumbprint. Refuses shared secrets.
   */
  readonly signatureAgent?: string | undefined
  /** The Content-Digest algorithm; `none` leaves the body undigested. Default `sha-256`. */
  readonly digest?: DigestOption | undefined
  /** Force a crypto backend (default: the fastest present for the algorithm). */
  readonly backend?: BackendName | undefined
  /** Largest body buffered for digesting, in bytes. Default 10 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** The local clock in unix seconds (default `Date.now() / 1000`); the learned offset is added. */
  readonly now?: (() => number) | undefined
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
   * Sign a Fetch `Request`.
   *
   * @param request - the request; its body is consumed (read once, never cloned).
   * @param overrides - per-call profile changes (Accept-Signature).
   * @returns a new signed `Request` whose body is exactly the digested bytes, with redirect mode
   * `manual` (or `error`, when the request had it): a plain `fetch` of it returns a 3xx as is
   * instead of forwarding the signature to the `Location`, which may be another origin. Use
   * `signedFetch` to follow redirects (re-signed on the origin, unsigned off it).
   * @throws {SignetError} `ERR_BODY_USED`, `ERR_BODY_TOO_LARGE`, key errors from `importKey`,
   * component errors from `signMessage`.
   */
  sign(request: Request, overrides?: SignOverrides): Promise<Request>
  /**
   * Sign a plain request description `{ method, url, headers, body }`: the fast path. No Fetch
   * `Request` is built and nothing is cloned; the input and its headers are not modified (a
   * frozen record is fine). The body (a string, as UTF-8, or bytes) is digested once.
   *
   * @param description - the request as data; other members are copied to the result.
   * @param overrides - per-call profile changes (Accept-Signature, `alg`).
   * @returns a new description: the input's members with `headers` a new object of the same
   * kind (`Headers` for `Headers`, else a record) carrying `content-digest`, `signature-input`
   * and `signature`, and the body as given (send exactly it).
   * @throws {TypeError} for a body that is not a string or bytes, or a URL that is not absolute.
   * @throws {SignetError} `ERR_BODY_TOO_LARGE`, key and component errors.
   * @example
   * ```ts
   * const signed = await signer.sign({ method: 'POST', url: 'https://api.example/orders', headers: { 'content-type': 'application/json' }, body })
   * await undiciRequest(signed.url, { method: signed.method, headers: signed.headers, body: signed.body })
   * ```
   */
  sign<D extends RequestDescription>(description: D, overrides?: SignOverrides): Promise<SignedDescription<D>>
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
  /**
   * Sign parts into `fetch(url, init)` arguments, building no `Request`: `fetch` builds the one
   * it sends (a `Request` handed to Node's `fetch` is wrapped again, its signal followed).
   */
  signInit(parts: RequestParts, overrides?: SignOverrides, redirect?: RequestRedirect): Promise<{ init: RequestInit; message: HttpRequestMessage }>
}

/** `signParts` on top of `signInit`: the one `Request` of the path, from the bytes already read. */
function signPartsWith(signInit: SignerInternals['signInit']): SignerInternals['signParts'] {
  return async (parts, overrides, redirect) => {
    const { init, message } = await signInit(parts, overrides, redirect)
    return { request: requestOf(parts, init), message }
  }
}

const internals = new WeakMap<object, SignerInternals>()
const foreign = new WeakMap<object, SignerInternals>()

/**
 * The internals of a signer: those of one made by {@link createSigner}, or, for any other
 * object with a `sign(description)` method (another scheme's signer, the lean signer), parts
 * signed through that method. Such a signer learns no clock offset and meets no
 * Accept-Signature; it signs each request and each same-origin redirect.
 *
 * @throws {TypeError} when `signer` has no `sign` method.
 */
export function signerInternals(signer: Signer | DescriptionSigner): SignerInternals {
  const found = typeof signer === 'object' && signer !== null ? internals.get(signer) : undefined
  if (found !== undefined) return found
  checkSigner(signer)
  let adapted = foreign.get(signer)
  if (adapted === undefined) {
    const describe = signer as DescriptionSigner
    const signInit: SignerInternals['signInit'] = async (parts, _overrides, redirect) => {
      const signed = await describe.sign({ method: parts.method, url: parts.url, headers: parts.headers, body: parts.body })
      return { init: requestInit(parts, signed.headers, redirect), message: describedMessage(parts.method, parts.url, fieldsOf(signed.headers), parts.body?.length ? parts.body : undefined) }
    }
    adapted = {
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      expiresSeconds: undefined,
      readParts: (request) => readRequestParts(request, DEFAULT_MAX_BODY_BYTES),
      signParts: signPartsWith(signInit),
      signInit,
    }
    foreign.set(signer, adapted)
  }
  return adapted
}

/** True when `signer` was made by {@link createSigner} (it learns offsets, meets Accept-Signature). */
export function isFullSigner(signer: unknown): signer is Signer {
  return typeof signer === 'object' && signer !== null && internals.has(signer)
}

// sf-string (RFC 8941 section 3.3.3): printable ASCII.
const STRING_SYNTAX = /^[\x20-\x7e]{0,1024}$/

function checkTag(value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !STRING_SYNTAX.test(value))) throw new TypeError('"tag" must be a printable ASCII string')
  return value
}

// Core's algorithm registry is the one list of names (STYLE.md rule 2).
const ALG_NAMES: ReadonlySet<string> = /* @__PURE__ */ new Set(/* @__PURE__ */ algorithms.map((alg) => alg.name))

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

function isSharedSecret(key: unknown, jwk: JsonWebKey | undefined, alg: AlgorithmName | undefined): boolean {
  if (alg === 'hmac-sha256' || key instanceof Uint8Array) return true
  if (jwk !== undefined) return jwk.kty === 'oct'
  if (isCryptoKey(key)) return key.algorithm.name === 'HMAC'
  if (isSignetKey(key)) return key.algorithm.symmetric
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

  const serverRuntime = preloadOnServerRuntimes()
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
      const pair = isKeyPair(keyInput)
      // Web Bot Auth: the keyid is the thumbprint, whatever kid the key carries.
      if (!pair && key.kid !== undefined && agent === undefined) return key.kid
      if (!pair && key.algorithm.symmetric) throw new TypeError('"keyId" is required for a shared-secret key without a kid')
      // A thumbprint, computed by the whole of core (key-import.ts).
      return (await fullCore()).defaultKeyId(key, pair ? keyInput.publicKey : undefined)
    })
    return keyIdPromise
  }
  const digestOf = async (body: Uint8Array): Promise<string> => {
    let value = digestCache.get(body)
    if (value === undefined) {
      value = await contentDigestOf(digest as 'sha-256' | 'sha-512', body)
      digestCache.set(body, value)
    }
    return value
  }

  /**
   * The one signing pipeline of both paths: digest the body once, build the message from the
   * fields and bytes at hand (no Fetch object), sign. `fields` are the outgoing header fields;
   * a stale `Content-Digest` and every `Signature-Input`/`Signature` line are replaced here.
   */
  const signFields = async (
    method: string,
    url: string | URL,
    fields: readonly FieldLine[],
    kept: KeptMembers | undefined,
    body: Uint8Array | undefined,
    overrides: SignOverrides,
    useLabel: string,
    cacheDigest: boolean,
  ): Promise<{ added: SignatureFields; message: HttpRequestMessage }> => {
    const key = await loadKey()
    const keyId = await loadKeyId()
    // Once the full core is loaded (on a server runtime, before the first signature), its
    // digest and signer are the faster ones.
    const full = loadedFullCore() ?? (serverRuntime ? await fullCore() : undefined)
    const digestCovered = overrides.components === undefined ? coversDigest : overrides.components.some((c) => c.name === 'content-digest')
    let contentDigest: string | undefined
    if (digest !== 'none' && (body !== undefined || digestCovered)) {
      // RFC 9530 section 2: an empty or absent body still has a digest, of zero bytes.
      contentDigest = cacheDigest && body !== undefined ? await digestOf(body) : await contentDigestOf(digest as 'sha-256' | 'sha-512', body ?? EMPTY)
    }
    const outFields: FieldLine[] = []
    let hasContentType = false
    for (const field of fields) {
      const name = field.name
      if (name === 'signature-input' || name === 'signature' || (contentDigest !== undefined && name === 'content-digest')) continue
      if (name === 'content-type') hasContentType = true
      outFields.push(field)
    }
    if (kept?.input !== undefined) outFields.push({ name: 'signature-input', value: kept.input })
    if (kept?.signature !== undefined) outFields.push({ name: 'signature', value: kept.signature })
    if (contentDigest !== undefined) outFields.push({ name: 'content-digest', value: contentDigest })
    let covered: readonly (string | ComponentIdentifier)[] = overrides.components ?? components ?? []
    const defaulted = overrides.components === undefined && components === undefined
    if (defaulted) covered = defaultComponents(digest !== 'none' && body !== undefined, hasContentType)
    let signatureAgent: string | undefined
    if (agent !== undefined) {
      // Web Bot Auth: this label's Signature-Agent member is set (others kept) and covered.
      const applied = await agent.apply(outFields, useLabel, covered, defaulted)
      signatureAgent = applied.value
      covered = applied.covered
    }
    const message = describedMessage(method, typeof url === 'string' ? parsedUrl(url) : url, outFields, body !== undefined && body.byteLength === 0 ? undefined : body)
    const created = Math.floor(clock() + offsetSeconds)
    const wantCreated = agent !== undefined || (overrides.created ?? includeCreated)
    const validity = agent === undefined ? (overrides.expires ?? expiresSeconds) : Math.min(overrides.expires ?? agent.expiresSeconds, MAX_WEB_BOT_AUTH_VALIDITY_SECONDS)
    const wantNonce = overrides.nonce ?? nonceOption !== false
    const useTag = agent?.tag ?? overrides.tag ?? tag
    const nonce = wantNonce ? (typeof nonceOption === 'function' ? checkNonce(nonceOption()) : createNonce()) : undefined
    const keyid = overrides.keyid === false ? null : keyId
    let result: { readonly signatureInput: string; readonly signature: string }
    const names = full === undefined && backend === undefined && LEAN_ALGORITHMS.has(key.algorithm.name) ? basicNames(covered) : undefined
    if (names !== undefined) {
      // A browser's hot path: core's lean signer on parameterless components, the same bytes
      // as signMessage for the same profile (test/bundle/lean-signing.test.ts).
      result = await signBasic(message, {
        key,
        label: useLabel,
        components: names,
        created: wantCreated ? created : undefined,
        keyid,
        expires: validity === undefined ? undefined : created + validity,
        nonce,
        tag: useTag,
        alg: overrides.alg === true,
      })
    } else {
      // The full signer: loaded already (a server runtime), or loaded now for components with
      // parameters, a forced backend, RSA or ECDSA.
      const { signMessage } = full ?? (await fullCore())
      // One object literal, undefined for what is absent (core reads undefined as absent).
      const signOptions: SignOptions = {
        key,
        label: useLabel,
        components: covered,
        created: wantCreated ? created : null,
        keyid,
        expires: validity === undefined ? undefined : created + validity,
        nonce,
        tag: useTag,
        alg: overrides.alg === true,
        backend,
      }
      result = await signMessage(message, signOptions)
    }
    outFields.push({ name: 'signature-input', value: result.signatureInput }, { name: 'signature', value: result.signature })
    return { added: { contentDigest, signatureAgent, signatureInput: result.signatureInput, signature: result.signature }, message }
  }

  const signInit: SignerInternals['signInit'] = async (parts, overrides = {}, redirect) => {
    const useLabel = overrides.label ?? label
    const kept = await keptFor(parts.headers.get('signature-input'), parts.headers.get('signature'), useLabel)
    const { added, message } = await signFields(parts.method, parts.url, fieldsOf(parts.headers), kept, parts.body, overrides, useLabel, true)
    // Built from the bytes already read: no clone, no re-read.
    return { init: requestInit(parts, signedHeaders(parts.headers, kept, added) as Headers, redirect), message }
  }
  const signParts = signPartsWith(signInit)

  const signDescription = async <D extends RequestDescription>(input: D, overrides: SignOverrides = {}): Promise<SignedDescription<D>> => {
    const useLabel = overrides.label ?? label
    const method = input.method ?? 'GET'
    if (typeof method !== 'string') throw new TypeError('"method" of a request description must be a string')
    const headers = input.headers
    const body = descriptionBody(input.body, maxBodyBytes)
    const fields = fieldsOf(headers)
    // Field lines are lower-case and combined per header: one pass finds earlier signatures.
    let oldInput: string | undefined
    let oldSignature: string | undefined
    for (const field of fields) {
      if (field.name === 'signature-input') oldInput = oldInput === undefined ? field.value : oldInput + ', ' + field.value
      else if (field.name === 'signature') oldSignature = oldSignature === undefined ? field.value : oldSignature + ', ' + field.value
    }
    const kept = await keptFor(oldInput, oldSignature, useLabel)
    const { added } = await signFields(method, input.url, fields, kept, body, overrides, useLabel, false)
    return { ...input, headers: signedHeaders(headers, kept, added) } as SignedDescription<D>
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
    sign: (async (input: Request | RequestDescription, overrides?: SignOverrides): Promise<Request | SignedDescription<RequestDescription>> => {
      if (isDescription(input)) return signDescription(input, overrides)
      if (typeof (input as Partial<Request> | null)?.arrayBuffer !== 'function') throw new TypeError('"request" must be a Request or a request description { method, url, headers, body }')
      const parts = await readRequestParts(input, maxBodyBytes)
      // Fetch follows a redirect with every header, the signature included, to any origin
      // (redirect.ts): the signed request stops at a 3xx instead, unless it already would.
      return (await signParts(parts, overrides, parts.init.redirect === 'error' ? 'error' : 'manual')).request
    }) as Signer['sign'],
  }
  internals.set(signer, {
    maxBodyBytes,
    expiresSeconds,
    readParts: (request) => readRequestParts(request, maxBodyBytes),
    signParts,
    signInit,
  })
  return signer
}

const EMPTY = new Uint8Array(0)

/**
 * The members of other labels that a re-signed request keeps (kept-members.ts), loaded with the
 * first request that already carries a signature (a retry, a redirect): most never do.
 */
async function keptFor(input: string | null | undefined, signature: string | null | undefined, label: string): Promise<KeptMembers | undefined> {
  if (input == null && signature == null) return undefined
  return (await import('./kept-members.ts')).keptMembers(input, signature, label)
}

// What core's lean signer signs with its own backends (node:crypto or WebCrypto).
const LEAN_ALGORITHMS: ReadonlySet<string> = /* @__PURE__ */ new Set(['hmac-sha256', 'ed25519'])

/**
 * The covered components as bare names when every one is parameterless and computed by core's
 * lean signer (`@method`, `content-type`, ...); undefined when one needs the full signer.
 */
function basicNames(covered: readonly (string | ComponentIdentifier)[]): string[] | undefined {
  const names: string[] = []
  for (const c of covered) {
    let name: string
    if (typeof c === 'string') {
      // Serialized identifiers are quoted (`"@method"`); the defaults are bare names.
      name = c.charCodeAt(0) === 0x22 && c.endsWith('"') && c.length > 2 ? c.slice(1, -1) : c
      if (name.includes('"') || name.includes('\\')) return undefined
    } else {
      if (c.params.size !== 0) return undefined
      name = c.name
    }
    if (!isBasicComponent(name)) return undefined
    names.push(name)
  }
  return names
}

/** An RFC 9530 `Content-Digest` value over `body`: `sha-256=:...:`. */
async function contentDigestOf(alg: 'sha-256' | 'sha-512', body: Uint8Array): Promise<string> {
  const full = loadedFullCore()
  if (full !== undefined) return full.createContentDigest(body, [alg])
  return alg + '=:' + shortBase64(await digestBytes(alg, body)) + ':'
}

// The lean JWK import covers these; anything else is imported by core's full importKey.
function isLeanJwk(input: unknown, alg: AlgorithmName | undefined): input is JsonWebKey {
  if (typeof input !== 'object' || input === null || input instanceof Uint8Array || isCryptoKey(input) || isSignetKey(input)) return false
  const jwk = input as JsonWebKey
  // A JWK `alg` other than the one its type fits is judged by the full importer (its code).
  if (jwk.kty === 'oct') return (alg === undefined || alg === 'hmac-sha256') && (jwk.alg === undefined || jwk.alg === 'HS256')
  return jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && (alg === undefined || alg === 'ed25519') && (jwk.alg === undefined || jwk.alg === 'EdDSA')
}

// A client calls the same few URLs again and again (an API's endpoints), and parsing one costs
// about as much as an HMAC over the base: the last parses are kept, keyed by the exact text.
// The URL objects are only read.
const parsedUrls = new Map<string, URL>()
const PARSED_URLS = 64

function parsedUrl(text: string): URL {
  let url = parsedUrls.get(text)
  if (url === undefined) {
    url = new URL(text)
    if (parsedUrls.size >= PARSED_URLS) parsedUrls.clear()
    parsedUrls.set(text, url)
  }
  return url
}

async function importSigningKey(
  input: SignerKeyInput,
  alg: AlgorithmName | undefined,
  kid: string | undefined,
): Promise<SignetKey> {
  let key: SignetKey
  // A SignetKey's algorithm was held to `alg` at creation (key-checks.ts).
  if (isSignetKey(input)) key = input
  // The hot path imports an HMAC or Ed25519 JWK itself; anything else takes the whole of core
  // (key-import.ts). A key pair signs with its private half.
  else if (isLeanJwk(input, alg)) key = await importJwk(input, kid === undefined ? {} : { kid })
  else key = await (await fullCore()).importKeyFully(isKeyPair(input) ? input.privateKey : input, alg, kid)
  refusePublic(key.type === 'public')
  return key
}
