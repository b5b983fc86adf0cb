/**
 * API reference drift: the names each package exports, as TypeDoc documents them, must equal
 * the committed docs/api-surface.json. An export added or removed without updating the docs
 * fails here; regenerate with `pnpm docs:surface` and review the diff.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
// A plain JS helper, shared with `pnpm docs:surface`.
import { currentSurface, surfacePath } from './api-surface.mjs'

type Surface = Record<string, Record<string, string>>

describe('API reference', () => {
  it('every package\'s exports match docs/api-surface.json (pnpm docs:surface regenerates it)', async () => {
    const committed = JSON.parse(await readFile(surfacePath as string, 'utf8')) as Surface
    const current = (await currentSurface()) as Surface
    expect(Object.keys(current).sort()).toEqual(['@signet/cli', '@signet/client', '@signet/client/ky', '@signet/core', '@signet/profiles', '@signet/registry', '@signet/server', '@signet/server/hono'])
    for (const pkg of Object.keys(current)) {
      const added = Object.keys(current[pkg]!).filter((n) => !(n in (committed[pkg] ?? {})))
      const removed = Object.keys(committed[pkg] ?? {}).filter((n) => !(n in current[pkg]!))
      expect({ pkg, added, removed }, `${pkg}: exports changed; run pnpm docs:surface`).toEqual({ pkg, added: [], removed: [] })
    }
    expect(current).toEqual(committed)
  }, 120_000)

  it('names the packages\' main entry points (a documented, non-empty surface)', async () => {
    const committed = JSON.parse(await readFile(surfacePath as string, 'utf8')) as Surface
    expect(committed['@signet/client']).toMatchObject({ createSigner: 'Function', signedFetch: 'Function' })
    // Adapters for optional peers have their own subpaths, so the main entries never name them.
    expect(committed['@signet/client/ky']).toMatchObject({ kySigner: 'Function', signetKyHooks: 'Function' })
    expect(committed['@signet/client']).not.toHaveProperty('kySigner')
    expect(committed['@signet/server/hono']).toMatchObject({ signetHono: 'Function' })
    expect(committed['@signet/server']).not.toHaveProperty('signetHono')
    expect(committed['@signet/server']).toMatchObject({ createVerifier: 'Function', withSignet: 'Function', withSignetNode: 'Function', MemoryNonceStore: 'Class' })
    expect(committed['@signet/core']).toMatchObject({ signMessage: 'Function', verifyMessage: 'Function', importKey: 'Function', SignetError: 'Class' })
    expect(committed['@signet/registry']).toMatchObject({ openRegistry: 'Function', FileStore: 'Class' })
    expect(committed['@signet/profiles']).toMatchObject({ createStripeVerifier: 'Function', createSigV4Signer: 'Function', createCavageVerifier: 'Function', createBinanceSigner: 'Function' })
  })
})
