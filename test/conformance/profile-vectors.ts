/**
 * The four vector files of the profiles suite, imported as JSON modules so every host gets them
 * the same way: vitest and Deno load them, esbuild inlines them into the workerd and Chromium
 * bundles. Copied unchanged from the shared reference set (test/vectors/README.md).
 *
 * @module
 */
import binance from '../vectors/binance-vectors.json' with { type: 'json' }
import cavage from '../vectors/cavage-vectors.json' with { type: 'json' }
import sigv4 from '../vectors/sigv4-suite.json' with { type: 'json' }
import webhook from '../vectors/webhook-vectors.json' with { type: 'json' }
import type { ProfileVectors } from './profiles.ts'

/** The parsed vector files. */
export const profileVectors: ProfileVectors = { webhook, binance, cavage, sigv4 }
