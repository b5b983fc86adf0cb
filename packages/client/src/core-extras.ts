/**
 * What the client takes from the whole of `@signet/core` beyond its lean signing entry, named
 * one by one so that a bundler keeps only these (and what they reach) in the chunk that
 * full-core.ts loads on first need. This file only re-exports.
 *
 * @module
 */
export {
  componentValue,
  createContentDigest,
  fromFetchRequest,
  importKey,
  parseComponentIdentifier,
  parseSignatureField,
  parseSignatureInput,
  publicKey,
  signMessage,
  thumbprint,
  toBase64,
} from '@signet/core'
