/**
 * The shape of test/vectors/rfc9421-vectors.json and small helpers to use it.
 *
 * The file is read in place by each host (vitest, the runtime launchers) and handed to the
 * suite as parsed JSON, so nothing here does I/O. Field names follow the file; see its
 * `conventions` member for what each value means (values are already RFC 8792-unfolded).
 *
 * @module
 */

/** A message as the vector file gives it. */
export interface VectorMessage {
  readonly start_line: string
  /** Field lines in order, repeats kept. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string
  readonly raw_crlf: string
  readonly scheme?: string
  /** For a response: the name of its related request message (RFC 9421 section 2.4). */
  readonly request?: string
  readonly source?: string
}

/** One of the five RFC 9421 test keys. */
export interface VectorKey {
  readonly kid: string
  readonly key_type: string
  readonly usable_with: readonly string[]
  readonly public_pem?: string
  readonly private_pem?: string
  /** The private JWK (the HMAC secret for `test-shared-secret`). */
  readonly jwk: JsonWebKey & { kid?: string }
  /** `test-shared-secret` only: the 64 secret bytes in base64. */
  readonly base64?: string
}

/** One B.4 transformation variant. */
export interface MessageVariant {
  readonly message: string
  readonly expect: 'valid' | 'invalid'
  readonly why: string
}

/** One RFC 9421 signature example. */
export interface SignatureExample {
  readonly id: string
  readonly title: string
  readonly message: string
  readonly label: string
  readonly keyid: string
  readonly alg: string
  readonly deterministic: boolean
  readonly expect: 'valid' | 'invalid'
  /** Serialized component identifiers, e.g. `"@query-param";name="Pet"`. */
  readonly covered_components: readonly string[]
  readonly signature_params: string
  readonly signature_input: string
  readonly signature_base: string
  readonly signature: string
  readonly signature_b64: string
  readonly related_request?: string
  readonly message_variants?: readonly MessageVariant[]
}

/** One component canonicalization example. */
export interface ComponentExample {
  readonly section: string
  readonly input: {
    readonly raw_fields?: string
    readonly raw_message?: string
    readonly scheme?: string
    readonly names?: readonly string[]
    readonly note?: string
  }
  readonly expected_base_lines: readonly string[]
  readonly note?: string
}

/** One RFC 9530 digest example. */
export interface DigestExample {
  readonly section: string
  readonly body?: string
  readonly body_hex?: string
  readonly algorithm: string
  readonly field_member: string
  /** true: matches its body; false: must not match; null: no body to check against. */
  readonly computed_matches: boolean | null
  readonly status?: string
  readonly note?: string
}

/** The parsed rfc9421-vectors.json. */
export interface VectorFile {
  readonly keys: Readonly<Record<string, VectorKey>>
  readonly messages: Readonly<Record<string, VectorMessage>>
  readonly examples: readonly SignatureExample[]
  readonly component_examples: readonly ComponentExample[]
  readonly content_digest_examples: readonly DigestExample[]
  readonly syntax_examples: Readonly<Record<string, { readonly signature_input?: string; readonly signature?: string; readonly value?: string }>>
}

/** Where the vectors live, relative to the repository root (a copy kept in the repository). */
export const VECTORS_FROM_REPO_ROOT = 'test/vectors/rfc9421-vectors.json'

/** Bytes of a base64 (standard alphabet, padded or not) string. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** Standard padded base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

/** Bytes of a hex string. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/**
 * The HTTP/1.1 text of a vector message, with field lines dropped or added.
 *
 * Building the text from the ordered field list (rather than patching `raw_crlf`) keeps
 * repeated lines and their order exactly as the vector lists them.
 */
export function messageText(
  message: VectorMessage,
  options: { readonly drop?: readonly string[]; readonly add?: readonly (readonly [string, string])[] } = {},
): string {
  const drop = new Set((options.drop ?? []).map((n) => n.toLowerCase()))
  const lines = message.headers.filter(([name]) => !drop.has(name.toLowerCase())).concat(options.add ?? [])
  return [message.start_line, ...lines.map(([name, value]) => `${name}: ${value}`)].join('\r\n') + '\r\n\r\n' + message.body
}

/** True when the message already carries a Signature-Input field. */
export const isSigned = (message: VectorMessage): boolean =>
  message.headers.some(([name]) => name.toLowerCase() === 'signature-input')

/**
 * The parameter names of a serialized `@signature-params` value, in order
 * (`("a" "b");created=1;keyid="k"` gives `created`, `keyid`).
 */
export function parameterOrder(signatureParams: string): string[] {
  const close = signatureParams.lastIndexOf(')')
  const names: string[] = []
  let inString = false
  let escaped = false
  let token = ''
  for (const ch of signatureParams.slice(close + 1) + ';') {
    if (inString) {
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') inString = true
    else if (ch === ';') {
      const name = token.split('=')[0]?.trim()
      if (name) names.push(name)
      token = ''
    } else token += ch
  }
  return names
}

/** The JWK with its private members removed (the public key of an asymmetric pair). */
export function publicJwk(jwk: JsonWebKey & { kid?: string }): JsonWebKey & { kid?: string } {
  if (jwk.kty === 'oct') return jwk
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...rest } = jwk
  return rest
}
