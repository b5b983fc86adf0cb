/**
 * The Accept-Signature field (RFC 9421 section 5.1): a dictionary in which each member asks
 * for one signature, with the components to cover and the parameters wanted. A parameter
 * without a value (`created`) asks the signer to include it with a value of its choosing.
 *
 * @module
 */
import { isInnerList } from 'structured-headers'
import { componentIdentifierFromItem, type ComponentIdentifier } from '../components/component-identifier.ts'
import { SignetError } from '../errors.ts'
import { limit, type SignatureLimits } from './limits.ts'
import { assertLabel, parseSignatureDictionary, serializeComponentList, serializeSignatureParams } from './signature-input.ts'
import { signatureParamsFromStructured } from './signature-params.ts'

/** One requested signature. */
export interface SignatureRequest {
  readonly label: string
  readonly components: ComponentIdentifier[]
  /** Requested parameters; `true` asks for the parameter without prescribing its value. */
  readonly params: Readonly<Record<string, string | number | boolean>>
}

/**
 * Parse the Accept-Signature field.
 *
 * @throws {SignetError} `ERR_MALFORMED_FIELD`, `ERR_INVALID_COMPONENT`, `ERR_INVALID_PARAMETER`,
 *   `ERR_FIELD_TOO_LARGE`, `ERR_TOO_MANY_SIGNATURES`, `ERR_TOO_MANY_COMPONENTS`.
 * @example parseAcceptSignature(['sig1=("@method");created;tag="app"']).get('sig1')?.params.created // true
 */
export function parseAcceptSignature(fieldValues: readonly string[], limits?: SignatureLimits): Map<string, SignatureRequest> {
  const dict = parseSignatureDictionary('Accept-Signature', fieldValues, limits)
  const maxComponents = limit(limits, 'maxComponents')
  const out = new Map<string, SignatureRequest>()
  for (const [label, member] of dict) {
    if (!isInnerList(member)) {
      throw new SignetError('ERR_MALFORMED_FIELD', `Accept-Signature member ${JSON.stringify(label)} is not an inner list (RFC 9421 section 5.1)`)
    }
    if (member[0].length > maxComponents) {
      throw new SignetError('ERR_TOO_MANY_COMPONENTS', `Accept-Signature member ${JSON.stringify(label)} lists ${member[0].length} components, over the limit of ${maxComponents}`)
    }
    out.set(label, {
      label,
      components: member[0].map(componentIdentifierFromItem),
      params: signatureParamsFromStructured(member[1], true),
    })
  }
  return out
}

/**
 * Serialize Accept-Signature members, joined with `", "`.
 *
 * @example
 * ```ts
 * serializeAcceptSignature([{ label: 'sig1', components: [parseComponentIdentifier('"@method"')], params: { created: true } }])
 * // 'sig1=("@method");created'
 * ```
 */
export function serializeAcceptSignature(requests: Iterable<SignatureRequest>): string {
  let out = ''
  for (const r of requests) {
    assertLabel(r.label)
    if (out !== '') out += ', '
    out += r.label + '=' + serializeComponentList(r.components) + serializeSignatureParams(r.params)
  }
  return out
}
