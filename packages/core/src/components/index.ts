/**
 * Component values (RFC 9421 section 2): one entry per derived component in a table, fields
 * handled by `field.ts`, and the `req` parameter (section 2.4) resolved here once for all.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import type { HttpMessage, HttpRequestMessage, HttpResponseMessage } from '../message.ts'
import { authority } from './authority.ts'
import type { ComponentIdentifier } from './component-identifier.ts'
import { fieldValue, type FieldOptions } from './field.ts'
import { method } from './method.ts'
import { path } from './path.ts'
import { queryParam } from './query-param.ts'
import { query } from './query.ts'
import { requestTarget } from './request-target.ts'
import { scheme } from './scheme.ts'
import { status } from './status.ts'
import { targetUri } from './target-uri.ts'

export type { ComponentIdentifier } from './component-identifier.ts'
export {
  componentKey,
  parseComponentIdentifier,
  serializeComponentIdentifier,
  toComponentIdentifier,
} from './component-identifier.ts'
export { normalizeAuthority } from './authority.ts'
export { parseQueryParams } from './query-param.ts'
export type { FieldOptions } from './field.ts'

/** Options of {@link componentValue}. */
export type ComponentOptions = FieldOptions

interface RequestComponent {
  readonly on: 'request'
  /** Parameters besides `req` that the component accepts. */
  readonly params: readonly string[]
  readonly value: (message: HttpRequestMessage, id: ComponentIdentifier) => string
}
interface ResponseComponent {
  readonly on: 'response'
  readonly params: readonly string[]
  readonly value: (message: HttpResponseMessage, id: ComponentIdentifier) => string
}

/** The derived components of RFC 9421 section 2.2, as data. */
const derived: ReadonlyMap<string, RequestComponent | ResponseComponent> = new Map<string, RequestComponent | ResponseComponent>([
  ['@method', { on: 'request', params: [], value: method }],
  ['@target-uri', { on: 'request', params: [], value: targetUri }],
  ['@authority', { on: 'request', params: [], value: authority }],
  ['@scheme', { on: 'request', params: [], value: scheme }],
  ['@request-target', { on: 'request', params: [], value: requestTarget }],
  ['@path', { on: 'request', params: [], value: path }],
  ['@query', { on: 'request', params: [], value: query }],
  ['@query-param', { on: 'request', params: ['name'], value: queryParam }],
  ['@status', { on: 'response', params: [], value: status }],
])

/** Names of the derived components Signet knows. */
export const derivedComponentNames: readonly string[] = [...derived.keys()]

/**
 * The canonical value of one component of a message (RFC 9421 section 2).
 *
 * @param message - the request or response.
 * @param id - the component identifier.
 * @param options - `fieldTypes` declares structured types for `;sf`.
 * @returns The value as it appears after `": "` in the signature base.
 * @throws {SignetError} `ERR_UNKNOWN_COMPONENT` for an unknown derived component,
 *   `ERR_MISSING_COMPONENT` when the message lacks it, `ERR_INVALID_COMPONENT` for parameters
 *   that do not apply or a component that does not apply to this kind of message,
 *   `ERR_AMBIGUOUS_QUERY_PARAM`, `ERR_MALFORMED_FIELD`.
 * @example componentValue(message, parseComponentIdentifier('"@method"')) // 'POST'
 */
export function componentValue(message: HttpMessage, id: ComponentIdentifier, options?: ComponentOptions): string {
  let target: HttpMessage = message
  const req = id.params.size === 0 ? undefined : id.params.get('req')
  if (req !== undefined) {
    if (req !== true) throw new SignetError('ERR_INVALID_COMPONENT', 'the "req" parameter is a bare flag (RFC 9421 section 2.4)')
    if (message.kind !== 'response') {
      throw new SignetError('ERR_INVALID_COMPONENT', '"req" applies only to a response (RFC 9421 section 2.4)')
    }
    if (message.request === undefined) {
      throw new SignetError('ERR_MISSING_COMPONENT', `${id.name} has "req" but the response has no related request`)
    }
    target = message.request
  }
  const name = id.name
  if (name.charCodeAt(0) !== 0x40 /* @ */) return fieldValue(target, id, options)

  const component = derived.get(name)
  if (component === undefined) {
    if (name === '@signature-params') {
      throw new SignetError('ERR_INVALID_COMPONENT', '"@signature-params" cannot be a covered component (RFC 9421 section 2.3)')
    }
    throw new SignetError('ERR_UNKNOWN_COMPONENT', `unknown derived component ${JSON.stringify(name.slice(0, 64))}`)
  }
  if (id.params.size !== 0) {
    for (const param of id.params.keys()) {
      if (param !== 'req' && !component.params.includes(param)) {
        throw new SignetError('ERR_INVALID_COMPONENT', `${name} does not take the ${JSON.stringify(param.slice(0, 32))} parameter`)
      }
    }
  }
  if (component.on === 'request') {
    if (target.kind !== 'request') {
      throw new SignetError('ERR_INVALID_COMPONENT', `${name} applies to a request; a response covers it with "req" (RFC 9421 section 2.4)`)
    }
    return component.value(target, id)
  }
  if (target.kind !== 'response') throw new SignetError('ERR_INVALID_COMPONENT', `${name} applies only to a response`)
  return component.value(target, id)
}
