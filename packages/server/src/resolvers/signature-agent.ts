/**
 * The `Signature-Agent` field of Web Bot Auth (draft-ietf-webbotauth-httpsig-protocol section
 * "Signature-Agent"): which directory URL a signature names.
 *
 * The current form is a Dictionary whose members are Strings holding an `https` URL, and a
 * signature covers its own member as `"signature-agent";key="LABEL"`. The older form is a bare
 * String, covered as the whole field (`"signature-agent"`); the draft lets a verifier treat it as
 * a one-member dictionary keyed by the label. A signature is only ever attributed to a member it
 * covers (section "Multiple Signatures"); a member with parameters is ignored.
 *
 * Member values are read through core's `componentValue`, so the dictionary is parsed by the
 * same strict RFC 8941 parser that builds the signature base.
 *
 * @module
 */
import { componentValue, parseComponentIdentifier } from '@signet/core/verifying'
import type { ComponentIdentifier, HttpMessage, KeyResolveContext } from '@signet/core'
import { DIRECTORY_PATH } from './directory-fetch.ts'

const WHOLE_FIELD = '"signature-agent"'

/** An sf-string (RFC 8941 section 3.3.3) with nothing after it: no parameters. */
function unquote(serialized: string): string | undefined {
  const match = /^"((?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(serialized)
  return match === null ? undefined : (match[1] as string).replace(/\\(["\\])/g, '$1')
}

function memberValue(message: HttpMessage, id: ComponentIdentifier): string | undefined {
  try {
    return unquote(componentValue(message, id))
  } catch {
    return undefined
  }
}

/**
 * The `Signature-Agent` URL a signature covers, as sent.
 *
 * @param context - the signature and message, as a verifier hands them to a key resolver.
 * @returns the member value, or undefined when the signature covers no usable member.
 * @example
 * ```ts
 * signatureAgentOf({ message, label: 'sig1', components: ['"signature-agent";key="sig1"'], tag: 'web-bot-auth' })
 * // 'https://agent.example'
 * ```
 */
export function signatureAgentOf(context: KeyResolveContext): string | undefined {
  const keys: string[] = []
  for (const serialized of context.components) {
    if (!serialized.startsWith(WHOLE_FIELD)) continue
    if (serialized === WHOLE_FIELD) {
      const whole = memberValue(context.message, parseComponentIdentifier(WHOLE_FIELD))
      // The older bare-String form; a dictionary covered whole is read by the signature's label.
      if (whole !== undefined) return whole
      return memberValue(context.message, { name: 'signature-agent', params: new Map([['key', context.label]]) })
    }
    const id = parseComponentIdentifier(serialized)
    const key = id.params.get('key')
    if (typeof key === 'string' && id.params.size === 1) keys.push(key)
  }
  // A signature may also cover other signers' members (section "Multiple Signatures"): its own
  // is the one keyed by its label; failing that, the only member it covers.
  const own = keys.includes(context.label) ? context.label : keys.length === 1 ? keys[0] : undefined
  return own === undefined ? undefined : memberValue(context.message, { name: 'signature-agent', params: new Map([['key', own]]) })
}

/** A `Signature-Agent` URL, read: the URL fetched and the identifier it stands for. */
export interface AgentUrl {
  /** The URL fetched: the member value, or its well-known path when it names an origin only. */
  readonly fetchUrl: URL
  /**
   * The identifier (section "Key Distribution and Discovery"): the URL resolved, normalized by
   * the WHATWG URL parser, query and fragment dropped.
   */
  readonly identifier: string
}

/**
 * Read a `Signature-Agent` member value. An origin alone (`https://agent.example`, the form of
 * the earlier drafts and of Cloudflare's deployment) stands for its well-known directory; any
 * other path is fetched as given (the current draft).
 *
 * @param value - the member value.
 * @returns the URL to fetch and the identifier, or undefined for a value that is not an absolute URL.
 */
export function readAgentUrl(value: string): AgentUrl | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  url.hash = ''
  const fetchUrl = new URL(url.href)
  if (fetchUrl.pathname === '/' && fetchUrl.search === '') fetchUrl.pathname = DIRECTORY_PATH
  const id = new URL(fetchUrl.href)
  id.search = ''
  return { fetchUrl, identifier: id.href }
}
