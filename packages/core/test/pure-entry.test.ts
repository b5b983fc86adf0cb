/**
 * The `@signet/core/pure` entry: importing it registers the pure backend; with node:crypto and
 * crypto.subtle both gone, every algorithm still signs and verifies through the public API, and
 * signatures cross between pure and the other backends in both directions.
 */
import * as nodeCrypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { algorithms, getAlgorithm, type AlgorithmName } from '../src/algorithms.ts'
import { availableBackends, getBackend, selectBackend } from '../src/backends/index.ts'
import { setNodeCryptoForTesting } from '../src/backends/runtime.ts'
import { utf8 } from '../src/bytes.ts'
import { isSignetError } from '../src/errors.ts'
import { generateKey, importKey, signBytes, verifyBytes } from '../src/keys/index.ts'

const vectors = JSON.parse(
  readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8'),
) as { keys: Record<string, { jwk: JsonWebKey; usable_with: AlgorithmName[] }> }

const data = utf8('"@method": GET\n"@signature-params": ("@method");created=1618884473')

/** The RFC 9421 appendix B.1 keys, one per algorithm, plus generated ones for the rest. */
function vectorKeyFor(alg: AlgorithmName): JsonWebKey | undefined {
  return Object.values(vectors.keys).find((k) => k.usable_with.includes(alg))?.jwk
}

afterEach(() => {
  setNodeCryptoForTesting(undefined)
  vi.unstubAllGlobals()
})

describe('@signet/core/pure entry', () => {
  it('is absent until the entry is imported, then registered', async () => {
    let code: string | undefined
    try {
      getBackend('pure')
    } catch (err) {
      code = isSignetError(err) ? err.code : String(err)
    }
    expect(code).toBe('ERR_BACKEND_UNAVAILABLE')
    const entry = await import('../src/entries/pure.ts')
    expect(getBackend('pure')).toBe(entry.pureBackend)
    expect(availableBackends()).toContain('pure')
  })

  it('signatures cross between pure and every other backend, both ways', async () => {
    await import('../src/entries/pure.ts')
    for (const alg of algorithms) {
      const jwk = vectorKeyFor(alg.name)
      const key = jwk === undefined ? await generateKey(alg.name, { extractable: true }) : await importKey(jwk, { alg: alg.name })
      for (const other of ['native', 'webcrypto'] as const) {
        if (!availableBackends().includes(other)) continue
        const byPure = await signBytes(key, data, { backend: 'pure' })
        expect(await verifyBytes(key, data, byPure, { backend: other })).toBe(true)
        const byOther = await signBytes(key, data, { backend: other })
        expect(await verifyBytes(key, data, byOther, { backend: 'pure' })).toBe(true)
        expect(await verifyBytes(key, utf8('other'), byOther, { backend: 'pure' })).toBe(false)
      }
    }
  })

  it('property: over random messages and fresh keys, a signature from any backend verifies on every other', async () => {
    await import('../src/entries/pure.ts')
    const backends = availableBackends()
    expect(backends).toEqual(expect.arrayContaining(['native', 'webcrypto', 'pure']))
    const backendArb = fc.constantFrom(...backends)
    for (const alg of algorithms) {
      // RSA key generation costs too much per run: RSA draws from two fixed keys instead.
      const rsaKeys =
        alg.kty === 'RSA'
          ? await Promise.all([0, 1].map(() => importKey(nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JsonWebKey, { alg: alg.name })))
          : []
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), backendArb, backendArb, fc.nat(1), async (message, signer, verifier, pick) => {
          const key = alg.kty === 'RSA' ? rsaKeys[pick]! : await generateKey(alg.name, { extractable: true })
          const sig = await signBytes(key, message, { backend: signer })
          expect(await verifyBytes(key, message, sig, { backend: verifier })).toBe(true)
          const flipped = sig.slice()
          flipped[pick === 0 ? 0 : flipped.length - 1]! ^= 0x40
          expect(await verifyBytes(key, message, flipped, { backend: verifier })).toBe(false)
        }),
        { numRuns: alg.kty === 'RSA' ? 6 : 12 },
      )
    }
  })

  it('with node:crypto and crypto.subtle both absent, selection is pure and every algorithm works', async () => {
    await import('../src/entries/pure.ts')
    // Keys come in before the runtime is taken away (RSA generation needs a native backend).
    const keys = await Promise.all(
      algorithms.map(async (alg) => {
        const jwk = vectorKeyFor(alg.name)
        return jwk === undefined ? generateKey(alg.name, { extractable: true }) : importKey(jwk, { alg: alg.name })
      }),
    )
    setNodeCryptoForTesting(false)
    const getRandomValues = crypto.getRandomValues.bind(crypto)
    vi.stubGlobal('crypto', { getRandomValues })
    expect(globalThis.crypto.subtle).toBeUndefined()
    expect(availableBackends()).toEqual(['pure'])
    for (const [i, alg] of algorithms.entries()) {
      expect(selectBackend(alg).name).toBe('pure')
      const key = keys[i]!
      const sig = await signBytes(key, data)
      expect(await verifyBytes(key, data, sig)).toBe(true)
      expect(await verifyBytes(key, utf8('tampered'), sig)).toBe(false)
      // Keys imported with only pure present work too.
      const jwk = vectorKeyFor(alg.name)
      if (jwk !== undefined) {
        const fresh = await importKey(jwk, { alg: alg.name })
        expect(await verifyBytes(fresh, data, sig)).toBe(true)
      }
    }
    // Key generation too: Ed25519 and P-256 through noble, RSA on BigInt.
    for (const name of ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512'] as const) {
      const generated = await generateKey(name)
      expect(generated.algorithm).toBe(getAlgorithm(name))
      expect(await verifyBytes(generated, data, await signBytes(generated, data))).toBe(true)
    }
  })
})
