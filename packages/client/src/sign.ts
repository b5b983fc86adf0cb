/**
 * `@signet/client/sign`: the lean signing entry. `createSigner` signs requests with an HMAC or
 * Ed25519 JWK (RFC 9421, with RFC 9530 Content-Digest) in a bundle of under 5 KB min+gzip,
 * because it reaches only `@signet/core/signing`. For PEM keys, RSA and ECDSA, structured-field
 * components, `signedFetch` and the ky hooks, use `@signet/client`. Where neither node:crypto
 * nor WebCrypto can sign, add `import '@signet/core/pure'`. A signed request has redirect mode
 * `manual`, so a plain `fetch` never forwards its signature to another origin: a 3xx comes back
 * as is; `signedFetch` of `@signet/client` follows redirects safely. This file only re-exports.
 *
 * @example
 * ```ts
 * import { createSigner } from '@signet/client/sign'
 * const signer = createSigner({ key: ed25519PrivateJwk })
 * await fetch(await signer.sign(new Request('https://api.example/orders', { method: 'POST', body })))
 * ```
 *
 * @module
 */
export { createSigner } from './basic-signer.ts'
export type { BasicSigner, BasicSignerOptions } from './basic-signer.ts'
