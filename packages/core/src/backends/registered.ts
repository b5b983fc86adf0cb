/**
 * The backends added through `registerBackend` (the `@signet/core/pure` entry adds `pure`).
 *
 * Kept apart from `registry.ts` so that the lean signing path (`backends/lean-backend.ts`) can see a
 * registered pure backend without importing the registry, which pulls in both built-in
 * backends with every algorithm.
 *
 * @module
 */
import type { BackendName } from '../backend.ts'
import type { KeyBackend } from './key-backend.ts'

/**
 * Registered backends by name; written only by `registerBackend`/`unregisterBackend`.
 *
 * @internal
 */
export const registeredBackends: Map<BackendName, KeyBackend> = /* @__PURE__ */ new Map()
