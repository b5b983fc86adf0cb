/**
 * JSON Web Key validation (RFC 7517, with the key-type members of RFC 7518 section 6 and
 * RFC 8037 section 2).
 *
 * Every key Signet holds is a JWK underneath, whatever form it arrived in, so this is where
 * key members are checked: present, base64url, of the length the curve or the algorithm needs.
 * The `oct` and Ed25519 members follow the rules of jwk-members.ts, which the lean `importJwk`
 * applies too, so both imports accept and refuse those keys alike. The result is a normalized JWK carrying only the key members, in a fixed
 * order; `kid`, `alg`, `use` and `key_ops` are read and checked, then left out, because a key's
 * identity and algorithm binding live on the `SignetKey`, not in the material.
 *
 * @module
 */
import { getAlgorithmByJose, type AlgorithmDescriptor } from '../algorithms.ts'
import { fromBase64Url, toBase64Url } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import { ed25519Members, invalid, octMembers } from './jwk-members.ts'

/** What a key can do: a shared secret, a private key, or a public key. */
export type KeyType = 'secret' | 'private' | 'public'

/** A JWK that passed {@link validateJwk}. */
export interface ValidatedJwk {
  /** Key members only, in canonical order. */
  readonly jwk: JsonWebKey
  readonly type: KeyType
  /** The algorithm named by the JWK's `alg` member, when it has one. */
  readonly alg: AlgorithmDescriptor | undefined
  /** The JWK's `kid`, when it has one. */
  readonly kid: string | undefined
}

/** Options for {@link validateJwk}. */
export interface ValidateJwkOptions {
  /** Smallest RSA modulus accepted, in bits. */
  readonly minimumRsaBits: number
}

const MAX_RSA_BITS = 16384
const MAX_MEMBER_CHARS = 4096

const curveBytes: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48 }

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

function unsupported(message: string): never {
  throw new SignetError('ERR_KEY_UNSUPPORTED', message)
}

/** Read an optional base64url member; the message names the member, never its value. */
function member(jwk: Record<string, unknown>, name: string, required: true): Uint8Array
function member(jwk: Record<string, unknown>, name: string, required: false): Uint8Array | undefined
function member(jwk: Record<string, unknown>, name: string, required: boolean): Uint8Array | undefined {
  const value = jwk[name]
  if (value === undefined) {
    if (required) invalid(`JWK is missing the "${name}" member`)
    return undefined
  }
  if (typeof value !== 'string') invalid(`JWK member "${name}" must be a string`)
  if (value.length > MAX_MEMBER_CHARS) invalid(`JWK member "${name}" is too long`)
  try {
    return fromBase64Url(value, name)
  } catch {
    return invalid(`JWK member "${name}" is not base64url`)
  }
}

function fixedLength(bytes: Uint8Array, length: number, name: string): Uint8Array {
  if (bytes.length !== length) invalid(`JWK member "${name}" must be ${length} bytes, got ${bytes.length}`)
  return bytes
}

function bitLength(magnitude: Uint8Array): number {
  if (magnitude.length === 0) return 0
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0] as number))
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

function checkUsage(jwk: Record<string, unknown>): void {
  // RFC 7517 section 4.2/4.3: a key meant for encryption is not a signing key.
  if (jwk.use !== undefined && jwk.use !== 'sig') unsupported(`JWK "use" is ${JSON.stringify(String(jwk.use).slice(0, 16))}; only "sig" keys sign`)
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.every((op) => typeof op === 'string')) invalid('JWK "key_ops" must be an array of strings')
    if (!jwk.key_ops.some((op) => op === 'sign' || op === 'verify')) unsupported('JWK "key_ops" allows neither "sign" nor "verify"')
  }
}

/**
 * Validate a JWK and return its normalized key members.
 *
 * @param input - anything; only a well-formed JWK of a supported type passes.
 * @returns the normalized JWK, its type (secret, private or public) and any `alg` it names.
 * @throws {SignetError} `ERR_KEY_INVALID` for a malformed or inconsistent JWK,
 *   `ERR_KEY_UNSUPPORTED` for a key type or curve Signet does not sign with,
 *   `ERR_KEY_TOO_SHORT` for an HMAC secret under 32 bytes or an RSA modulus under the minimum.
 * @example validateJwk({ kty: 'oct', k: '...' }, { minimumRsaBits: 2048 }).type // 'secret'
 */
export function validateJwk(input: unknown, options: ValidateJwkOptions): ValidatedJwk {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid('a JWK must be a JSON object')
  const jwk = input as Record<string, unknown>
  const kty = jwk.kty
  if (typeof kty !== 'string') invalid('JWK is missing the "kty" member')
  checkUsage(jwk)
  let alg: AlgorithmDescriptor | undefined
  if (jwk.alg !== undefined) {
    if (typeof jwk.alg !== 'string') invalid('JWK member "alg" must be a string')
    alg = getAlgorithmByJose(jwk.alg)
    if (alg === undefined) unsupported(`JWK "alg" ${JSON.stringify(jwk.alg.slice(0, 16))} is not an algorithm Signet supports`)
    if (alg.kty !== kty) invalid(`JWK "alg" ${alg.jose} does not fit a key of type ${JSON.stringify(kty.slice(0, 8))}`)
  }
  let kid: string | undefined
  if (jwk.kid !== undefined) {
    if (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 1024) invalid('JWK member "kid" must be a non-empty string')
    kid = jwk.kid
  }

  let out: JsonWebKey
  let type: KeyType
  switch (kty) {
    case 'oct':
      out = octMembers(jwk)
      type = 'secret'
      break
    case 'OKP': {
      if (typeof jwk.crv !== 'string') invalid('JWK is missing the "crv" member')
      if (jwk.crv !== 'Ed25519') unsupported(`OKP curve ${JSON.stringify(jwk.crv.slice(0, 16))} is not supported (only Ed25519 signs)`)
      out = ed25519Members(jwk)
      type = out.d === undefined ? 'public' : 'private'
      break
    }
    case 'EC': {
      if (typeof jwk.crv !== 'string') invalid('JWK is missing the "crv" member')
      const size = curveBytes[jwk.crv]
      if (size === undefined) unsupported(`EC curve ${JSON.stringify(jwk.crv.slice(0, 16))} is not supported (P-256 and P-384 are)`)
      const x = fixedLength(member(jwk, 'x', true), size, 'x')
      const y = fixedLength(member(jwk, 'y', true), size, 'y')
      const d = member(jwk, 'd', false)
      out = { kty: 'EC', crv: jwk.crv, x: toBase64Url(x), y: toBase64Url(y) }
      if (d !== undefined) out.d = toBase64Url(fixedLength(d, size, 'd'))
      type = d === undefined ? 'public' : 'private'
      break
    }
    case 'RSA': {
      const n = member(jwk, 'n', true)
      const e = member(jwk, 'e', true)
      // RFC 7518 section 6.3.1: the octets are the unsigned big-endian value, no leading zero.
      if (n[0] === 0 || e[0] === 0 || n.length === 0 || e.length === 0) invalid('RSA "n" and "e" must not have leading zero octets')
      const bits = bitLength(n)
      if (bits < options.minimumRsaBits) {
        throw new SignetError('ERR_KEY_TOO_SHORT', `RSA modulus expected at least ${options.minimumRsaBits} bits, got ${bits}`)
      }
      if (bits > MAX_RSA_BITS) unsupported(`RSA modulus of ${bits} bits is larger than ${MAX_RSA_BITS}`)
      if (e.length > 8 || ((e[e.length - 1] as number) & 1) === 0 || (e.length === 1 && (e[0] as number) < 3)) invalid('RSA "e" is not a valid public exponent')
      if (((n[n.length - 1] as number) & 1) === 0) invalid('RSA "n" is even')
      out = { kty: 'RSA', n: toBase64Url(n), e: toBase64Url(e) }
      if (jwk.oth !== undefined) unsupported('multi-prime RSA keys ("oth") are not supported')
      const d = member(jwk, 'd', false)
      const crt = (['p', 'q', 'dp', 'dq', 'qi'] as const).map((name) => member(jwk, name, false))
      const present = crt.filter((v) => v !== undefined).length
      if (d === undefined) {
        if (present > 0) invalid('RSA JWK has CRT members but no "d"')
        type = 'public'
      } else {
        // RFC 7518 section 6.3.2: the CRT members come all together; WebCrypto and node:crypto
        // both need them, so a "d"-only key is refused here rather than at first use.
        if (present === 0) unsupported('RSA private JWK without "p", "q", "dp", "dq", "qi" is not supported')
        if (present !== 5) invalid('RSA private JWK must have all of "p", "q", "dp", "dq", "qi"')
        const [p, q, dp, dq, qi] = crt as Uint8Array[]
        // A key whose primes do not multiply to n signs garbage; catch it at import.
        if (toBigInt(p as Uint8Array) * toBigInt(q as Uint8Array) !== toBigInt(n)) invalid('RSA JWK: "p" * "q" does not equal "n"')
        out.d = toBase64Url(d)
        out.p = toBase64Url(p as Uint8Array)
        out.q = toBase64Url(q as Uint8Array)
        out.dp = toBase64Url(dp as Uint8Array)
        out.dq = toBase64Url(dq as Uint8Array)
        out.qi = toBase64Url(qi as Uint8Array)
        type = 'private'
      }
      break
    }
    default:
      unsupported(`JWK "kty" ${JSON.stringify(kty.slice(0, 16))} is not supported`)
  }
  return { jwk: out, type, alg, kid }
}

/** The public members of a normalized JWK (private members dropped). */
export function publicJwk(jwk: JsonWebKey): JsonWebKey {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(jwk)) {
    if (!(PRIVATE_MEMBERS as readonly string[]).includes(name)) out[name] = value
  }
  return out as JsonWebKey
}

/** The byte length of one coordinate of an EC curve, or undefined for another curve. */
export function coordinateBytes(crv: string): number | undefined {
  return curveBytes[crv]
}
