/**
 * What the client takes from the whole of `@signet/core` beyond its lean signing entry, named
 * one by one so that a bundler keeps only these (and what they reach) in the chunk that
 * full-core.ts loads on first need, with the client's own code that needs them and nothing else
 * (key-import.ts). This file only re-exports.
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
export { defaultKeyId, importKeyFully } from './key-import.ts'
