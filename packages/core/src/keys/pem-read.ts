/**
 * Reading PEM (RFC 7468) and the DER key containers inside it into JWK: SPKI, PKCS#8, PKCS#1,
 * SEC1 and the id-RSASSA-PSS OID (see `pem.ts` for the forms and their RFCs). A module of its
 * own so that `importKey` loads it on the first PEM or DER input: JWK and raw keys, all a
 * verifier usually sees, never compile it.
 *
 * @module
 */
import { fromBase64, toBase64Url } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import {
  TAG,
  decodeDer,
  expectTag,
  readBitString,
  readChildren,
  readOctetString,
  readOid,
  readSmallInteger,
  readUnsignedInteger,
  type Tlv,
} from './asn1/der.ts'
import { coordinateBytes } from './jwk.ts'
import { withArticle } from '../article.ts'
import { OID, RSA_PRIVATE_FIELDS, curveByOid, unsupported, type DerForm, type ParsedKey } from './pem.ts'

const knownUnsupported: Readonly<Record<string, string>> = {
  '1.3.101.113': 'Ed448',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.840.10046.2.1': 'Diffie-Hellman',
  '1.2.840.113549.1.1.7': 'RSAES-OAEP',
}

const LABEL_FORM: Readonly<Record<string, DerForm>> = {
  'PUBLIC KEY': 'spki',
  'PRIVATE KEY': 'pkcs8',
  'RSA PUBLIC KEY': 'pkcs1-public',
  'RSA PRIVATE KEY': 'pkcs1-private',
  'EC PRIVATE KEY': 'sec1',
}

// A PEM key of the largest RSA modulus Signet accepts is under 13 KB.
const MAX_PEM_CHARS = 64 * 1024

function invalid(message: string): never {
  throw new SignetError('ERR_KEY_INVALID', message)
}


const b64u = (bytes: Uint8Array): string => toBase64Url(bytes)

/**
 * Read the one key in a PEM text.
 *
 * Blocks other than keys (`EC PARAMETERS`, which `openssl ecparam -genkey` writes first) are
 * skipped; encrypted keys and certificates are refused with `ERR_KEY_UNSUPPORTED`.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` for no key, several keys, bad base64 or bad DER;
 *   `ERR_KEY_UNSUPPORTED` for an encrypted key, a certificate or an unsupported key algorithm.
 * @example parsePem(pemText).jwk.kty // 'EC'
 */
export function parsePem(text: string): ParsedKey {
  if (text.length > MAX_PEM_CHARS) invalid(`PEM input is larger than ${MAX_PEM_CHARS} characters`)
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]{1,40})-----([\s\S]*?)-----END ([A-Z0-9 ]{1,40})-----/g)]
  let found: { form: DerForm; body: string } | undefined
  for (const block of blocks) {
    const [, label = '', body = '', endLabel] = block
    if (label !== endLabel) invalid('PEM BEGIN and END labels differ')
    if (label === 'EC PARAMETERS') continue
    if (label === 'ENCRYPTED PRIVATE KEY') unsupported('encrypted private keys are not supported; decrypt it first')
    if (label === 'CERTIFICATE') unsupported('certificates are not supported; pass the public key (SPKI) instead')
    const form = LABEL_FORM[label]
    if (form === undefined) unsupported(`PEM type ${JSON.stringify(label)} is not a supported key`)
    // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED") mark an OpenSSL-encrypted legacy key.
    if (body.includes(':')) unsupported('encrypted (Proc-Type) PEM keys are not supported')
    if (found !== undefined) invalid('PEM input holds more than one key')
    found = { form, body }
  }
  if (found === undefined) invalid('no PEM key block found')
  let der: Uint8Array
  try {
    der = fromBase64(found.body.replace(/[\t\n\r ]/g, ''), 'PEM body')
  } catch {
    return invalid('PEM body is not valid base64')
  }
  return parseDer(der, found.form)
}

/**
 * Read a DER key container. Without `form`, each container is tried in turn.
 *
 * @throws {SignetError} `ERR_KEY_INVALID` or `ERR_KEY_UNSUPPORTED` as {@link parsePem}.
 */
export function parseDer(der: Uint8Array, form?: DerForm): ParsedKey {
  const root = decodeDer(der)
  if (form !== undefined) return readForm(root, form)
  let firstError: unknown
  for (const candidate of ['spki', 'pkcs8', 'pkcs1-private', 'sec1', 'pkcs1-public'] as const) {
    try {
      return readForm(root, candidate)
    } catch (error) {
      // A recognised container with an unsupported algorithm is the real answer.
      if (error instanceof SignetError && error.code === 'ERR_KEY_UNSUPPORTED') throw error
      firstError ??= error
    }
  }
  throw firstError instanceof SignetError ? firstError : new SignetError('ERR_KEY_INVALID', 'not a DER key')
}

function readForm(root: Tlv, form: DerForm): ParsedKey {
  switch (form) {
    case 'spki':
      return readSpki(root)
    case 'pkcs8':
      return readPkcs8(root)
    case 'pkcs1-public':
      return { jwk: readRsaPublicKey(root), type: 'public', pss: false }
    case 'pkcs1-private':
      return { jwk: readRsaPrivateKey(root), type: 'private', pss: false }
    case 'sec1':
      return { jwk: readEcPrivateKey(root, undefined), type: 'private', pss: false }
  }
}

interface AlgorithmIdentifier {
  readonly oid: string
  readonly params: Tlv | undefined
}

function readAlgorithmIdentifier(tlv: Tlv | undefined): AlgorithmIdentifier {
  const parts = readChildren(expectTag(tlv, TAG.SEQUENCE, 'AlgorithmIdentifier'))
  if (parts.length < 1 || parts.length > 2) invalid('malformed DER: AlgorithmIdentifier')
  return { oid: readOid(parts[0], 'algorithm'), params: parts[1] }
}

/** Which kind of key an AlgorithmIdentifier names, refusing anything Signet cannot sign with. */
function keyKind(alg: AlgorithmIdentifier): { kind: 'rsa' | 'ec' | 'ed25519'; pss: boolean; crv?: string } {
  switch (alg.oid) {
    case OID.rsaEncryption:
      // RFC 3279 section 2.3.1: parameters are NULL (some encoders omit them).
      if (alg.params !== undefined && alg.params.tag !== TAG.NULL) invalid('rsaEncryption parameters must be NULL')
      return { kind: 'rsa', pss: false }
    case OID.rsassaPss:
      checkPssParams(alg.params)
      return { kind: 'rsa', pss: true }
    case OID.ecPublicKey: {
      // RFC 5480 section 2.1.1: namedCurve only; explicit curve parameters are refused.
      if (alg.params === undefined || alg.params.tag !== TAG.OID) unsupported('EC keys must name their curve (explicit curve parameters are not supported)')
      const oid = readOid(alg.params, 'namedCurve')
      const crv = curveByOid[oid]
      if (crv === undefined) unsupported(`EC curve ${oid} is not supported (P-256 and P-384 are)`)
      return { kind: 'ec', pss: false, crv }
    }
    case OID.ed25519:
      // RFC 8410 section 3: parameters MUST be absent.
      if (alg.params !== undefined) invalid('Ed25519 AlgorithmIdentifier must have no parameters')
      return { kind: 'ed25519', pss: false }
    default: {
      const name = knownUnsupported[alg.oid]
      return unsupported(name === undefined ? `key algorithm OID ${alg.oid} is not supported` : `${name} keys are not supported`)
    }
  }
}

/**
 * RFC 4055 section 3.1: absent parameters leave the key unrestricted; present ones restrict it
 * to one hash. Signet's only PSS algorithm is rsa-pss-sha512, so a key restricted to another
 * hash (the default, SHA-1, included) cannot be used.
 */
function checkPssParams(params: Tlv | undefined): void {
  if (params === undefined) return
  const fields = readChildren(expectTag(params, TAG.SEQUENCE, 'RSASSA-PSS-params'))
  const hashField = fields.find((f) => f.tag === 0xa0)
  if (hashField === undefined) unsupported('this RSASSA-PSS key is restricted to SHA-1; rsa-pss-sha512 needs SHA-512')
  const [hashAlg] = readChildren(hashField, 0xa0)
  const hash = readAlgorithmIdentifier(hashAlg).oid
  if (hash !== OID.sha512) unsupported(`this RSASSA-PSS key is restricted to hash ${hash}; rsa-pss-sha512 needs SHA-512`)
  const mgfField = fields.find((f) => f.tag === 0xa1)
  if (mgfField !== undefined) {
    const [mgfAlg] = readChildren(mgfField, 0xa1)
    const mgf = readAlgorithmIdentifier(mgfAlg)
    const mgfHash = mgf.params === undefined ? undefined : readAlgorithmIdentifier(mgf.params).oid
    if (mgf.oid !== OID.mgf1 || mgfHash !== OID.sha512) unsupported('this RSASSA-PSS key is restricted to a mask generation other than MGF1 with SHA-512')
  } else {
    unsupported('this RSASSA-PSS key is restricted to MGF1 with SHA-1')
  }
  // [2] saltLength is the smallest salt the key may be used with (RFC 8017 appendix A.2.3 as
  // OpenSSL applies it to keys); rsa-pss-sha512 always uses 64.
  const saltField = fields.find((f) => f.tag === 0xa2)
  if (saltField !== undefined) {
    const [salt] = readChildren(saltField, 0xa2)
    if (readSmallInteger(salt, 'saltLength') > 64) unsupported('this RSASSA-PSS key requires a salt longer than the 64 bytes rsa-pss-sha512 uses')
  }
}

function readSpki(root: Tlv): ParsedKey {
  const parts = readChildren(root)
  if (parts.length !== 2) invalid('malformed DER: SubjectPublicKeyInfo must have two elements')
  const alg = keyKind(readAlgorithmIdentifier(parts[0]))
  const key = readBitString(parts[1], 'subjectPublicKey')
  switch (alg.kind) {
    case 'rsa':
      return { jwk: readRsaPublicKey(decodeDer(key)), type: 'public', pss: alg.pss }
    case 'ec':
      return { jwk: { kty: 'EC', crv: alg.crv as string, ...readEcPoint(key, alg.crv as string) }, type: 'public', pss: false }
    case 'ed25519':
      if (key.length !== 32) invalid('Ed25519 public key must be 32 bytes')
      return { jwk: { kty: 'OKP', crv: 'Ed25519', x: b64u(key) }, type: 'public', pss: false }
  }
}

function readPkcs8(root: Tlv): ParsedKey {
  const parts = readChildren(root)
  if (parts.length < 3 || parts.length > 5) invalid('malformed DER: PrivateKeyInfo')
  // RFC 5958 section 2: version 0 (v1) or 1 (v2, with an optional public key).
  const version = readSmallInteger(parts[0], 'version')
  if (version > 1) invalid('unknown PrivateKeyInfo version')
  const alg = keyKind(readAlgorithmIdentifier(parts[1]))
  const privateKey = readOctetString(parts[2], 'privateKey')
  let publicKey: Uint8Array | undefined
  for (const extra of parts.slice(3)) {
    if (extra.tag === 0xa0) continue // attributes: not needed for signing
    // [1] IMPLICIT BIT STRING (RFC 5958 section 2), primitive.
    if (extra.tag !== 0x81 || version !== 1) invalid('malformed DER: unexpected PrivateKeyInfo element')
    if (extra.content.length === 0 || extra.content[0] !== 0) invalid('malformed DER: publicKey BIT STRING')
    publicKey = extra.content.subarray(1)
  }
  switch (alg.kind) {
    case 'rsa':
      return { jwk: readRsaPrivateKey(decodeDer(privateKey)), type: 'private', pss: alg.pss }
    case 'ec':
      return { jwk: readEcPrivateKey(decodeDer(privateKey), alg.crv), type: 'private', pss: false }
    case 'ed25519': {
      // RFC 8410 section 7: CurvePrivateKey ::= OCTET STRING, nested in the privateKey octets.
      const seed = readOctetString(decodeDer(privateKey), 'CurvePrivateKey')
      if (seed.length !== 32) invalid('Ed25519 private key must be 32 bytes')
      const jwk: JsonWebKey = { kty: 'OKP', crv: 'Ed25519', d: b64u(seed) }
      if (publicKey !== undefined) {
        if (publicKey.length !== 32) invalid('Ed25519 public key must be 32 bytes')
        jwk.x = b64u(publicKey)
      }
      return { jwk, type: 'private', pss: false }
    }
  }
}

function readRsaPublicKey(root: Tlv): JsonWebKey {
  const parts = readChildren(root)
  if (parts.length !== 2) invalid('malformed DER: RSAPublicKey must have two INTEGERs')
  return { kty: 'RSA', n: b64u(readUnsignedInteger(parts[0], 'modulus')), e: b64u(readUnsignedInteger(parts[1], 'publicExponent')) }
}


function readRsaPrivateKey(root: Tlv): JsonWebKey {
  const parts = readChildren(root)
  // RFC 8017 appendix A.1.2: version 0 = two primes; 1 = multi-prime, not supported.
  const version = readSmallInteger(parts[0], 'version')
  if (version === 1) unsupported('multi-prime RSA keys are not supported')
  if (version !== 0 || parts.length !== 9) invalid('malformed DER: RSAPrivateKey')
  const jwk: Record<string, string> = { kty: 'RSA' }
  RSA_PRIVATE_FIELDS.forEach((name, i) => {
    jwk[name] = b64u(readUnsignedInteger(parts[i + 1], name))
  })
  return jwk as JsonWebKey
}

function readEcPoint(point: Uint8Array, crv: string): { x: string; y: string } {
  const size = coordinateBytes(crv) as number
  // SEC1 section 2.3.3: 0x04 = uncompressed. Compressed points would need a square root here.
  if (point[0] === 0x02 || point[0] === 0x03) unsupported('compressed EC points are not supported')
  if (point.length !== 1 + 2 * size || point[0] !== 0x04) invalid(`EC public key must be an uncompressed ${crv} point`)
  return { x: b64u(point.subarray(1, 1 + size)), y: b64u(point.subarray(1 + size)) }
}

/** RFC 5915 section 3. `outerCurve` comes from the PKCS#8 AlgorithmIdentifier, if any. */
function readEcPrivateKey(root: Tlv, outerCurve: string | undefined): JsonWebKey {
  const parts = readChildren(root)
  if (parts.length < 2 || parts.length > 4) invalid('malformed DER: ECPrivateKey')
  if (readSmallInteger(parts[0], 'version') !== 1) invalid('ECPrivateKey version must be 1')
  let d = readOctetString(parts[1], 'privateKey')
  let crv = outerCurve
  let point: Uint8Array | undefined
  for (const field of parts.slice(2)) {
    if (field.tag === 0xa0) {
      const [curve, ...rest] = readChildren(field, 0xa0)
      if (rest.length > 0) invalid('malformed DER: ECPrivateKey parameters')
      if (curve === undefined || curve.tag !== TAG.OID) unsupported('EC keys must name their curve (explicit curve parameters are not supported)')
      const inner = readOid(curve, 'namedCurve')
      const named = curveByOid[inner]
      if (named === undefined) unsupported(`EC curve ${inner} is not supported (P-256 and P-384 are)`)
      if (crv !== undefined && crv !== named) invalid('ECPrivateKey curve differs from its AlgorithmIdentifier')
      crv = named
    } else if (field.tag === 0xa1) {
      const [bits, ...rest] = readChildren(field, 0xa1)
      if (rest.length > 0) invalid('malformed DER: ECPrivateKey publicKey')
      point = readBitString(bits, 'publicKey')
    } else {
      invalid('malformed DER: unexpected ECPrivateKey element')
    }
  }
  if (crv === undefined) invalid('SEC1 key does not name its curve')
  const size = coordinateBytes(crv) as number
  if (d.length > size || d.length === 0) invalid(`EC private key is not ${withArticle(crv)} scalar`)
  // RFC 5915 says ceiling(log2(n)/8) octets; a few encoders drop leading zeros. Pad them back.
  if (d.length < size) {
    const padded = new Uint8Array(size)
    padded.set(d, size - d.length)
    d = padded
  }
  const jwk: JsonWebKey = { kty: 'EC', crv, d: b64u(d) }
  if (point !== undefined) Object.assign(jwk, readEcPoint(point, crv))
  return jwk
}

