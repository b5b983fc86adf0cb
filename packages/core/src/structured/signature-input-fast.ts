/**
 * Why hand-written: kept by measurement, a canonical member is read in about 1.7 µs here against
 * 6.2 µs through the general path (Node 20, issue 18); property tests hold the two to one answer.
 *
 * The common Signature-Input field in one pass: a single member in canonical form (RFC 9651
 * section 4.1), `label=("name" ...);key=value...`, covered components without parameters,
 * parameters that are non-negative integers or strings without escapes. That is what every
 * client sends, and reading it straight into a `SignatureInputMember` skips the dictionary, the
 * spans, the item tuples and the parameter maps of the general path.
 *
 * The scan accepts a strict subset of what the general path (`parseSignatureInput` through the
 * dictionary scanner and `structured-headers`) accepts, and gives the same member. Anything
 * else, valid or not, returns `undefined` and the general path decides (and words the error):
 * more members, whitespace, escapes, component parameters, a negative or zero-led integer, a
 * flag, a repeated parameter, a component name or a parameter type RFC 9421 refuses, a member
 * over the limits. The property tests in `test/perf3-signature-input.test.ts` compare the two.
 *
 * The Signature field gets the same treatment ({@link fastSignatureMember}): one member,
 * `label=:base64:`, the base64 canonical, else the general path.
 *
 * @module
 */
import { decodeBase64Range } from '../bytes.ts'
import { isComponentName, type ComponentIdentifier } from '../components/component-identifier.ts'
import type { SignatureInputMember } from './signature-input-member.ts'
import type { SignatureParams } from './signature-params.ts'

// sf-key (RFC 9651 section 3.2): first character a-z or *, then a-z 0-9 _ - . *
function keyStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || c === 0x2a
}
function keyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x2a
}

// Names that occur in nearly every field: returning the literal instead of a fresh slice saves
// the allocation and, when the name becomes a property or map key, internalizing it.
const PARAM_NAMES: readonly string[] = ['created', 'keyid', 'nonce', 'alg', 'expires', 'tag']
const COMPONENT_NAMES: readonly string[] = ['@method', '@target-uri', '@authority', '@path', '@query', '@status', 'content-digest', 'content-type', 'host', 'date']

/** The literal of `names` that `text[start, end)` spells, or undefined. */
function knownOrUndefined(names: readonly string[], text: string, start: number, end: number): string | undefined {
  const index = knownIndex(names, text, start, end)
  return index < 0 ? undefined : names[index]
}

/** The index in `names` of the literal that `text[start, end)` spells, or -1. */
function knownIndex(names: readonly string[], text: string, start: number, end: number): number {
  const length = end - start
  next: for (let i = 0; i < names.length; i++) {
    const name = names[i] as string
    if (name.length !== length) continue
    for (let j = 0; j < length; j++) if (name.charCodeAt(j) !== text.charCodeAt(start + j)) continue next
    return i
  }
  return -1
}

function unparameterized(name: string): ComponentIdentifier {
  return { name, params: new Map() }
}

// The inner list of the last member scanned, `("@method" ...)`, and its component names: a
// client sends the same list on every request. Bounded, so a huge list is not kept alive.
let lastList: { readonly text: string; readonly names: readonly string[] } | undefined
const MAX_REMEMBERED_LIST = 1024

/** End of an sf-key starting at `p`, or -1. */
function keyEnd(text: string, p: number): number {
  if (!keyStart(text.charCodeAt(p))) return -1
  p++
  while (p < text.length && keyChar(text.charCodeAt(p))) p++
  return p
}

/** End (past the closing quote) of an sf-string without escapes starting at `p` (a `"`), or -1. */
function stringEnd(text: string, p: number): number {
  for (let i = p + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) return i + 1
    // An escape goes to the general path; a character outside printable ASCII is invalid there.
    if (c === 0x5c || c < 0x20 || c > 0x7e) return -1
  }
  return -1
}

/**
 * The member of a Signature-Input field that is one canonical member, or undefined to leave the
 * field to the general path.
 *
 * @param text - the field value (already checked against `maxFieldLength`).
 * @param maxComponents - the limit on covered components.
 * @param maxSignatures - the limit on members.
 * @internal
 */
export function fastSignatureInputMember(text: string, maxComponents: number, maxSignatures: number): SignatureInputMember | undefined {
  // A zero limit stands for an invalid one, which the general path reports.
  if (maxSignatures < 1 || maxComponents < 1) return undefined
  const labelEnd = keyEnd(text, 0)
  if (labelEnd < 0 || text.charCodeAt(labelEnd) !== 0x3d || text.charCodeAt(labelEnd + 1) !== 0x28) return undefined
  const open = labelEnd + 1
  let p: number
  let components: ComponentIdentifier[]
  const known = lastList
  // A slice compared whole is faster in V8 than startsWith at an offset or a loop of charCodeAt.
  if (known !== undefined && text.slice(open, open + known.text.length) === known.text) {
    // The same inner list as the last member read here: the scan would read the same characters
    // to the same `)`, so its names are known. Each member still gets its own identifiers.
    components = known.names.map(unparameterized)
    p = open + known.text.length - 1
  } else {
    p = open + 1
    components = []
    if (text.charCodeAt(p) !== 0x29) {
      for (;;) {
        if (text.charCodeAt(p) !== 0x22) return undefined
        const end = stringEnd(text, p)
        if (end < 0) return undefined
        // The listed names are valid component names; any other is checked.
        let name = knownOrUndefined(COMPONENT_NAMES, text, p + 1, end - 1)
        if (name === undefined) {
          name = text.slice(p + 1, end - 1)
          if (!isComponentName(name)) return undefined
        }
        components.push(unparameterized(name))
        // Over the limit: stop now rather than build thousands of identifiers the general path
        // then refuses anyway (issue 11.10).
        if (components.length > maxComponents) return undefined
        p = end
        const c = text.charCodeAt(p)
        if (c === 0x29) break
        // Exactly one space between items (canonical); a parameter on an item goes the general way.
        if (c !== 0x20) return undefined
        p++
      }
    }
    const listText = text.slice(open, p + 1)
    if (listText.length <= MAX_REMEMBERED_LIST) lastList = { text: listText, names: components.map((c) => c.name) }
  }
  if (components.length > maxComponents) return undefined
  p++ // past `)`
  const params: Record<string, string | number> = {}
  // The listed names seen so far, one bit each: no property lookup for them.
  let seen = 0
  while (p < text.length) {
    if (text.charCodeAt(p) !== 0x3b) return undefined
    const start = p + 1
    const end = keyEnd(text, start)
    if (end < 0 || text.charCodeAt(end) !== 0x3d) return undefined
    const index = knownIndex(PARAM_NAMES, text, start, end)
    let name: string
    if (index >= 0) {
      // A repeated name: the general path.
      if ((seen & (1 << index)) !== 0) return undefined
      seen |= 1 << index
      name = PARAM_NAMES[index] as string
    } else {
      name = text.slice(start, end)
      // A repeated name (or one an Object inherits, such as `constructor`): the general path.
      if (params[name] !== undefined) return undefined
    }
    p = end + 1
    const c = text.charCodeAt(p)
    if (c === 0x22) {
      const stop = stringEnd(text, p)
      if (stop < 0 || name === 'created' || name === 'expires') return undefined
      params[name] = text.slice(p + 1, stop - 1)
      p = stop
    } else if (c >= 0x30 && c <= 0x39) {
      let q = p
      let value = 0
      while (q < text.length) {
        const d = text.charCodeAt(q)
        if (d < 0x30 || d > 0x39) break
        value = value * 10 + (d - 0x30)
        q++
      }
      // At most 15 digits, no leading zero, not a decimal; created/expires or another name.
      if (q - p > 15 || (c === 0x30 && q - p > 1) || text.charCodeAt(q) === 0x2e) return undefined
      if (name === 'nonce' || name === 'alg' || name === 'keyid' || name === 'tag') return undefined
      params[name] = value
      p = q
    } else return undefined
  }
  const serialized = text.slice(open)
  lastScanned = serialized
  return { label: text.slice(0, labelEnd), components, params: params as SignatureParams, serialized }
}

// The `serialized` text of the last member this scan returned: printable ASCII throughout, as
// every character of it was checked on the way.
let lastScanned: string | undefined

/**
 * True when `text` is the serialized text of the last member {@link fastSignatureInputMember}
 * returned (or equal to it), so it is known to be printable ASCII without another pass.
 *
 * @internal
 */
export function isScannedMemberText(text: string): boolean {
  return text === lastScanned
}

/**
 * The one member of a Signature field written `label=:base64:` with canonical base64 (what the
 * dictionary scanner reads as a byte sequence without parameters), or undefined to leave the
 * field to the general path.
 *
 * @param text - the field value (already checked against `maxFieldLength`).
 * @param maxSignatures - the limit on members (0 for an invalid one: the general path reports it).
 * @internal
 */
export function fastSignatureMember(text: string, maxSignatures: number): { readonly label: string; readonly signature: Uint8Array } | undefined {
  if (maxSignatures < 1) return undefined
  const labelEnd = keyEnd(text, 0)
  if (labelEnd < 0 || text.charCodeAt(labelEnd) !== 0x3d || text.charCodeAt(labelEnd + 1) !== 0x3a) return undefined
  const end = text.indexOf(':', labelEnd + 2)
  if (end !== text.length - 1) return undefined
  const signature = decodeBase64Range(text, labelEnd + 2, end)
  return signature === undefined ? undefined : { label: text.slice(0, labelEnd), signature }
}
