/**
 * Which components a request signature covers, checked when the signer is created.
 *
 * Defaults follow DESIGN.md and RFC 9421 section 7.2.1 (cover what an attacker could change to
 * alter the meaning of the request): `@method`, `@target-uri`, `content-digest` when there is a
 * body (RFC 9421 section 7.2.8: the signature covers the body only through a digest), and
 * `content-type` when present.
 *
 * Identifier text is read here, not by core's RFC 8941 parser: the client reaches only
 * `@signet/core/signing` until a request needs more (full-core.ts), and the grammar of a
 * component identifier is small (RFC 9421 section 2: an sf-string, then parameters whose values
 * are sf-strings or `true`). Anything outside it is refused as core refuses it,
 * `ERR_INVALID_COMPONENT`.
 *
 * @module
 */
import { SignetError } from '@signet/core/signing'
import type { ComponentIdentifier } from '@signet/core'

// RFC 9110 section 5.6.2 tchar, lower-case (RFC 9421 section 2.1), and `@name` (section 2.2).
const COMPONENT_NAME = /^(?:[!#$%&'*+\-.^_`|~0-9a-z]+|@[a-z][a-z0-9-]*)$/
// RFC 8941 section 3.1.2: a parameter key.
const KEY = /^[a-z*][a-z0-9_\-.*]*$/

function invalid(message: string): SignetError {
  return new SignetError('ERR_INVALID_COMPONENT', message)
}

/**
 * Read an sf-string (RFC 8941 section 3.3.3) starting at the quote at `at`.
 *
 * @returns the string and the index after its closing quote.
 */
function readString(text: string, at: number): [string, number] {
  let out = ''
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) return [out, i + 1]
    if (c === 0x5c) {
      const next = text.charCodeAt(++i)
      if (next !== 0x22 && next !== 0x5c) break
      out += text[i]
    } else if (c < 0x20 || c > 0x7e) break
    else out += text[i]
  }
  throw invalid(`malformed component identifier ${JSON.stringify(text.slice(0, 64))}`)
}

/**
 * Parse identifier text: a bare name (`content-type`, `@method`) or RFC 9421 syntax
 * (`"@query-param";name="id"`, `"example-dict";key="a";sf`).
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for anything that is not an identifier.
 */
export function parseIdentifier(input: string): ComponentIdentifier {
  const params = new Map<string, string | boolean>()
  if (input.charCodeAt(0) !== 0x22) {
    if (!COMPONENT_NAME.test(input)) throw invalid(`component name ${JSON.stringify(input.slice(0, 64))} is not a lower-case field name or @derived name`)
    return { name: input, params }
  }
  // RFC 8941 section 4.2: surrounding spaces are discarded.
  const text = input.trim()
  const [name, end] = readString(text, 0)
  if (!COMPONENT_NAME.test(name)) throw invalid(`component name ${JSON.stringify(name.slice(0, 64))} is not a lower-case field name or @derived name`)
  let i = end
  while (i < text.length) {
    // RFC 8941 section 4.2.3.2: ";" *SP key [ "=" bare-item ]; values here are strings or ?1.
    if (text[i] !== ';') throw invalid(`malformed component identifier ${JSON.stringify(text.slice(0, 64))}`)
    i++
    while (text[i] === ' ') i++
    const key = /^[a-z*][a-z0-9_\-.*]*/.exec(text.slice(i))?.[0]
    if (key === undefined) throw invalid(`malformed component identifier ${JSON.stringify(text.slice(0, 64))}`)
    i += key.length
    let value: string | boolean = true
    if (text[i] === '=') {
      if (text[i + 1] === '"') [value, i] = readString(text, i + 1)
      else if (text.startsWith('?1', i + 1)) i += 3
      else throw invalid(`component parameter ${JSON.stringify(key)} must be a string or a bare flag`)
    }
    params.set(key, value)
  }
  return { name, params }
}

/**
 * Serialize an sf-string: printable ASCII, `"` and `\` escaped.
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for other characters.
 */
function sfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) throw invalid('sf-string values are printable ASCII (RFC 8941 section 3.3.3)')
  return '"' + value.replace(/["\\]/g, '\\$&') + '"'
}

/**
 * An identifier in RFC 9421 syntax: the quoted name and its parameters in order.
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for a key or value that cannot be serialized.
 */
export function serializeIdentifier(id: ComponentIdentifier): string {
  let out = sfString(id.name)
  for (const [key, value] of id.params) {
    if (!KEY.test(key)) throw invalid(`component parameter key ${JSON.stringify(key.slice(0, 64))} is not an sf-key`)
    if (value === true) out += ';' + key
    else if (typeof value === 'string') out += ';' + key + '=' + sfString(value)
    else throw invalid(`component parameter ${JSON.stringify(key)} must be a string or true`)
  }
  return out
}

// Two identifiers naming the same component, whatever the order of their parameters.
function componentKey(id: ComponentIdentifier): string {
  if (id.params.size < 2) return serializeIdentifier(id)
  return serializeIdentifier({ name: id.name, params: new Map([...id.params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) })
}

// RFC 9421 section 2.2: the derived components a request can carry. `@status` belongs to
// responses and `@signature-params` is never listed (section 2.3).
const REQUEST_DERIVED = new Set([
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
  '@query-param',
])

/** A component as the caller may give it: the identifier text or a parsed identifier. */
export type ComponentInput = string | ComponentIdentifier

/**
 * Parse and check a caller's component list.
 *
 * @param list - the `components` option.
 * @param option - the option name for messages.
 * @returns parsed identifiers in the given order.
 * @throws {TypeError} naming the option when it is not an array of strings or identifiers.
 * @throws {SignetError} `ERR_UNKNOWN_COMPONENT` for a derived component RFC 9421 does not define,
 * `ERR_INVALID_COMPONENT` for one a request cannot carry, `ERR_DUPLICATE_COMPONENT` for a repeat
 * (RFC 9421 section 2.5), or the parser's code for malformed text.
 */
export function checkComponents(list: unknown, option = 'components'): ComponentIdentifier[] {
  if (!Array.isArray(list)) throw new TypeError(`"${option}" must be an array of component identifiers`)
  const out: ComponentIdentifier[] = []
  const seen = new Set<string>()
  for (const item of list as unknown[]) {
    let id: ComponentIdentifier
    if (typeof item === 'string') {
      id = parseIdentifier(item)
    } else if (typeof item === 'object' && item !== null && typeof (item as ComponentIdentifier).name === 'string') {
      id = item as ComponentIdentifier
    } else {
      throw new TypeError(`"${option}" must contain strings or component identifiers`)
    }
    checkRequestComponent(id)
    const key = componentKey(id)
    if (seen.has(key)) throw new SignetError('ERR_DUPLICATE_COMPONENT', `component ${key} is listed twice`)
    seen.add(key)
    out.push(id)
  }
  return out
}

/**
 * The identifiers in RFC 9421 syntax, as one reusable array (core parses a string list once per
 * array object, so a signer passing the same array on every request pays the parse once).
 */
export function serializeComponents(ids: readonly ComponentIdentifier[]): readonly string[] {
  return ids.map(serializeIdentifier)
}

/**
 * Refuse a component a request signature cannot cover.
 *
 * @throws {SignetError} `ERR_UNKNOWN_COMPONENT` or `ERR_INVALID_COMPONENT`.
 */
export function checkRequestComponent(id: ComponentIdentifier): void {
  // `;req` names a component of the related request, which only a response signature has.
  if (id.params.has('req')) {
    throw new SignetError('ERR_INVALID_COMPONENT', `component "${id.name}" with ;req cannot be covered by a request signature`)
  }
  if (!id.name.startsWith('@')) return
  if (id.name === '@status' || id.name === '@signature-params') {
    throw new SignetError('ERR_INVALID_COMPONENT', `component "${id.name}" cannot be covered by a request signature`)
  }
  if (!REQUEST_DERIVED.has(id.name)) {
    throw new SignetError('ERR_UNKNOWN_COMPONENT', `unknown derived component ${JSON.stringify(id.name.slice(0, 64))}`)
  }
}

/**
 * The default covered components for one request.
 *
 * @param hasDigest - whether the request carries a Content-Digest the signer computed.
 * @param hasContentType - whether the request has a Content-Type.
 */
export function defaultComponents(hasDigest: boolean, hasContentType: boolean): readonly string[] {
  // The same array objects every time: core caches a parsed component list per array.
  return DEFAULTS[(hasDigest ? 2 : 0) + (hasContentType ? 1 : 0)] as readonly string[]
}

const DEFAULTS: readonly (readonly string[])[] = [
  ['@method', '@target-uri'],
  ['@method', '@target-uri', 'content-type'],
  ['@method', '@target-uri', 'content-digest'],
  ['@method', '@target-uri', 'content-digest', 'content-type'],
]
