/**
 * Component identifiers (RFC 9421 section 2): an sf-string naming a field or a derived
 * component, with parameters (`sf`, `key`, `bs`, `req`, `tr`, `name`).
 *
 * Parsing goes through the strict RFC 8941 item parser of `structured-headers`, never a regex
 * over the text, so `"content-type";sf` and `"content-type"; sf` mean exactly what the
 * structured-field rules say they mean. Serialization is written out by hand because it is on
 * the signing hot path and the grammar is tiny: an sf-string and boolean or string parameters.
 *
 * @module
 */
import { parseItem, type Item } from 'structured-headers'
import { SignetError } from '../errors.ts'

/**
 * One covered component: its name (a lower-case field name, or `@` and a derived component
 * name) and its parameters in the order given.
 */
export interface ComponentIdentifier {
  readonly name: string
  readonly params: Map<string, string | boolean>
}

// tchar (RFC 9110 section 5.6.2) without upper-case letters: component names for fields are
// the lower-cased field name (RFC 9421 section 2.1).
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/
const DERIVED_NAME = /^@[a-z][a-z0-9-]*$/

// The same two rules as a table over ASCII, for the per-request path (a received list is
// checked component by component): bit 1 a field-name character, bit 2 a derived-name
// character after the first.
const nameChars = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128)
  for (const c of "!#$%&'*+-.^_`|~") t[c.charCodeAt(0)] = 1
  for (let c = 0x30; c <= 0x39; c++) t[c] = 3
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 3
  t[0x2d] = 3
  return t
})()

/**
 * True when `name` matches FIELD_NAME or DERIVED_NAME (kept above as the definition; the
 * tests check the two agree).
 *
 * @internal
 */
export function isComponentName(name: string): boolean {
  const n = name.length
  if (n === 0) return false
  if (name.charCodeAt(0) === 0x40) {
    // `@` then a lower-case letter, then letters, digits and hyphens.
    const first = name.charCodeAt(1)
    if (!(first >= 0x61 && first <= 0x7a)) return false
    for (let i = 2; i < n; i++) {
      const c = name.charCodeAt(i)
      if (c >= 128 || ((nameChars[c] as number) & 2) === 0) return false
    }
    return true
  }
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i)
    if (c >= 128 || ((nameChars[c] as number) & 1) === 0) return false
  }
  return true
}

function invalid(message: string, cause?: unknown): SignetError {
  return new SignetError('ERR_INVALID_COMPONENT', message, cause === undefined ? undefined : { cause })
}

/**
 * Build an identifier from a parsed structured-field item (a member of a Signature-Input or
 * Accept-Signature inner list).
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` when the item is not a string, the name is not a
 *   lower-case field name or `@name`, or a parameter value is not a string or `true`.
 */
export function componentIdentifierFromItem(item: Item): ComponentIdentifier {
  const bare = item[0]
  if (typeof bare !== 'string') throw invalid('component identifiers are sf-strings (RFC 9421 section 2)')
  if (!isComponentName(bare)) {
    throw invalid(`component name ${JSON.stringify(bare.slice(0, 64))} is not a lower-case field name or @derived name`)
  }
  const params = new Map<string, string | boolean>()
  if (item[1].size === 0) return { name: bare, params }
  for (const [key, value] of item[1]) {
    if (value === true || typeof value === 'string') params.set(key, value)
    else throw invalid(`component parameter ${JSON.stringify(key)} must be a string or a bare flag`)
  }
  return { name: bare, params }
}

/**
 * Parse one component identifier in RFC 9421 syntax.
 *
 * @param text - e.g. `"@query-param";name="Pet"` or `"example-dict";key="a"`.
 * @returns The identifier; parameters keep their order.
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for anything that is not a valid identifier.
 * @example parseComponentIdentifier('"@query-param";name="Pet"').params.get('name') // 'Pet'
 */
export function parseComponentIdentifier(text: string): ComponentIdentifier {
  if (typeof text !== 'string') throw new TypeError('"text" expected a string')
  let item: Item
  try {
    item = parseItem(text)
  } catch (err) {
    throw invalid(`malformed component identifier ${JSON.stringify(text.slice(0, 64))}`, err)
  }
  return componentIdentifierFromItem(item)
}

/**
 * Serialize an sf-string (RFC 8941 section 4.1.6): printable ASCII, with `"` and `\` escaped.
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for characters outside printable ASCII.
 */
export function serializeSfString(value: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) throw invalid('sf-string values are printable ASCII (RFC 8941 section 3.3.3)')
    if (c === 0x22 || c === 0x5c) {
      out += value.slice(start, i) + '\\'
      start = i
    }
  }
  return out + value.slice(start) + '"'
}

const KEY = /^[a-z*][a-z0-9_\-.*]*$/

/**
 * Serialize an identifier: the quoted name and its parameters in order.
 *
 * @example serializeComponentIdentifier({ name: 'example-dict', params: new Map([['key', 'a']]) })
 *   // '"example-dict";key="a"'
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for a parameter key or value that cannot be
 *   serialized.
 */
export function serializeComponentIdentifier(id: ComponentIdentifier): string {
  let out = serializeSfString(id.name)
  if (id.params.size === 0) return out
  for (const [key, value] of id.params) {
    if (!KEY.test(key)) throw invalid(`component parameter key ${JSON.stringify(key.slice(0, 64))} is not an sf-key`)
    if (value === true) out += ';' + key
    else if (typeof value === 'string') out += ';' + key + '=' + serializeSfString(value)
    else throw invalid(`component parameter ${JSON.stringify(key)} must be a string or true`)
  }
  return out
}

/**
 * A key under which two identifiers that name the same component compare equal, whatever the
 * order of their parameters (RFC 9421 section 2.5 step 2.1 forbids covering a component twice).
 */
export function componentKey(id: ComponentIdentifier): string {
  if (id.params.size < 2) return serializeComponentIdentifier(id)
  const sorted = [...id.params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return serializeComponentIdentifier({ name: id.name, params: new Map(sorted) })
}

/**
 * Accept either identifier syntax (`"@method"`, `"a";key="b"`) or a bare name (`@method`,
 * `content-type`), as options and CLI flags are written both ways.
 *
 * @throws {SignetError} `ERR_INVALID_COMPONENT` for an invalid identifier.
 */
export function toComponentIdentifier(input: string | ComponentIdentifier): ComponentIdentifier {
  if (typeof input !== 'string') return input
  if (input.charCodeAt(0) === 0x22) return parseComponentIdentifier(input)
  if (!(FIELD_NAME.test(input) || DERIVED_NAME.test(input))) {
    throw invalid(`component name ${JSON.stringify(input.slice(0, 64))} is not a lower-case field name or @derived name`)
  }
  return { name: input, params: new Map() }
}
