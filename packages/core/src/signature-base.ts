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

// Printable ASCII, HTAB, and LF between lines: RFC 9421 section 2.5 requires an ASCII base.
// A value holding LF could forge a line; values are checked for it separately.
const NOT_BASE_SAFE = /[^\t\n\x20-\x7e]/

/** Covered components with the per-list work done: the serialized identifiers, checked for repeats. */
export interface PreparedComponents {
  readonly ids: readonly ComponentIdentifier[]
  /** `<identifier>: ` for each component, in order. */
  readonly prefixes: readonly string[]
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
  const seen = new Set<string>()
  let list = '('
  for (const id of ids) {
    const serialized = serializeComponentIdentifier(id)
    if (id.name === '@signature-params') {
      throw new SignetError('ERR_INVALID_COMPONENT', '"@signature-params" cannot be a covered component (RFC 9421 section 2.3)')
    }
    const key = id.params.size > 1 ? componentKey(id) : serialized
    if (seen.has(key)) {
      throw new SignetError('ERR_DUPLICATE_COMPONENT', `${serialized.slice(0, 96)} is covered twice (RFC 9421 section 2.5)`)
    }
    seen.add(key)
    prefixes.push(serialized + ': ')
    list += (list.length === 1 ? '' : ' ') + serialized
  }
  return { ids, prefixes, list: list + ')' }
}

/**
 * Build a base from prepared components (the signing hot path).
 *
 * @throws {SignetError} as {@link createSignatureBase}.
 */
export function buildSignatureBase(
  message: HttpMessage,
  prepared: PreparedComponents,
  signatureParams: string,
  options?: SignatureBaseOptions,
): string {
  const { ids, prefixes } = prepared
  let base = ''
  for (let i = 0; i < ids.length; i++) {
    const value = componentValue(message, ids[i] as ComponentIdentifier, options)
    if (value.includes('\n')) throw nonAscii(prefixes[i] as string)
    base += (prefixes[i] as string) + value + '\n'
  }
  base += '"@signature-params": ' + signatureParams
  if (NOT_BASE_SAFE.test(base)) {
    // Find the culprit for the message; this is the failure path only.
    for (let i = 0; i < ids.length; i++) {
      if (NOT_BASE_SAFE.test(componentValue(message, ids[i] as ComponentIdentifier, options))) throw nonAscii(prefixes[i] as string)
    }
    throw new SignetError('ERR_INVALID_COMPONENT', 'the signature parameters have characters outside printable ASCII')
  }
  return base
}

function nonAscii(prefix: string): SignetError {
  return new SignetError(
    'ERR_INVALID_COMPONENT',
    `the value of ${prefix.slice(0, 96 + 2).replace(/: $/, '')} has characters outside printable ASCII; cover the field with ";bs" (RFC 9421 sections 2.1.3 and 2.5)`,
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
  return buildSignatureBase(message, prepareComponents(components), signatureParams, options)
}

/**
 * The bytes of a base. The base is printable ASCII (checked when it was built), so each
 * character is one byte; this avoids a general UTF-8 encoder on the hot path.
 */
export function baseBytes(base: string): Uint8Array {
  const out = new Uint8Array(base.length)
  for (let i = 0; i < base.length; i++) out[i] = base.charCodeAt(i)
  return out
}
