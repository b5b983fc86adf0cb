/**
 * Component values for the lean signing entry: the derived request components of RFC 9421
 * section 2.2 that take no parameter, and HTTP fields without parameters (section 2.1).
 *
 * `componentValue` (index.ts) covers every component and parameter, and with `sf` and `key` it
 * re-serializes structured fields through a full RFC 8941 parser; a client that signs the usual
 * profile (`@method`, `@target-uri`, `content-digest`, `content-type`) needs none of that. The
 * values come from the same component modules, so both paths produce the same bytes.
 *
 * @module
 */
import { SignetError } from '../errors.ts'
import type { HttpRequestMessage } from '../message.ts'
import { authority } from './authority.ts'
import { method } from './method.ts'
import { path } from './path.ts'
import { query } from './query.ts'
import { requestTarget } from './request-target.ts'
import { scheme } from './scheme.ts'
import { targetUri } from './target-uri.ts'

const derived: Readonly<Record<string, (message: HttpRequestMessage) => string>> = {
  '@method': method,
  '@target-uri': targetUri,
  '@authority': authority,
  '@scheme': scheme,
  '@request-target': requestTarget,
  '@path': path,
  '@query': query,
}

// RFC 9110 section 5.1 field names (tokens), lower-case as RFC 9421 section 2.1 requires.
const FIELD_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

/**
 * Whether the lean entry can compute `name`: a parameterless derived request component, or a
 * lower-case field name.
 *
 * @example isBasicComponent('@method') // true; isBasicComponent('@query-param') // false
 */
export function isBasicComponent(name: string): boolean {
  return Object.hasOwn(derived, name) || FIELD_NAME.test(name)
}

/**
 * The value of a parameterless component of a request (RFC 9421 sections 2.1 and 2.2).
 *
 * @param message - the request.
 * @param name - a derived component name (`@method`) or a lower-case field name.
 * @returns the value as it appears after `": "` in the signature base: a field's lines
 *   joined with `", "` (the message builders already trimmed them).
 * @throws {SignetError} `ERR_MISSING_COMPONENT` when the request lacks it,
 *   `ERR_UNKNOWN_COMPONENT` for any other name.
 * @example basicComponentValue(message, '@target-uri') // 'https://example.com/foo?param=Value'
 */
export function basicComponentValue(message: HttpRequestMessage, name: string): string {
  const value = Object.hasOwn(derived, name) ? derived[name] : undefined
  if (value !== undefined) return value(message)
  if (!FIELD_NAME.test(name)) throw new SignetError('ERR_UNKNOWN_COMPONENT', `the lean signing entry cannot compute ${JSON.stringify(name.slice(0, 64))}`)
  let joined: string | undefined
  for (const line of message.fields) {
    if (line.name === name) joined = joined === undefined ? line.value : joined + ', ' + line.value
  }
  if (joined === undefined) throw new SignetError('ERR_MISSING_COMPONENT', `the message has no ${JSON.stringify(name)} field`)
  return joined
}
