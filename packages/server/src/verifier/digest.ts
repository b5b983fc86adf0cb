/**
 * Stage: recompute `Content-Digest` over the received body. RFC 9421 section 7.2.8: covering
 * the field protects the body only if the digest is recomputed, so it runs whenever the
 * signature covers `content-digest`, after the signature held.
 *
 * @module
 */

/**
 * Whether the digest stage runs for this signature.
 *
 * @param components - the covered components, serialized.
 * @returns true when `content-digest` is covered.
 */
export function coversContentDigest(components: readonly string[]): boolean {
  return components.includes('"content-digest"')
}
