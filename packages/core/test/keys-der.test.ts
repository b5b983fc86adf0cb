/**
 * The strict DER reader/writer (keys/asn1/der.ts) and PEM armor (keys/pem.ts): X.690 examples,
 * fast-check round trips, and the strictness rules (shortest lengths, minimal INTEGERs, no
 * trailing bytes), each refusal a coded error.
 */
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  decodeDer,
  encodeOid,
  encodeSequence,
  encodeTlv,
  encodeUnsignedInteger,
  readChildren,
  readOid,
  readUnsignedInteger,
  TAG,
} from '../src/keys/asn1/der.ts'
import { pkcs8FromJwk, spkiFromJwk, toPem } from '../src/keys/pem.ts'
import { parseDer, parsePem } from '../src/keys/pem-read.ts'
import { isSignetError } from '../src/errors.ts'

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('DER encoding (X.690)', () => {
  test('OBJECT IDENTIFIER examples', () => {
    // X.690 section 8.19.5 example: {2 999 3} -> 06 03 88 37 03.
    expect(toHex(encodeOid('2.999.3'))).toBe('0603883703')
    expect(readOid(decodeDer(hex('0603883703')), 'oid')).toBe('2.999.3')
    // id-RSASSA-PSS (RFC 4055) and prime256v1 as they appear in key files.
    expect(toHex(encodeOid('1.2.840.113549.1.1.10'))).toBe('06092a864886f70d01010a')
    expect(readOid(decodeDer(hex('06082a8648ce3d030107')), 'oid')).toBe('1.2.840.10045.3.1.7')
  })

  test('INTEGER: minimal encodings, sign byte added and checked', () => {
    expect(toHex(encodeUnsignedInteger(hex('80')))).toBe('02020080')
    expect(toHex(encodeUnsignedInteger(hex('00007f')))).toBe('02017f')
    expect(toHex(encodeUnsignedInteger(new Uint8Array(0)))).toBe('020100')
    expect(toHex(readUnsignedInteger(decodeDer(hex('02020080')), 'n'))).toBe('80')
    for (const bad of ['0201ff' /* negative */, '0202007f' /* non-minimal */, '0200' /* empty */]) {
      expect(() => readUnsignedInteger(decodeDer(hex(bad)), 'n')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }))
    }
  })

  test('lengths: long form only when needed, never indefinite', () => {
    expect(toHex(encodeTlv(TAG.OCTET_STRING, new Uint8Array(127))).slice(0, 4)).toBe('047f')
    expect(toHex(encodeTlv(TAG.OCTET_STRING, new Uint8Array(128))).slice(0, 6)).toBe('048180')
    expect(toHex(encodeTlv(TAG.OCTET_STRING, new Uint8Array(256))).slice(0, 8)).toBe('04820100')
    const refusals = [
      '04817f' + '00'.repeat(127), // long form for a short length
      '0482007f' + '00'.repeat(127), // leading zero length octet
      '3080' + '0000', // indefinite
      '0403aabb', // truncated
      '0401aabb', // trailing byte
      '1f01', // multi-byte tag
      '30', // no length
    ]
    for (const bad of refusals) expect(() => decodeDer(hex(bad)), bad).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }))
  })

  test('round trips (fast-check): integers, OIDs, nested sequences', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (magnitude) => {
        const decoded = readUnsignedInteger(decodeDer(encodeUnsignedInteger(magnitude)), 'n')
        const trimmed = magnitude.subarray(magnitude.findIndex((b) => b !== 0) === -1 ? magnitude.length : magnitude.findIndex((b) => b !== 0))
        return toHex(decoded) === (trimmed.length === 0 ? '00' : toHex(trimmed))
      }),
    )
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 2 ** 28 }), { maxLength: 6 }), (a, b, rest) => {
        const dotted = [a, b, ...rest].join('.')
        return readOid(decodeDer(encodeOid(dotted)), 'oid') === dotted
      }),
    )
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (parts) => {
        const children = readChildren(decodeDer(encodeSequence(parts.map((p) => encodeTlv(TAG.OCTET_STRING, p)))))
        return children.length === parts.length && children.every((c, i) => toHex(c.content) === toHex(parts[i] as Uint8Array))
      }),
    )
  })

  test('any byte string is decoded or refused with a coded error (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const tlv = decodeDer(bytes)
          if (tlv.tag === TAG.SEQUENCE) readChildren(tlv)
          return true
        } catch (e) {
          return isSignetError(e) && (e as { code: string }).code === 'ERR_KEY_INVALID'
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('key containers', () => {
  test('what we write is what node:crypto writes (SPKI and PKCS#8, every key type)', () => {
    const pairs = [
      generateKeyPairSync('ed25519'),
      generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ]
    for (const { publicKey, privateKey } of pairs) {
      const jwk = privateKey.export({ format: 'jwk' })
      expect(toHex(spkiFromJwk(jwk))).toBe(toHex(publicKey.export({ format: 'der', type: 'spki' })))
      // node:crypto writes EC PKCS#8 with the public point and without the curve inside
      // ECPrivateKey, as RFC 5915 section 3 recommends; so do we.
      expect(toHex(pkcs8FromJwk(jwk))).toBe(toHex(privateKey.export({ format: 'der', type: 'pkcs8' })))
      expect(parseDer(pkcs8FromJwk(jwk)).jwk).toEqual(expect.objectContaining({ kty: jwk.kty }))
    }
  })

  test('PEM armor: 64-column lines (as node:crypto writes); CRLF and surrounding text tolerated', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const der = privateKey.export({ format: 'der', type: 'pkcs8' })
    const text = toPem('PRIVATE KEY', new Uint8Array(der))
    expect(text).toBe(privateKey.export({ format: 'pem', type: 'pkcs8' }))
    const crlf = 'Bag Attributes\r\n    localKeyID: 01 02\r\n' + text.replaceAll('\n', '\r\n')
    expect(parsePem(crlf).jwk).toEqual(parsePem(text).jwk)
  })
})
