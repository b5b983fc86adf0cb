/**
 * The Signature-Input field (RFC 9421 section 4.1): a dictionary whose members are inner lists
 * of component identifiers, with the signature parameters on the inner list.
 *
 * Parsing is strict: the fast scanner of `dictionary.ts`, with `structured-headers` for what it
 * leaves (and as the reference it is tested against). Each member keeps `serialized`, the
 * inner list re-serialized with its parameters in the received order and unknown parameters
 * kept: that is the `@signature-params` value a verifier must use (RFC 9421 section 3.2). A
 * member received in canonical form is sliced from the field rather than rebuilt.
 *
 * @module
 */
import { isInnerList, serializeInnerList, type Dictionary, type InnerList } from 'structured-headers'
import { componentIdentifierFromItem, serializeComponentIdentifier, serializeSfString, type ComponentIdentifier } from '../components/component-identifier.ts'
import { SignetError } from '../errors.ts'
import { parseStructuredDictionary, type MemberSpan } from './dictionary.ts'
import { fastSignatureInputMember } from './signature-input-fast.ts'
import { defaultLimits, joinFieldValues, limit, type SignatureLimits } from './limits.ts'
import type { SignatureInputMember } from './signature-input-member.ts'
import { signatureParamsFromStructured, type SignatureParams } from './signature-params.ts'

/** A parsed dictionary field with the text it came from and, when known, its member spans. */
interface DictionaryField {
  readonly text: string
  readonly dictionary: Dictionary
  readonly spans: Map<string, MemberSpan> | undefined
}

function parseDictionaryField(fieldName: string, fieldValues: readonly string[], limits?: SignatureLimits, withSpans = false): DictionaryField {
  const text = joinFieldValues(fieldName, fieldValues, limits)
  let parsed: ReturnType<typeof parseStructuredDictionary>
  try {
    parsed = parseStructuredDictionary(text, withSpans)
  } catch (err) {
    throw new SignetError('ERR_MALFORMED_FIELD', `the ${fieldName} field is not a valid structured dictionary`, { cause: err })
  }
  const max = limit(limits, 'maxSignatures')
  if (parsed.dictionary.size > max) {
    throw new SignetError('ERR_TOO_MANY_SIGNATURES', `the ${fieldName} field has ${parsed.dictionary.size} members, over the limit of ${max}`)
  }
  return { text, dictionary: parsed.dictionary, spans: parsed.spans }
}

/**
 * Parse one structured dictionary field, mapping parser failures to `ERR_MALFORMED_FIELD`.
 *
 * @throws {SignetError} `ERR_MALFORMED_FIELD`, `ERR_FIELD_TOO_LARGE`, `ERR_TOO_MANY_SIGNATURES`.
 */
export function parseSignatureDictionary(fieldName: string, fieldValues: readonly string[], limits?: SignatureLimits): Dictionary {
  return parseDictionaryField(fieldName, fieldValues, limits).dictionary
}

/**
 * Parse the Signature-Input field.
 *
 * @param fieldValues - every Signature-Input field line, in order (they form one dictionary).
 * @param limits - size limits.
 * @returns Members by label, in field order.
 * @throws {SignetError} `ERR_MALFORMED_FIELD` (not a dictionary of inner lists),
 *   `ERR_INVALID_COMPONENT`, `ERR_INVALID_PARAMETER`, `ERR_FIELD_TOO_LARGE`,
 *   `ERR_TOO_MANY_SIGNATURES`, `ERR_TOO_MANY_COMPONENTS`.
 * @example parseSignatureInput(['sig1=("@method");created=1']).get('sig1')?.params.created // 1
 */
export function parseSignatureInput(fieldValues: readonly string[], limits?: SignatureLimits): Map<string, SignatureInputMember> {
  const members = parseSignatureInputMembers(fieldValues, limits)
  const out = new Map<string, SignatureInputMember>()
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as SignatureInputMember
    out.set(member.label, member)
  }
  return out
}

/**
 * {@link parseSignatureInput} as an array in field order (labels are unique: a repeated key
 * keeps its first position and its last value, RFC 9651 section 4.2.2), for `parseSignatures`,
 * which needs no map of its own.
 *
 * @internal
 */
export function parseSignatureInputMembers(fieldValues: readonly string[], limits?: SignatureLimits): SignatureInputMember[] {
  // The usual field, one canonical member, read in one pass (signature-input-fast.ts); the
  // general path below for everything else, including every error.
  if (Array.isArray(fieldValues) && fieldValues.length === 1) {
    const text = joinFieldValues('Signature-Input', fieldValues, limits)
    const fast = fastSignatureInputMember(text, quietLimit(limits, 'maxComponents'), quietLimit(limits, 'maxSignatures'))
    if (fast !== undefined) return [fast]
  }
  return parseSignatureInputGeneral(fieldValues, limits)
}

/**
 * A limit for the fast paths, 0 for an invalid one: the general path then throws on it, in its
 * own order.
 *
 * @internal
 */
export function quietLimit(limits: SignatureLimits | undefined, name: keyof SignatureLimits): number {
  const value = limits === undefined ? undefined : limits[name]
  if (value === undefined) return defaultLimits[name]
  return Number.isInteger(value) && value >= 1 ? value : 0
}

/**
 * {@link parseSignatureInputMembers} without the one-pass reading of a canonical member: the
 * reference the fast path is tested against.
 *
 * @internal
 */
export function parseSignatureInputGeneral(fieldValues: readonly string[], limits?: SignatureLimits): SignatureInputMember[] {
  const { text, dictionary, spans } = parseDictionaryField('Signature-Input', fieldValues, limits, true)
  const maxComponents = limit(limits, 'maxComponents')
  const out: SignatureInputMember[] = []
  for (const entry of dictionary) {
    const label = entry[0]
    const member = entry[1]
    if (!isInnerList(member)) {
      throw new SignetError('ERR_MALFORMED_FIELD', `Signature-Input member ${JSON.stringify(label)} is not an inner list (RFC 9421 section 4.1)`)
    }
    const items = member[0]
    if (items.length > maxComponents) {
      throw new SignetError('ERR_TOO_MANY_COMPONENTS', `signature ${JSON.stringify(label)} covers ${items.length} components, over the limit of ${maxComponents}`)
    }
    const components = items.map(componentIdentifierFromItem)
    const params = signatureParamsFromStructured(member[1])
    // A member received in canonical form is its own re-serialization (dictionary.ts).
    const span = spans?.get(label)
    const serialized = span !== undefined && span.canonical ? text.slice(span.start, span.end) : reserialize(label, member, components)
    out.push({ label, components, params, serialized })
  }
  return out
}

/**
 * The `@signature-params` value of a received member: the inner list re-serialized (RFC 8941
 * section 4.1), parameters in received order. Strings, integers and flags, which is all that
 * RFC 9421 defines, are written directly; a member with any other parameter type (a token, a
 * decimal, bytes, a date) goes through the `structured-headers` serializer.
 */
function reserialize(label: string, member: InnerList, components: readonly ComponentIdentifier[]): string {
  let params = ''
  for (const [name, value] of member[1]) {
    if (value === true) params += ';' + name
    else if (typeof value === 'string') params += ';' + name + '=' + serializeSfString(value)
    else if (typeof value === 'number' && Number.isInteger(value)) params += ';' + name + '=' + value
    else {
      try {
        return serializeInnerList(member)
      } catch (err) {
        throw new SignetError('ERR_MALFORMED_FIELD', `Signature-Input member ${JSON.stringify(label)} cannot be re-serialized`, { cause: err })
      }
    }
  }
  return serializeComponentList(components) + params
}

const LABEL = /^[a-z*][a-z0-9_\-.*]*$/

/** Check that a label is an sf-key (RFC 8941 section 3.2), as dictionary keys must be. */
export function assertLabel(label: string): void {
  if (typeof label !== 'string' || !LABEL.test(label)) {
    throw new TypeError(`"label" must be a structured-field key (lower-case letter or *, then a-z 0-9 _ - . *), got ${JSON.stringify(String(label).slice(0, 32))}`)
  }
}

/**
 * Serialize the inner list of covered components without parameters: `("@method" "@path")`.
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for an identifier that cannot be serialized.
 */
export function serializeComponentList(components: readonly ComponentIdentifier[]): string {
  let out = '('
  for (let i = 0; i < components.length; i++) {
    if (i > 0) out += ' '
    out += serializeComponentIdentifier(components[i] as ComponentIdentifier)
  }
  return out + ')'
}

/**
 * Serialize signature parameters in the order of the object's keys: integers for `created`
 * and `expires`, sf-strings for strings, `?0` for false and a bare key for true.
 *
 * @throws {TypeError} for a value of another type or a key that is not an sf-key.
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for a string with non-printable characters.
 */
export function serializeSignatureParams(params: SignatureParams): string {
  let out = ''
  for (const name in params) {
    const value = params[name]
    if (value === undefined) continue
    if (!LABEL.test(name)) throw new TypeError(`signature parameter name ${JSON.stringify(name.slice(0, 32))} is not a structured-field key`)
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || Math.abs(value) > 999_999_999_999_999) {
        throw new TypeError(`"${name}" must be an integer of at most 15 digits`)
      }
      out += ';' + name + '=' + value
    } else if (typeof value === 'string') out += ';' + name + '=' + serializeSfString(value)
    else if (value === true) out += ';' + name
    else if (value === false) out += ';' + name + '=?0'
    else throw new TypeError(`"${name}" has an unsupported type`)
  }
  return out
}

/**
 * Serialize one Signature-Input member, `label=(...);params`, parameters in key order.
 *
 * @example
 * ```ts
 * serializeSignatureInputMember({ label: 'sig1', components: [parseComponentIdentifier('"@method"')], params: { created: 1 } })
 * // 'sig1=("@method");created=1'
 * ```
 */
export function serializeSignatureInputMember(member: {
  readonly label: string
  readonly components: readonly ComponentIdentifier[]
  readonly params: SignatureParams
}): string {
  assertLabel(member.label)
  return member.label + '=' + serializeComponentList(member.components) + serializeSignatureParams(member.params)
}
