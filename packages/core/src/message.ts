/**
 * The message model: one shape for an HTTP request or response, whatever it was built from.
 *
 * Fetch `Headers` joins repeated fields and loses obs-fold and field-line boundaries, which
 * RFC 9421 needs for `;bs` (section 2.1.3) and for exact canonicalization, so the model keeps
 * field lines in order, repeats kept, names lower-cased, values as received with leading and
 * trailing whitespace removed (section 2.1).
 *
 * @module
 */

/** One field line as received. `name` is lower-case; `value` has OWS trimmed. */
export interface FieldLine {
  readonly name: string
  readonly value: string
}

/** An HTTP request as RFC 9421 sees it. */
export interface HttpRequestMessage {
  readonly kind: 'request'
  /** The method as sent; never case-folded (RFC 9421 section 2.2.1). */
  readonly method: string
  /** `https` or `http` (lower-case). */
  readonly scheme: string
  /** The authority as sent (Host value, or the authority of an absolute-form target). */
  readonly authority: string
  /**
   * The request-target as sent: origin form (`/p?q`), absolute form (`https://h/p`),
   * authority form (`h:443`, CONNECT) or asterisk form (`*`, OPTIONS).
   */
  readonly target: string
  readonly fields: readonly FieldLine[]
  /** Trailer field lines, for `;tr` (RFC 9421 section 2.1). */
  readonly trailers: readonly FieldLine[]
  /** The body bytes (after transfer decoding), or undefined when there is none. */
  readonly body: Uint8Array | undefined
}

/** An HTTP response as RFC 9421 sees it. */
export interface HttpResponseMessage {
  readonly kind: 'response'
  readonly status: number
  readonly fields: readonly FieldLine[]
  readonly trailers: readonly FieldLine[]
  readonly body: Uint8Array | undefined
  /** The related request, for components with `;req` (RFC 9421 section 2.4). */
  readonly request?: HttpRequestMessage | undefined
}

/** A request or a response. */
export type HttpMessage = HttpRequestMessage | HttpResponseMessage
