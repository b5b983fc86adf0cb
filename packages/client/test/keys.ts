/**
 * Test keys: the RFC 9421 Appendix B.1 keys, read in place from the shared vectors.
 */
import { readFileSync } from 'node:fs'

interface VectorKey {
  readonly kid: string
  readonly jwk: JsonWebKey & { kid: string }
  readonly public_pem?: string
  readonly private_pem?: string
  readonly base64?: string
}

export interface RfcVectors {
  readonly keys: Record<string, VectorKey>
  readonly messages: Record<string, { headers: [string, string][]; body: string; target_uri: string; method: string }>
  readonly examples: {
    id: string
    label: string
    keyid: string
    alg: string
    covered_components: string[]
    signature_input: string
    signature: string
    signature_base: string
    deterministic: boolean
    message: string
  }[]
}

export const vectors: RfcVectors = JSON.parse(
  readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8'),
) as RfcVectors

export const ed25519Jwk: JsonWebKey & { kid: string } = vectors.keys['test-key-ed25519']!.jwk
export const hmacJwk: JsonWebKey & { kid: string } = vectors.keys['test-shared-secret']!.jwk
export const p256Jwk: JsonWebKey & { kid: string } = vectors.keys['test-key-ecc-p256']!.jwk

/** The public half of a private JWK. */
export function publicJwk(jwk: JsonWebKey & { kid?: string }): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...rest } = jwk
  if (rest.kid === undefined) delete rest.kid
  return rest
}
