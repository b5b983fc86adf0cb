/** The article in key messages: "an Ed25519 key", "an oct key", "a P-256 key". */
import { describe, expect, it } from 'vitest'
import { withArticle } from '../src/article.ts'

describe('withArticle', () => {
  it('follows the sound of the word', () => {
    const cases: Record<string, string> = {
      Ed25519: 'an Ed25519', oct: 'an oct', OKP: 'an OKP', EC: 'an EC', RSA: 'an RSA', 'rsa-pss-sha512': 'an rsa-pss-sha512',
      'hmac-sha256': 'an hmac-sha256', 'P-256': 'a P-256', 'ecdsa-p256-sha256': 'an ecdsa-p256-sha256', public: 'a public',
      private: 'a private', secret: 'a secret', ed25519: 'an ed25519',
    }
    for (const [word, expected] of Object.entries(cases)) expect(withArticle(word), word).toBe(expected)
  })
})
