/**
 * @signet/client: sign HTTP requests with RFC 9421 HTTP Message Signatures and RFC 9530
 * Content-Digest, from browsers, Node, Deno, Bun and Workers, with `fetch`. The ky hooks
 * are on their own subpath, `@signet/client/ky` (ky is an optional peer). What only some
 * applications need (PEM and RSA/ECDSA key import, response verification, `Accept-Signature`)
 * loads on first use, so a bundle that signs with `createSigner` and `signedFetch` starts small.
 *
 * @module
 */
export { createSigner } from './signer.ts'
export type { DigestOption, Signer, SignerKeyInput, SignerOptions, SignOverrides } from './signer.ts'
export type { DescriptionSigner, HeaderRecord, RequestDescription, SignedDescription } from './description.ts'
export { signedFetch } from './signed-fetch.ts'
export type { CrossOriginRedirect, FetchLike, SignedFetch, SignedFetchOptions } from './signed-fetch.ts'
export { clockSkewDate, meetAcceptSignature, verifySignedResponse } from './on-demand.ts'
export type { ResponseVerification } from './response-verification.ts'
export { ACCEPT_SIGNATURE_RETRY_CODES, acceptSignatureMayHelp, CLOCK_SKEW_CODES } from './retry-codes.ts'
export { DEFAULT_MAX_BODY_BYTES } from './body.ts'
export { deleteKey, generateBrowserKey, loadKey, saveKey } from './browser-keys.ts'
export type { KeyStorageOptions, StoredKeyPair } from './browser-keys.ts'
export { exportPublicJwk } from './public-jwk.ts'
export type { BrowserKeyAlgorithm, KeyPairLike } from './crypto-key.ts'
