/**
 * Key records: what a verifier knows about a key id (types only).
 *
 * `@signet/server` verifies against records of this shape and `@signet/registry` produces them;
 * neither imports the other (DESIGN.md: the arrows point one way), so the shape lives here, in
 * the package both already depend on. Every member is plain data.
 *
 * @module
 */
import type { SignetKey } from './keys/signet-key.ts'
import type { HttpMessage } from './message.ts'

/** The lifecycle state of a key. `revoked` is final; `disabled` can be re-enabled. */
export type KeyState = 'active' | 'disabled' | 'revoked'

/** Everything a verifier knows about one key id. */
export interface KeyRecord {
  /** The key id, as it appears in the `keyid` signature parameter. */
  readonly id: string
  /** The public key, or the HMAC secret key. Its algorithm is the only one accepted (RFC 9421 section 7.3.6). */
  readonly key: SignetKey
  readonly owner?: string | undefined
  readonly scopes?: readonly string[] | undefined
  /** Addresses or CIDR ranges, IPv4 or IPv6, the key may be used from. Empty or absent: anywhere. */
  readonly allowIps?: readonly string[] | undefined
  /** Addresses or CIDR ranges the key may never be used from; wins over `allowIps`. */
  readonly denyIps?: readonly string[] | undefined
  /** Unix seconds before which the key is refused. */
  readonly notBefore?: number | undefined
  /** Unix seconds from which the key is refused (a rotation overlap deadline is folded in here). */
  readonly expires?: number | undefined
  /** Default `active`. */
  readonly state?: KeyState | undefined
  readonly label?: string | undefined
}

/**
 * Finds the record for a key id. The key id comes from the request and is untrusted: a resolver
 * must treat it as an opaque lookup string, never as a path or a URL.
 *
 * A resolver whose backing store is unreachable throws `SignetError` `ERR_STORE_UNAVAILABLE`
 * (the server answers 503, fail closed).
 */
export interface KeyResolver {
  /**
   * @param keyid - the untrusted `keyid` parameter.
   * @param context - the signature being verified and its message, for resolvers that find
   *   keys through the request itself (Web Bot Auth's `Signature-Agent` directories). The
   *   server's verifier builds it only for a `resolve` that declares this second parameter
   *   (`resolve.length >= 2`), so the other resolvers cost nothing for it.
   */
  resolve(keyid: string, context?: KeyResolveContext): KeyRecord | undefined | Promise<KeyRecord | undefined>
}

/**
 * What a verifier knows about the signature whose key is being looked up. All of it is
 * untrusted until the signature verifies.
 */
export interface KeyResolveContext {
  /** The message being verified. */
  readonly message: HttpMessage
  /** The signature's label. */
  readonly label: string
  /** The covered components, as serialized identifiers (`"signature-agent";key="sig1"`). */
  readonly components: readonly string[]
  /** The signature's `tag` parameter, when present. */
  readonly tag: string | undefined
}
