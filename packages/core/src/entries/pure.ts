/**
 * `@signet/core/pure`: the pure-JavaScript crypto backend as a separate entry.
 *
 * The main entry never imports the pure backend, so a bundle that only signs with HMAC or
 * Ed25519 on `node:crypto` or WebCrypto carries neither `@noble/curves` nor the BigInt RSA code.
 * Importing this entry registers the backend for automatic selection (a deliberate side effect,
 * the reason this entry exists) and exports it for explicit use.
 *
 * @example
 * ```ts
 * import '@signet/core/pure' // every algorithm now works without crypto.subtle
 * ```
 *
 * @module
 */
import { registerBackend } from '../backends/index.ts'
import { pureBackend } from '../backends/pure.ts'

registerBackend(pureBackend)

export { pureBackend }
