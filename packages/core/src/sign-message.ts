/**
 * Signing (RFC 9421 section 3.1): choose the covered components and parameters, build the
 * signature base, sign it with the key's one algorithm, and return the Signature-Input and
 * Signature members to append to the message.
 *
 * This is the client's hot path, so the work that does not depend on the message is done once
 * and cached: a components option given as an array of strings is parsed and serialized once
 * per array (the same array object is reused by a signer across requests).
 *
 * @module
 */
import type { BackendName } from './backend.ts'
import { toComponentIdentifier, type ComponentIdentifier } from './components/index.ts'
import { SignetError } from './errors.ts'
import type { SignetKey } from './keys/index.ts'
import { signAsciiBase64Direct } from './keys/sign-verify-bytes.ts'
import type { HttpMessage } from './message.ts'
import { buildSignatureBase, prepareComponents, type PreparedComponents } from './signature-base.ts'
import type { StructuredFieldType } from './structured/field-types.ts'
import { assertLabel, parseSignatureInput } from './structured/signature-input.ts'
import type { SignatureParams } from './structured/signature-params.ts'
import { parseSignatureField } from './structured/signature.ts'

/** Options of {@link signMessage}. */
export interface SignOptions {
  /** The signing key; its algorithm is the one used (RFC 9421 section 7.3.6). */
  readonly key: SignetKey
  /** The signature label (default `sig1`). */
  readonly label?: string | undefined
  /**
   * Covered components, as identifiers or in identifier syntax (`"@query-param";name="a"`) or
   * as bare names (`@method`). Default: `@method` and `@target-uri` for a request, `@status`
   * for a response, plus `content-digest` and `content-type` when the message has them.
   */
  readonly components?: readonly (string | ComponentIdentifier)[] | undefined
  /** Creation time in unix seconds (default now); `null` omits `created`. */
  readonly created?: number | null | undefined
  readonly expires?: number | undefined
  readonly nonce?: string | undefined
  readonly tag?: string | undefined
  /** The `keyid` parameter (default the key's `kid`); `null` omits it. */
  readonly keyid?: string | null | undefined
  /** Add the `alg` parameter naming the key's algorithm. */
  readonly alg?: boolean | undefined
  /**
   * Order of the parameters the caller gave explicitly (the CLI passes its flag order);
   * the other parameters follow in the order created, expires, nonce, alg, keyid, tag.
   */
  readonly paramOrder?: readonly string[] | undefined
  readonly backend?: BackendName | undefined
  readonly fieldTypes?: Readonly<Record<string, StructuredFieldType>> | undefined
  /** The clock, in unix seconds, for the default `created`. */
  readonly now?: (() => number) | undefined
}

/** What {@link signMessage} produces. */
export interface SignatureResult {
  readonly label: string
  /** The Signature-Input dictionary member, `sig1=(...);created=...`. */
  readonly signatureInput: string
  /** The Signature dictionary member, `sig1=:...:`. */
  readonly signature: string
  /** The signature base that was signed. */
  readonly base: string
  readonly params: SignatureParams
  /** The covered components (shared with the signer's cache: do not mutate). */
  readonly components: readonly ComponentIdentifier[]
}

const DEFAULT_PARAM_ORDER = ['created', 'expires', 'nonce', 'alg', 'keyid', 'tag'] as const
const KNOWN_PARAMS: ReadonlySet<string> = new Set(DEFAULT_PARAM_ORDER)

interface CacheEntry {
  /** A copy of the list the entry was made from, to notice a caller that mutated its array. */
  readonly source: readonly string[]
  readonly prepared: PreparedComponents
}

// Keyed by the caller's components array: a signer passes the same array on every request.
const preparedCache = new WeakMap<readonly (string | ComponentIdentifier)[], CacheEntry>()

function sameStrings(a: readonly (string | ComponentIdentifier)[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function prepare(components: readonly (string | ComponentIdentifier)[]): PreparedComponents {
  const cached = preparedCache.get(components)
  if (cached !== undefined && sameStrings(components, cached.source)) return cached.prepared
  if (!Array.isArray(components)) throw new TypeError('"components" expected an array')
  const prepared = prepareComponents(components.map((c) => toComponentIdentifier(c)))
  // Only lists of strings are cached: identifier objects hold mutable Maps.
  if (components.every((c) => typeof c === 'string')) preparedCache.set(components, { source: [...(components as readonly string[])], prepared })
  return prepared
}

function hasField(message: HttpMessage, name: string): boolean {
  for (const f of message.fields) if (f.name === name) return true
  return false
}

const REQUEST_DEFAULT: readonly string[] = ['@method', '@target-uri']
const RESPONSE_DEFAULT: readonly string[] = ['@status']
const defaultLists = new Map<string, readonly string[]>()

function defaultComponents(message: HttpMessage): readonly string[] {
  const digest = hasField(message, 'content-digest')
  const type = hasField(message, 'content-type')
  const cacheKey = message.kind + (digest ? '1' : '0') + (type ? '1' : '0')
  let list = defaultLists.get(cacheKey)
  if (list === undefined) {
    list = [...(message.kind === 'request' ? REQUEST_DEFAULT : RESPONSE_DEFAULT)]
    if (digest) list = [...list, 'content-digest']
    if (type) list = [...list, 'content-type']
    defaultLists.set(cacheKey, list)
  }
  return list
}

function checkInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 999_999_999_999_999) {
    throw new TypeError(`"${name}" must be a non-negative integer number of unix seconds`)
  }
  return value
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" must be a string`)
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) throw new TypeError(`"${name}" must be printable ASCII`)
  }
  return value
}

function sfString(value: string): string {
  let needsEscape = false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0x22 || c === 0x5c) { needsEscape = true; break }
  }
  return needsEscape ? '"' + value.replace(/["\\]/g, '\\$&') + '"' : '"' + value + '"'
}

function serializeParam(name: string, value: string | number): string {
  return typeof value === 'number' ? ';' + name + '=' + value : ';' + name + '=' + sfString(value)
}

/** Labels already present in the message's Signature-Input or Signature fields. */
function labelTaken(message: HttpMessage, label: string): boolean {
  let input: string[] | undefined
  let sig: string[] | undefined
  for (const f of message.fields) {
    if (f.name === 'signature-input') (input ??= []).push(f.value)
    else if (f.name === 'signature') (sig ??= []).push(f.value)
  }
  if (input !== undefined && parseSignatureInput(input).has(label)) return true
  if (sig !== undefined && parseSignatureField(sig).has(label)) return true
  return false
}

/**
 * Sign a message.
 *
 * @param message - the request or response to sign (Content-Digest, when covered, must
 *   already be on it).
 * @param options - key, label, components and parameters.
 * @returns The Signature-Input and Signature members, the base, the parameters and components.
 * @throws {SignetError} `ERR_LABEL_EXISTS` when the label is already on the message, and every
 *   error of {@link createSignatureBase}; `ERR_ALG_MISMATCH` from the key layer.
 * @throws {TypeError} for a malformed option (label, times, strings).
 * @example
 * ```ts
 * const { signatureInput, signature } = await signMessage(message, { key, components: ['@method', '@target-uri'] })
 * ```
 */
export function signMessage(message: HttpMessage, options: SignOptions): Promise<SignatureResult> {
  try {
    return signMessageDirect(message, options)
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * The work of {@link signMessage}: everything up to the signature in the calling turn, and
 * with a synchronous backend (node:crypto, pure) the result settled without further ticks.
 */
function signMessageDirect(message: HttpMessage, options: SignOptions): Promise<SignatureResult> {
  if (options === null || typeof options !== 'object') throw new TypeError('"options" expected an object')
  const key = options.key
  if (key === null || typeof key !== 'object' || key.algorithm === undefined) throw new TypeError('"key" expected a SignetKey')
  const label = options.label ?? 'sig1'
  // A signer uses one label: check it once, not per request.
  if (label !== lastLabel) {
    assertLabel(label)
    lastLabel = label
  }

  const prepared = prepare(options.components ?? defaultComponents(message))

  // Parameter values; undefined means absent.
  const created =
    options.created === null
      ? undefined
      : options.created === undefined
        ? checkInteger('now()', Math.floor(options.now === undefined ? Date.now() / 1000 : options.now()))
        : checkInteger('created', options.created)
  const expires = options.expires === undefined ? undefined : checkInteger('expires', options.expires)
  const nonce = options.nonce === undefined ? undefined : checkString('nonce', options.nonce)
  const alg = options.alg === true ? key.algorithm.name : undefined
  const keyidOption = options.keyid === undefined ? key.kid : options.keyid
  const keyid = keyidOption === null || keyidOption === undefined ? undefined : checkString('keyid', keyidOption)
  const tag = options.tag === undefined ? undefined : checkString('tag', options.tag)

  let paramsText = ''
  let params: Record<string, string | number>
  const order = options.paramOrder
  if (order === undefined) {
    // The common case, written out: one object shape, no lookups by name.
    params = {}
    if (created !== undefined) {
      params.created = created
      paramsText += ';created=' + created
    }
    if (expires !== undefined) {
      params.expires = expires
      paramsText += ';expires=' + expires
    }
    if (nonce !== undefined) {
      params.nonce = nonce
      paramsText += ';nonce=' + sfString(nonce)
    }
    if (alg !== undefined) {
      params.alg = alg
      paramsText += ';alg="' + alg + '"'
    }
    if (keyid !== undefined) {
      params.keyid = keyid
      paramsText += ';keyid=' + sfString(keyid)
    }
    if (tag !== undefined) {
      params.tag = tag
      paramsText += ';tag=' + sfString(tag)
    }
  } else {
    const values: Record<string, string | number | undefined> = { created, expires, nonce, alg, keyid, tag }
    params = {}
    // Explicit parameters in the caller's order, then the rest in the default order. Names
    // that are not signature parameters (other CLI flags) are skipped.
    for (const name of [...order, ...DEFAULT_PARAM_ORDER]) {
      if (!KNOWN_PARAMS.has(name)) continue
      const v = values[name]
      if (v !== undefined && params[name] === undefined) {
        params[name] = v
        paramsText += serializeParam(name, v)
      }
    }
  }

  if (labelTaken(message, label)) {
    throw new SignetError('ERR_LABEL_EXISTS', `the message already has a signature labelled ${JSON.stringify(label)}`)
  }

  const signatureParams = prepared.list + paramsText
  // The parameters line is printable ASCII by construction: serialized identifiers (sf-strings
  // and sf-keys), integers, the algorithm's name and sf-strings of checked printable text.
  const fieldTypes = options.fieldTypes === undefined ? undefined : { fieldTypes: options.fieldTypes }
  const base = buildSignatureBase(message, prepared, signatureParams, fieldTypes, true)
  // The base is ASCII (checked while it was built): backends that can hash text take it as is.
  const signature = signAsciiBase64Direct(key, base, options.backend === undefined ? undefined : { backend: options.backend })
  if (typeof signature !== 'string') return signature.then((text) => result(label, signatureParams, text, base, params, prepared))
  return Promise.resolve(result(label, signatureParams, signature, base, params, prepared))
}

let lastLabel: string | undefined

function result(label: string, signatureParams: string, signature: string, base: string, params: Record<string, string | number>, prepared: PreparedComponents): SignatureResult {
  return {
    label,
    signatureInput: label + '=' + signatureParams,
    signature: label + '=:' + signature + ':',
    base,
    params: params as SignatureParams,
    components: prepared.ids,
  }
}
