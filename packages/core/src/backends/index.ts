/**
 * Crypto backends: the public part of the registry (see `registry.ts`).
 *
 * @module
 */
export type { GenerateJwkOptions, KeyBackend } from './key-backend.ts'
export { availableBackends, digest, getBackend, registerBackend, selectBackend, type DigestOptions } from './registry.ts'
