/**
 * `createNonce` (RFC 9421 section 2.3 `nonce`): 16 random bytes as canonical unpadded base64url.
 * Its encoder is its own (nonce.ts): held here to bytes.ts's strict decoder and encoder.
 */
import { describe, expect, it } from 'vitest'
import { fromBase64Url, toBase64Url } from '../src/bytes.ts'
import { createNonce } from '../src/entries/signing.ts'

describe('createNonce', () => {
  it('is 16 bytes of canonical base64url, through several refills of the pool', () => {
    const seen = new Set<string>()
    // 256 nonces per pool: 700 calls cross two refills.
    for (let i = 0; i < 700; i++) {
      const nonce = createNonce()
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
      const bytes = fromBase64Url(nonce, 'nonce')
      expect(bytes).toHaveLength(16)
      expect(toBase64Url(bytes)).toBe(nonce)
      seen.add(nonce)
    }
    expect(seen.size).toBe(700)
  })

  it('uses every character of the alphabet in every position class', () => {
    // The last character carries two bits (A, Q, g, w); the others six. Over 2000 nonces a
    // wrong shift or mask would leave characters unused.
    const first = new Set<string>()
    const last = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const nonce = createNonce()
      first.add(nonce[0] as string)
      last.add(nonce[21] as string)
    }
    expect(first.size).toBe(64)
    expect([...last].sort()).toEqual(['A', 'Q', 'g', 'w'])
  })
})
