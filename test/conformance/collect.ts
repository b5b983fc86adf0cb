/**
 * Gathers every conformance suite that applies to the libraries at hand and runs them.
 *
 * `@signet/core` is always under test; `@signet/client` and `@signet/server` join when the
 * host found them (each launcher loads them from their built `dist` when present, and requires
 * them in CI). Used by the runtime entries (Deno, Bun, workerd, Chromium); vitest registers
 * the same cases one by one.
 *
 * @module
 */
import { type ConformanceCase, type RunReport, runCases } from './harness.ts'
import { type ClientLibrary, type ServerLibrary, defineClientConformance, defineServerConformance } from './client-server.ts'
import { type CoreLibrary, defineConformance } from './suite.ts'
import { profileVectors } from './profile-vectors.ts'
import { type ProfilesLibrary, defineProfileConformance } from './profiles.ts'
import type { VectorFile } from './vectors.ts'

/** The libraries under test. */
export interface Libraries {
  readonly core: CoreLibrary
  readonly client?: ClientLibrary | undefined
  readonly server?: ServerLibrary | undefined
  /** @signet/profiles, with its vectors (Standard Webhooks, Stripe, Binance, SigV4, draft-cavage). */
  readonly profiles?: ProfilesLibrary | undefined
}

/**
 * Every case for the given libraries.
 *
 * @param libs - core, and client and server when present.
 * @param vectors - the parsed rfc9421-vectors.json, or undefined when the host has none.
 * @returns the cases, core first.
 */
export function collectCases(libs: Libraries, vectors: VectorFile | undefined): ConformanceCase[] {
  return [
    ...defineConformance(libs.core, vectors).map((c) => ({ name: `core: ${c.name}`, run: c.run })),
    ...(libs.client === undefined ? [] : defineClientConformance(libs.core, libs.client)),
    ...(libs.server === undefined ? [] : defineServerConformance(libs.core, libs.server, libs.client)),
    ...(libs.profiles === undefined ? [] : defineProfileConformance(libs.core, libs.profiles, profileVectors)),
  ]
}

/**
 * Runs every case and returns the counts and failures (JSON-serializable, so a runtime can
 * hand it back to the Node launcher).
 */
export function runConformance(libs: Libraries, vectors: VectorFile | undefined): Promise<RunReport> {
  return runCases(collectCases(libs, vectors))
}
