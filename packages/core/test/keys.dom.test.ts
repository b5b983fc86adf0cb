/**
 * Keys in the happy-dom environment (also run by the `node` project): the vector keys import
 * from PEM and JWK and the RFC 9421 Appendix B signatures verify with the default backend.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import type { AlgorithmName } from '../src/algorithms.ts'
import { fromBase64, utf8 } from '../src/bytes.ts'
import { generateKey, importKey, publicKey, signBytes, verifyBytes } from '../src/keys/index.ts'

const vectors = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../test/vectors/rfc9421-vectors.json'), 'utf8')) as {
  keys: Record<string, { usable_with: AlgorithmName[]; jwk: JsonWebKey; private_pem?: string; public_pem?: string }>
  examples: { id: string; keyid: string; alg: AlgorithmName; expect: string; signature_base: string; signature_b64: string }[]
}

test('RFC 9421 Appendix B signatures verify with keys from PEM and JWK', async () => {
  let checked = 0
  for (const example of vectors.examples.filter((e) => e.expect === 'valid')) {
    const k = vectors.keys[example.keyid]!
    for (const form of [k.jwk, k.public_pem].filter((f) => f !== undefined)) {
      const key = await importKey(form, { alg: example.alg })
      expect(await verifyBytes(key, utf8(example.signature_base), fromBase64(example.signature_b64)), example.id).toBe(true)
      checked++
    }
  }
  expect(checked).toBeGreaterThanOrEqual(20)
})

test('generated keys sign and verify on webcrypto', async () => {
  for (const alg of ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256'] as const) {
    const key = await generateKey(alg)
    const signature = await signBytes(key, utf8('dom'), { backend: 'webcrypto' })
    expect(await verifyBytes(key.type === 'secret' ? key : publicKey(key), utf8('dom'), signature, { backend: 'webcrypto' })).toBe(true)
  }
})
