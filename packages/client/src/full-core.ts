/**
 * The whole of `@signet/core`, loaded on first need.
 *
 * The signing hot path of the client (an HMAC or Ed25519 key, parameterless components) runs on
 * `@signet/core/signing`. What only some signers need (PEM, DER and RSA/ECDSA key import, the
 * RFC 7638 thumbprint, structured-field parsing of an earlier `Signature-Input`, components with
 * parameters, a forced backend, response verification, `Accept-Signature`) is reached through
 * this one dynamic `import()` of core-extras.ts, so a browser bundle of `createSigner` + `signedFetch` downloads it
 * only when a request needs it (bundlers put it in a chunk of its own).
 *
 * @module
 */

/** The parts of core the client loads on demand (core-extras.ts). */
export type FullCore = typeof import('./core-extras.ts')

let loading: Promise<FullCore> | undefined

/**
 * Load `@signet/core` once; later calls share the first promise.
 *
 * @returns the module namespace.
 * @example
 * ```ts
 * const { importKey } = await fullCore()
 * ```
 */
export function fullCore(): Promise<FullCore> {
  loading ??= import('./core-extras.ts')
  return loading
}
