/**
 * Browser keys on fake-indexeddb: generate a non-extractable pair, persist it, load it back
 * (a structured clone of the CryptoKey), sign with it and verify with the exported public JWK.
 */
import { fromFetchRequest, importKey, verifyMessage } from '@signet/core'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { createSigner, deleteKey, exportPublicJwk, generateBrowserKey, loadKey, saveKey } from '../src/index.ts'

describe('browser keys', () => {
  for (const alg of ['ed25519', 'ecdsa-p256-sha256'] as const) {
    it(`${alg}: generate, save, load, sign, verify with the public JWK`, async () => {
      const indexedDB = new IDBFactory()
      const pair = await generateBrowserKey(alg)
      expect(pair.privateKey.extractable).toBe(false)
      await expect(crypto.subtle.exportKey('jwk', pair.privateKey)).rejects.toThrow()
      await saveKey('api', pair, { indexedDB })

      const loaded = await loadKey('api', { indexedDB })
      expect(loaded).toBeDefined()
      expect(loaded!.alg).toBe(alg)
      expect(loaded!.privateKey.extractable).toBe(false)

      const jwk = await exportPublicJwk(loaded!)
      expect(jwk).not.toHaveProperty('d')
      expect(Object.keys(jwk).sort()).toEqual((alg === 'ed25519' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x'] : ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']).sort())
      expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)

      const signer = createSigner({ key: loaded!.privateKey, keyId: jwk.kid })
      const signed = await signer.sign(new Request('https://api.example/me', { method: 'POST', body: '{}' }))
      const [result] = await verifyMessage(await fromFetchRequest(signed), { key: await importKey(jwk) })
      expect(result!.keyid).toBe(jwk.kid)
      expect(result!.alg).toBe(alg)
    })
  }

  it('a missing name loads undefined; delete removes; names are checked', async () => {
    const indexedDB = new IDBFactory()
    expect(await loadKey('none', { indexedDB })).toBeUndefined()
    await saveKey('k', await generateBrowserKey(), { indexedDB })
    expect(await loadKey('k', { indexedDB })).toBeDefined()
    await deleteKey('k', { indexedDB })
    expect(await loadKey('k', { indexedDB })).toBeUndefined()
    await expect(saveKey('', await generateBrowserKey(), { indexedDB })).rejects.toThrow(/"name"/)
    await expect(saveKey('x', {} as never, { indexedDB })).rejects.toThrow(/"pair"/)
    await expect(generateBrowserKey('rsa' as never)).rejects.toThrow(/"alg"/)
    await expect(loadKey('x', {})).rejects.toThrow(/IndexedDB/)
  })

  it('nothing is written to localStorage', async () => {
    const writes: string[] = []
    const g = globalThis as { localStorage?: unknown }
    const before = g.localStorage
    g.localStorage = { setItem: (k: string) => writes.push(k), getItem: () => null }
    try {
      const indexedDB = new IDBFactory()
      const pair = await generateBrowserKey()
      await saveKey('k', pair, { indexedDB })
      await loadKey('k', { indexedDB })
      await exportPublicJwk(pair)
    } finally {
      g.localStorage = before
    }
    expect(writes).toEqual([])
  })
})
