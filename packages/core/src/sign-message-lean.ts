/**
 * Signing a request with the lean entry (RFC 9421 section 3.1): parameterless components, the
 * signature base (section 2.5), the `@signature-params` inner list (section 2.3) and the
 * HMAC or Ed25519 signature, with nothing of the verify, parse or PEM code.
 *
 * `signMessage` (sign-message.ts) handles every component and parameter; this module produces the
 * same bytes for the subset a client signer uses, so a verifier cannot tell them apart. The
 * parameters follow the same default order: created, expires, nonce, alg, keyid, tag.
 *
 * @module
 */
import { shortBase64 } from './short-base64.ts'
import { basicComponentValue } from './components/basic.ts'
import { SignetError } from './errors.ts'
import type { SignetKey } from './keys/signet-key.ts'
import type { HttpRequestMessage } from './message.ts'
import { signWithKey } from './backends/lean-backend.ts'

/** Options of {@link signBasic}. */
export interface BasicSignOptions {
  /** A secret or private key (HMAC or Ed25519, or any with `@signet/core/pure` imported). */
  readonly key: SignetKey
  /** The signature label, a structured-field key (default `sig1`). */
  readonly label?: string | undefined
  /** Covered component names: parameterless derived components and lower-case field names. */
  readonly components: readonly string[]
  readonly created?: number | undefined
  readonly expires?: number | undefined
  readonly nonce?: string | undefined
  /** Add the `alg` parameter. */
  readonly alg?: boolean | undefined
  /** The `keyid` parameter (default the key's `kid`); `null` omits it. */
  readonly keyid?: string | null | undefined
  readonly tag?: string | undefined
}

/** What {@link signBasic} produces: the members to append, and the base that was signed. */
export interface BasicSignatureResult {
  /** The Signature-Input dictionary member, `sig1=(...);created=...`. */
  readonly signatureInput: string
  /** The Signature dictionary member, `sig1=:...:`. */
  readonly signature: string
  readonly base: string
}

// RFC 8941 section 3.2: a dictionary key.
const LABEL = /^[a-z*][a-z0-9_\-.*]*$/
// RFC 8941 section 3.3.3: sf-string characters; the serializer escapes '"' and '\'.
const PRINTABLE = /^[\x20-\x7e]*$/

function sfString(name: string, value: string): string {
  if (typeof value !== 'string' || !PRINTABLE.test(value)) throw new TypeError(`"${name}" must be printable ASCII`)
  return ';' + name + '="' + value.replace(/["\\]/g, '\\$&') + '"'
}

function sfInteger(name: string, value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 999_999_999_999_999) throw new TypeError(`"${name}" must be unix seconds`)
  return ';' + name + '=' + value
}

/**
 * Sign a request with parameterless components.
 *
 * @param message - the request (Content-Digest, when covered, must already be on it).
 * @param options - {@link BasicSignOptions}.
 * @returns the Signature-Input and Signature members and the base.
 * @throws {TypeError} for a malformed label or parameter.
 * @throws {SignetError} `ERR_DUPLICATE_COMPONENT`, `ERR_UNKNOWN_COMPONENT`,
 *   `ERR_MISSING_COMPONENT`, `ERR_INVALID_COMPONENT` (a value with a line break or non-ASCII
 *   character, RFC 9421 section 2.5), and the errors of `signWithKey`.
 * @example
 * ```ts
 * const { signatureInput, signature } = await signBasic(message, { key, components: ['@method', '@target-uri'], created: 1618884473 })
 * ```
 */
export async function signBasic(message: HttpRequestMessage, options: BasicSignOptions): Promise<BasicSignatureResult> {
  const { key, label = 'sig1', components } = options
  if (typeof label !== 'string' || !LABEL.test(label)) throw new TypeError('"label" must be a structured-field key')
  let base = ''
  let list = ''
  for (const name of components) {
    const line = '"' + name + '"'
    if ((' ' + list + ' ').includes(' ' + line + ' ')) throw new SignetError('ERR_DUPLICATE_COMPONENT', `${line} is covered twice`)
    const value = basicComponentValue(message, name)
    // RFC 9421 section 2.5: no non-ASCII output; a line break would forge a line of its own.
    if (!/^[\x20-\x7e\t]*$/.test(value)) throw new SignetError('ERR_INVALID_COMPONENT', `the value of ${line} is not printable ASCII`)
    base += line + ': ' + value + '\n'
    list += (list === '' ? '' : ' ') + line
  }
  let params = ''
  if (options.created !== undefined) params += sfInteger('created', options.created)
  if (options.expires !== undefined) params += sfInteger('expires', options.expires)
  if (options.nonce !== undefined) params += sfString('nonce', options.nonce)
  if (options.alg === true) params += sfString('alg', key.algorithm.name)
  const keyid = options.keyid === undefined ? key.kid : options.keyid
  if (keyid != null) params += sfString('keyid', keyid)
  if (options.tag !== undefined) params += sfString('tag', options.tag)
  const signatureParams = '(' + list + ')' + params
  base += '"@signature-params": ' + signatureParams
  const signature = await signWithKey(key, new TextEncoder().encode(base))
  return { signatureInput: label + '=' + signatureParams, signature: label + '=:' + shortBase64(signature) + ':', base }
}
