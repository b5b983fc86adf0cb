/**
 * PEM (RFC 7468) and the DER key containers inside it, converted to and from JWK.
 *
 * Read: SPKI (RFC 5280 section 4.1.2.7), PKCS#8 (RFC 5208 / RFC 5958), PKCS#1 RSAPublicKey and
 * RSAPrivateKey (RFC 8017 appendix A.1), SEC1 ECPrivateKey (RFC 5915), and SPKI/PKCS#8 carrying
 * the id-RSASSA-PSS OID (RFC 4055 section 3.1), which binds the key to RSA-PSS. WebCrypto
 * imports none of PKCS#1, SEC1 or the PSS OID, so every form is converted to JWK here and every
 * backend imports JWK. Written: SPKI and PKCS#8 (rsaEncryption for RSA keys, the form every
 * runtime imports).
 *
 * Reading lives in `pem-read.ts`, loaded by `importKey` only for PEM or DER input: the writer
 * here is what the backends need at run time, and the reader (with the ASN.1 walk) stays out of
 * a server's cold import.
 *
 * @module
 */
import { toBase64, fromBase64Url } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import {
  DER_NULL,
  encodeBitString,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSmallInteger,
  encodeUnsignedInteger,
} from './asn1/der.ts'
import { withArticle } from '../article.ts'

/** A key read from PEM or DER, as a JWK that may still lack public members (EC/OKP private). */
export interface ParsedKey {
  readonly jwk: JsonWebKey
  readonly type: 'private' | 'public'
  /** Set when the container carries the id-RSASSA-PSS OID. */
  readonly pss: boolean
}

/** The DER containers Signet reads. */
export type DerForm = 'spki' | 'pkcs8' | 'pkcs1-public' | 'pkcs1-private' | 'sec1'

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  ed25519: '1.3.101.112',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const

export const curveByOid: Readonly<Record<string, string>> = { [OID.p256]: 'P-256', [OID.p384]: 'P-384' }
const oidByCurve: Readonly<Record<string, string>> = { 'P-256': OID.p256, 'P-384': OID.p384 }

/** The members of an RSA private key, in RSAPrivateKey order (RFC 8017 appendix A.1.2). */
export const RSA_PRIVATE_FIELDS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const

/** Throw `ERR_KEY_UNSUPPORTED`. */
export function unsupported(message: string): never {
  throw new SignetError('ERR_KEY_UNSUPPORTED', message)
}

// ---------------------------------------------------------------------------------------------
// Writing

const bytesOf = (jwk: JsonWebKey, name: keyof JsonWebKey): Uint8Array => fromBase64Url(String(jwk[name]), name)

function algorithmIdentifier(jwk: JsonWebKey): Uint8Array {
  switch (jwk.kty) {
    case 'RSA':
      return encodeSequence([encodeOid(OID.rsaEncryption), DER_NULL])
    case 'EC':
      return encodeSequence([encodeOid(OID.ecPublicKey), encodeOid(oidByCurve[jwk.crv as string] as string)])
    case 'OKP':
      return encodeSequence([encodeOid(OID.ed25519)])
    default:
      return unsupported(`${withArticle(String(jwk.kty))} key has no PEM form`)
  }
}

function ecPoint(jwk: JsonWebKey): Uint8Array {
  const x = bytesOf(jwk, 'x')
  const y = bytesOf(jwk, 'y')
  const point = new Uint8Array(1 + x.length + y.length)
  point[0] = 0x04
  point.set(x, 1)
  point.set(y, 1 + x.length)
  return point
}

/**
 * SubjectPublicKeyInfo DER for the public members of a normalized JWK.
 *
 * @throws {SignetError} `ERR_KEY_UNSUPPORTED` for an `oct` key.
 */
export function spkiFromJwk(jwk: JsonWebKey): Uint8Array {
  const alg = algorithmIdentifier(jwk)
  let key: Uint8Array
  if (jwk.kty === 'RSA') key = encodeSequence([encodeUnsignedInteger(bytesOf(jwk, 'n')), encodeUnsignedInteger(bytesOf(jwk, 'e'))])
  else if (jwk.kty === 'EC') key = ecPoint(jwk)
  else key = bytesOf(jwk, 'x')
  return encodeSequence([alg, encodeBitString(key)])
}

/**
 * PKCS#8 PrivateKeyInfo DER for a normalized private JWK. EC keys include their public point
 * when the JWK has one; Ed25519 keys are written as RFC 8410 v1 (seed only).
 *
 * @throws {SignetError} `ERR_KEY_UNSUPPORTED` for an `oct` key.
 */
export function pkcs8FromJwk(jwk: JsonWebKey): Uint8Array {
  const alg = algorithmIdentifier(jwk)
  let key: Uint8Array
  if (jwk.kty === 'RSA') {
    key = encodeSequence([encodeSmallInteger(0), ...RSA_PRIVATE_FIELDS.map((name) => encodeUnsignedInteger(bytesOf(jwk, name)))])
  } else if (jwk.kty === 'EC') {
    const fields = [encodeSmallInteger(1), encodeOctetString(bytesOf(jwk, 'd'))]
    if (jwk.x !== undefined && jwk.y !== undefined) fields.push(encodeSequence([encodeBitString(ecPoint(jwk))], 0xa1))
    key = encodeSequence(fields)
  } else {
    key = encodeOctetString(bytesOf(jwk, 'd'))
  }
  return encodeSequence([encodeSmallInteger(0), alg, encodeOctetString(key)])
}

/** Wrap DER in PEM armor, 64 base64 characters a line (RFC 7468 section 2). */
export function toPem(label: 'PUBLIC KEY' | 'PRIVATE KEY', der: Uint8Array): string {
  const body = toBase64(der).replace(/.{64}(?=.)/g, '$&\n')
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`
}
