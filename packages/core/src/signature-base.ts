/**
 * The signature base (RFC 9421 section 2.5): one line per covered component,
 * `<identifier>: <value>`, then the `"@signature-params"` line, joined with LF and without a
 * trailing newline.
 *
 * The base is built by string concatenation in one pass: no array of lines, no join. On verify,
 * the `@signature-params` value is the received Signature-Input member re-serialized with its
 * parameters in the received order (see `structured/signature-input.ts`), so a signer's choice
 * of parameter order or unknown parameters is honoured.
 *
 * @module
 */
import { componentKey, componentValue, serializeComponentIdentifier, type ComponentIdentifier, type ComponentOptions } from './components/index.ts'
import { SignetError } from './errors.ts'
import type { HttpMessage } from './message.ts'

/** Options of {@link createSignatureBase}. */
export type SignatureBaseOptions = ComponentOptions

// Printable ASCII and HTAB: RFC 9421 section 2.5 requires an ASCII base; control characters
// would let a value forge extra lines.
const NOT_BASE_SAFE = /[^\t\x20-\x7e]/

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
  let base = ''
  const seen = components.length > 1 ? new Set<string>() : undefined
  for (const id of components) {
    const serialized = serializeComponentIdentifier(id)
    if (seen !== undefined) {
      const key = id.params.size > 1 ? componentKey(id) : serialized
      if (seen.has(key)) {
        throw new SignetError('ERR_DUPLICATE_COMPONENT', `${serialized.slice(0, 96)} is covered twice (RFC 9421 section 2.5)`)
      }
      seen.add(key)
    }
    base += serialized + ': ' + componentValue(message, id, options) + '\n'
  }
  base += '"@signature-params": ' + signatureParams
  if (NOT_BASE_SAFE.test(base)) {
    throw new SignetError(
      'ERR_INVALID_COMPONENT',
      'a component value has characters outside printable ASCII; cover the field with ";bs" (RFC 9421 sections 2.1.3 and 2.5)',
    )
  }
  return base
}
