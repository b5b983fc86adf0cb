/**
 * The signature base (RFC 9421 section 2.5): one line per covered component,
 * `<identifier>: <value>`, then the `"@signature-params"` line, joined with LF and without a
 * trailing newline.
 *
 * The base is built by string concatenation in one pass: no array of lines, no join. On verify,
 * the `@signature-params` value is the received Signature-Input member re-serialized with its
 * parameters in the received order (see `structured/signature-input.ts`), so a signer's choice
 * of parameter order or unknown parameters is honoured. For signing, {@link prepareComponents}
 * does the per-list work (serialization, the duplicate check) once, so that building a base per
 * request only computes values.
 *
 * @module
 */
import { componentKey, componentValue, serializeComponentIdentifier, type ComponentIdentifier, type ComponentOptions } from './components/index.ts'
import { SignetError } from './errors.ts'
import type { HttpMessage } from './message.ts'

/** Options of {@link createSignatureBase}. */
export type SignatureBaseOptions = ComponentOptions

// RFC 9421 section 2.5: "If the output contains any non-ASCII characters, produce an error."
// Besides that, a value holding LF would forge a line of its own, so values are checked for it.
const NON_ASCII = /[^\x00-\x7f]/
// What no value may hold on the hot path: a line feed, or any character outside ASCII.
const UNSAFE_IN_VALUE = /[\n\u0080-\uffff]/

/** Covered components with the per-list work done: the serialized identifiers, checked for repeats. */
export interface PreparedComponents {
  readonly ids: readonly ComponentIdentifier[]
  /** `<identifier>: ` for each component, in order. */
  readonly prefixes: readonly string[]
  /** The serialized identifier of each component, in order. */
  readonly serialized: readonly string[]
  /** {@link componentKey} of each component: equal for the same component whatever its parameter order. */
  readonly keys: readonly string[]
  /** The inner list without parameters, `("@method" ...)`. */
  readonly list: string
}

/**
 * Serialize the identifiers and check that none is covered twice.
 *
 * @throws {SignetError} `ERR_DUPLICATE_COMPONENT`, `ERR_INVALID_COMPONENT` (`@signature-params`
 *   covered, or an identifier that cannot be serialized).
 */
export function prepareComponents(ids: readonly ComponentIdentifier[]): PreparedComponents {
  const prefixes: string[] = []
  const all: string[] = []
  const keys: string[] = []
  let list = '('
  for (const id of ids) {
    const serialized = serializeComponentIdentifier(id)
    if (id.name === '@signature-params') {
      throw new SignetError('ERR_INVALID_COMPONENT', '"@signature-params" cannot be a covered component (RFC 9421 section 2.3)')
    }
    const key = id.params.size > 1 ? componentKey(id) : serialized
    // A linear search: lists are short (limits.maxComponents) and this allocates nothing.
    if (keys.includes(key)) {
      throw new SignetError('ERR_DUPLICATE_COMPONENT', `${serialized.slice(0, 96)} is covered twice (RFC 9421 section 2.5)`)
    }
    keys.push(key)
    all.push(serialized)
    prefixes.push(serialized + ': ')
    list += (list.length === 1 ? '' : ' ') + serialized
  }
  return { ids, prefixes, serialized: all, keys, list: list + ')' }
}

/**
 * Build a base from prepared components (the signing and verifying hot path). Each value and
 * the parameters are checked for LF and for characters outside ASCII here; the prefixes are
 * ASCII by construction (serialized identifiers), so the result is an ASCII string whose bytes
 * are its character codes, and a backend may take it as text (`KeyBackend.signAscii`).
 *
 * `paramsAscii` says the caller built `signatureParams` itself from parts that are printable
 * ASCII by construction (signMessage: serialized identifiers, integers, checked sf-strings), so
 * the check of that line, the longest one and a third of the checking, is skipped. A value that
 * came from outside (a received Signature-Input member) is always checked.
 *
 * @throws {SignetError} as {@link createSignatureBase}.
 */
export function buildSignatureBase(
  message: HttpMessage,
  prepared: PreparedComponents,
  signatureParams: string,
  options?: SignatureBaseOptions,
  paramsAscii = false,
): string {
  const { ids, prefixes } = prepared
  let base = ''
  for (let i = 0; i < ids.length; i++) {
    const value = componentValue(message, ids[i] as ComponentIdentifier, options)
    if (UNSAFE_IN_VALUE.test(value)) throw nonAscii(prefixes[i] as string)
    base += (prefixes[i] as string) + value + '\n'
  }
  if (!paramsAscii && UNSAFE_IN_VALUE.test(signatureParams)) throw nonAscii('"@signature-params": ')
  return base + '"@signature-params": ' + signatureParams
}

function nonAscii(prefix: string): SignetError {
  return new SignetError(
    'ERR_INVALID_COMPONENT',
    `the value of ${prefix.slice(0, -2).slice(0, 96)} has a line feed or characters outside ASCII; cover the field with ";bs" (RFC 9421 sections 2.1.3 and 2.5)`,
  )
}

/**
 * Build the signature base.
 *
 * @param message - the request or response.
 * @param components - the covered components, in order.
 * @param signatureParams - the `@signature-params` value: the serialized inner list with its
 *   parameters, e.g. `("@method");created=1618884473;keyid="k"`.
 * @param options - `fieldTypes` for `;sf`.
 * @returns The base as a string of ASCII characters.
 * @throws {SignetError} `ERR_DUPLICATE_COMPONENT` when a component is listed twice,
 *   `ERR_INVALID_COMPONENT` when `@signature-params` is listed or a value is not ASCII, and
 *   every error of {@link componentValue}.
 * @example
 * ```ts
 * createSignatureBase(message, [parseComponentIdentifier('"@method"')], '("@method");created=1')
 * // '"@method": POST\n"@signature-params": ("@method");created=1'
 * ```
 */
export function createSignatureBase(
  message: HttpMessage,
  components: readonly ComponentIdentifier[],
  signatureParams: string,
  options?: SignatureBaseOptions,
): string {
  const base = buildSignatureBase(message, prepareComponents(components), signatureParams, options)
  if (NON_ASCII.test(base)) {
    throw new SignetError('ERR_INVALID_COMPONENT', 'a component value has characters outside ASCII; cover the field with ";bs" (RFC 9421 sections 2.1.3 and 2.5)')
  }
  return base
}
