/**
 * The `Signature-Agent` field of a Web Bot Auth signature (draft-ietf-webbotauth-httpsig-protocol,
 * see web-bot-auth.ts): this signer's member set in the Dictionary, other labels' members kept,
 * and `"signature-agent";key="LABEL"` covered.
 *
 * Loaded with the first request of a signer that has `signatureAgent`, with the whole of core
 * (its strict structured-field parser reads the members kept; this module is only ever reached
 * through `import()`, so its static import of `@signet/core` costs the initial load nothing): a signer without an agent never
 * downloads it.
 *
 * @module
 */
import { componentValue, parseComponentIdentifier } from '@signet/core'
import type { ComponentIdentifier, FieldLine, HttpRequestMessage } from '@signet/core'

/**
 * Put this signer's member into `Signature-Agent` and make sure it is covered.
 *
 * @param member - the member value, an sf-string (`"https://agent.example"`).
 * @param fields - the outgoing field lines: its `signature-agent` lines are replaced by one
 *   carrying this member, the members of other labels kept (in order).
 * @param label - the signature label, which keys the member.
 * @param covered - the components the signature will cover.
 * @param defaulted - whether `covered` is the signer's default list: `"@target-uri"` is then
 *   covered as `"@authority"`, `"@path"` and `"@query"`, since the draft requires `@authority`
 *   or `@target-uri` and verifiers (Cloudflare's among them) look for `@authority`.
 * @returns the field's new value (this member set, other members kept) and the components, with
 *   `"signature-agent";key="LABEL"` added when missing.
 * @example
 * ```ts
 * await applySignatureAgent('"https://agent.example"', fields, 'sig1', ['"@authority"'], false)
 * // { value: 'sig1="https://agent.example"', covered: ['"@authority"', { name: 'signature-agent', ... }] }
 * ```
 */
export async function applySignatureAgent(
  member: string,
  fields: FieldLine[],
  label: string,
  covered: readonly (string | ComponentIdentifier)[],
  defaulted: boolean,
): Promise<{ readonly value: string; readonly covered: readonly (string | ComponentIdentifier)[] }> {
  let existing: string | undefined
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i] as FieldLine
    if (field.name !== 'signature-agent') continue
    existing = existing === undefined ? field.value : field.value + ', ' + existing
    fields.splice(i, 1)
  }
  const value = mergeMember(existing ?? null, label, member)
  fields.push({ name: 'signature-agent', value })
  if (defaulted) covered = covered.flatMap((c) => (isNamed(c, '@target-uri') ? ['"@authority"', '"@path"', '"@query"'] : [c]))
  const id = `"signature-agent";key="${label}"`
  const has = covered.some((c) => (typeof c === 'string' ? c === id : c.name === 'signature-agent' && c.params.get('key') === label))
  return { value, covered: has ? covered : [...covered, parseComponentIdentifier(id)] }
}

function isNamed(component: string | ComponentIdentifier, name: string): boolean {
  return typeof component === 'string' ? component === `"${name}"` || component === name : component.name === name && component.params.size === 0
}

/**
 * Set one member of a `Signature-Agent` dictionary, keeping the others (another signer's
 * member on a forwarded request) in order. A field that is not a dictionary (the older
 * bare-String form) is replaced.
 */
function mergeMember(existing: string | null, label: string, member: string): string {
  if (existing === null || existing.trim() === '') return `${label}=${member}`
  const kept: string[] = []
  let replaced = false
  const message: HttpRequestMessage = { kind: 'request', method: 'GET', scheme: 'https', authority: 'x', target: '/', fields: [{ name: 'signature-agent', value: existing }], trailers: [], body: undefined }
  for (const part of splitMembers(existing)) {
    const name = /^([a-z*][a-z0-9_\-.*]*)=/.exec(part)?.[1]
    if (name === undefined) return `${label}=${member}`
    try {
      // Each kept member re-read through core's strict parser: a malformed field is replaced whole.
      componentValue(message, { name: 'signature-agent', params: new Map([['key', name]]) })
    } catch {
      return `${label}=${member}`
    }
    if (name === label) {
      kept.push(`${label}=${member}`)
      replaced = true
    } else kept.push(part)
  }
  if (!replaced) kept.push(`${label}=${member}`)
  return kept.join(', ')
}

/** Split a dictionary at top-level commas (commas inside strings do not count). */
function splitMembers(value: string): string[] {
  const parts: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]
    if (quoted) {
      if (ch === '\\') i++
      else if (ch === '"') quoted = false
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      parts.push(value.slice(start, i).trim())
      start = i + 1
    }
  }
  parts.push(value.slice(start).trim())
  return parts
}
