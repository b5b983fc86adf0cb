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
let loaded: FullCore | undefined

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
  loading ??= import('./core-extras.ts').then((module) => (loaded = module))
  return loading
}

/**
 * The full core if it has finished loading, else undefined (nothing is started).
 *
 * @returns the module namespace or undefined.
 */
export function loadedFullCore(): FullCore | undefined {
  return loaded
}

/**
 * Start loading the full core where it costs no download: a server-side runtime (Node, Bun,
 * Deno), where its signer, on node:crypto with string input and output, is about twice as fast
 * per signature as the lean one. A browser keeps to the lean path until a request needs more.
 *
 * @returns true when loading was started (the signer then waits for it on its first request:
 *   a loop of signatures that never yields to the event loop would otherwise never see it).
 */
export function preloadOnServerRuntimes(): boolean {
  if (typeof (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule !== 'function') return false
  fullCore().catch(() => undefined)
  return true
}
