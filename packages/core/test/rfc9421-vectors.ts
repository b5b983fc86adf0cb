/**
 * Loads test/vectors/rfc9421-vectors.json (the repository's copy, see its README).
 * Source: RFC 9421 Appendix B and sections 2-5, RFC 9530 Appendix D (see the file's `sources`).
 */
import { readFileSync } from 'node:fs'
import type { HttpMessage, HttpRequestMessage } from '../src/message.ts'
import { parseHttpMessage } from '../src/message/index.ts'

export interface VectorMessage {
  start_line: string
  headers: [string, string][]
  body: string
  raw_crlf: string
  method?: string
  request_target?: string
  target_uri?: string
  authority?: string
  scheme?: string
  status?: number
  request?: string
  draft_content_digest_wrong?: string
}

export interface VectorExample {
  id: string
  title?: string
  message: string
  label: string
  keyid: string
  alg: string
  deterministic: boolean
  expect: string
  covered_components: string[]
  signature_params: string
  signature_input: string
  signature_base: string
  signature?: string
  signature_b64?: string
  signature_value_block?: string
  related_request?: string
  message_variants?: { message: string; expect: string; why: string }[]
}

export interface VectorKey {
  kid: string
  jwk: JsonWebKey & { kid?: string }
  [k: string]: unknown
}

export interface Vectors {
  keys: Record<string, VectorKey>
  messages: Record<string, VectorMessage>
  examples: VectorExample[]
  syntax_examples: Record<string, { signature_input?: string; signature?: string; value?: string }>
  component_examples: {
    section: string
    input: { raw_fields?: string; raw_message?: string; scheme?: string; names?: string[]; note?: string }
    expected_base_lines: string[]
  }[]
  content_digest_examples: {
    section: string
    body?: string
    body_hex?: string
    algorithm: string
    field_member: string
    computed_matches: boolean | null
  }[]
}

export const vectors: Vectors = JSON.parse(
  readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8'),
) as Vectors

/** The signed message of an example: the vector message, plus the two fields for B.2.x. */
export function signedMessage(example: VectorExample, messageName = example.message): HttpMessage {
  const v = vectors.messages[messageName]!
  let raw = v.raw_crlf
  if (!raw.includes('\r\nSignature-Input:')) {
    const head = raw.indexOf('\r\n\r\n')
    raw = raw.slice(0, head) + `\r\nSignature-Input: ${example.signature_input}\r\nSignature: ${example.signature}` + raw.slice(head)
  }
  const relatedName = example.related_request ?? v.request
  const request = relatedName === undefined ? undefined : (parseHttpMessage(vectors.messages[relatedName]!.raw_crlf) as HttpRequestMessage)
  return parseHttpMessage(raw, { scheme: v.scheme ?? 'https', request })
}
