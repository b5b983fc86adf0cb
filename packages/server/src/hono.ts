/**
 * `@signet/server/hono`: the Hono middleware, on a subpath of its own because its types import
 * `hono`, an optional peer dependency. A project without Hono imports `@signet/server` and never
 * sees a reference to `hono` in the declarations it type-checks (with `skipLibCheck: false` too).
 * This file only re-exports.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { createVerifier, memoryKeys } from '@signet/server'
 * import { signetHono } from '@signet/server/hono'
 * const app = new Hono()
 * app.use('/api/*', signetHono(createVerifier({ keys: memoryKeys([record]) })))
 * ```
 *
 * @module
 */
export { signetHono } from './adapters/hono.ts'
export type { HonoAdapterOptions } from './adapters/hono.ts'
