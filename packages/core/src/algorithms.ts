/**
 * The algorithm registry: RFC 9421 section 3.3 algorithms as data.
 *
 * Each descriptor says everything a backend or a key importer needs (family, hash, key type,
 * curve, salt, signature size, JOSE name). It is looked up once, when a key is bound to it,
 * and handed downstream; nothing below this module switches on an algorithm string.
 *
 * @module
 */
import { SignetError } from './errors.ts'

/** RFC 9421 section 6.2.2 algorithm names supported by Signet. */
export type AlgorithmName =
  | 'hmac-sha256'
  | 'ed25519'
  | 'rsa-pss-sha512'
  | 'rsa-v1_5-sha256'
  | 'ecdsa-p256-sha256'
  | 'ecdsa-p384-sha384'

/** Hash names in RFC 9530 spelling. */
export type HashName = 'sha-256' | 'sha-384' | 'sha-512'

/** What kind of primitive an algorithm is. */
export type AlgorithmFamily = 'hmac' | 'eddsa' | 'rsa-pss' | 'rsa-v1_5' | 'ecdsa'

/** Everything downstream code needs to know about one algorithm. */
export interface AlgorithmDescriptor {
  readonly name: AlgorithmName
  /** The JOSE `alg` (RFC 7518 / RFC 8037) for JWK `alg`. */
  readonly jose: 'HS256' | 'EdDSA' | 'PS512' | 'RS256' | 'ES256' | 'ES384'
  readonly family: AlgorithmFamily
  readonly kty: 'oct' | 'OKP' | 'RSA' | 'EC'
  readonly crv?: 'Ed25519' | 'P-256' | 'P-384'
  /** The message hash (Ed25519: SHA-512 is internal to the scheme). */
  readonly hash: HashName
  /** RSA-PSS salt length in bytes (RFC 9421 section 3.3.1: 64). */
  readonly saltLength?: number
  /** Fixed signature length in bytes where the algorithm has one (ECDSA raw r||s, Ed25519, HMAC). */
  readonly signatureLength?: number
  /** True for shared-secret algorithms, which have no public key. */
  readonly symmetric: boolean
}

/**
 * The `hmac-sha256` descriptor, the same object as in {@link algorithms}. Exported on its own
 * (with {@link ED25519}) so the lean signing entry can bind keys without the whole table.
 */
export const HMAC_SHA256: AlgorithmDescriptor = { name: 'hmac-sha256', jose: 'HS256', family: 'hmac', kty: 'oct', hash: 'sha-256', signatureLength: 32, symmetric: true }
/** The `ed25519` descriptor, the same object as in {@link algorithms}. */
export const ED25519: AlgorithmDescriptor = { name: 'ed25519', jose: 'EdDSA', family: 'eddsa', kty: 'OKP', crv: 'Ed25519', hash: 'sha-512', signatureLength: 64, symmetric: false }

const table: readonly AlgorithmDescriptor[] = [
  HMAC_SHA256,
  ED25519,
  { name: 'rsa-pss-sha512', jose: 'PS512', family: 'rsa-pss', kty: 'RSA', hash: 'sha-512', saltLength: 64, symmetric: false },
  { name: 'rsa-v1_5-sha256', jose: 'RS256', family: 'rsa-v1_5', kty: 'RSA', hash: 'sha-256', symmetric: false },
  { name: 'ecdsa-p256-sha256', jose: 'ES256', family: 'ecdsa', kty: 'EC', crv: 'P-256', hash: 'sha-256', signatureLength: 64, symmetric: false },
  { name: 'ecdsa-p384-sha384', jose: 'ES384', family: 'ecdsa', kty: 'EC', crv: 'P-384', hash: 'sha-384', signatureLength: 96, symmetric: false },
]

const byName = /* @__PURE__ */ new Map<string, AlgorithmDescriptor>(/* @__PURE__ */ table.map((d) => [d.name, d]))
const byJose = /* @__PURE__ */ new Map<string, AlgorithmDescriptor>(/* @__PURE__ */ table.map((d) => [d.jose, d]))

/** Every supported algorithm, in registry order. */
export const algorithms: readonly AlgorithmDescriptor[] = table

/**
 * Look up an algorithm by its RFC 9421 name.
 *
 * @throws {SignetError} `ERR_ALG_UNSUPPORTED` for any other name.
 * @example getAlgorithm('ed25519').jose // 'EdDSA'
 */
export function getAlgorithm(name: string): AlgorithmDescriptor {
  const found = byName.get(name)
  if (found === undefined) {
    throw new SignetError('ERR_ALG_UNSUPPORTED', `unsupported algorithm ${JSON.stringify(name.slice(0, 64))}`)
  }
  return found
}

/** Look up an algorithm by its JOSE name (`HS256`, `EdDSA`, ...), or undefined. */
export function getAlgorithmByJose(jose: string): AlgorithmDescriptor | undefined {
  return byJose.get(jose)
}
