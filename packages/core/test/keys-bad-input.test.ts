/**
 * Bad inputs thrown at importKey (and the other key functions): each is a coded error, never a
 * crash, a hang or an uncoded exception; and secrets never show in String(key),
 * JSON.stringify(key), util.inspect(key) or error messages.
 */
import { generateKeyPairSync } from 'node:crypto'
import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { AlgorithmName } from '../src/algorithms.ts'
import { isSignetError, type SignetErrorCode } from '../src/errors.ts'
import { exportJwk, generateKey, importKey, publicKey, signBytes, thumbprint, verifyBytes, type ImportKeyOptions } from '../src/keys/index.ts'
import { utf8 } from '../src/bytes.ts'

const b64u = (bytes: Uint8Array | Buffer): string => Buffer.from(bytes).toString('base64url')
const pem = (label: string, der: Uint8Array | Buffer): string => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64')}\n-----END ${label}-----\n`

const ed = generateKeyPairSync('ed25519')
const edJwk = ed.privateKey.export({ format: 'jwk' })
const edPub = ed.publicKey.export({ format: 'jwk' })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ecJwk = ec.privateKey.export({ format: 'jwk' })
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaJwk = rsa.privateKey.export({ format: 'jwk' })
const spkiEd = ed.publicKey.export({ format: 'der', type: 'spki' })
const pkcs8Ec = ec.privateKey.export({ format: 'der', type: 'pkcs8' })
const spkiRsa = rsa.publicKey.export({ format: 'der', type: 'spki' })
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
const otherEd = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' })

function flip(s: string, at: number): string {
  const bytes = Buffer.from(s, 'base64url')
  bytes[at]! ^= 1
  return b64u(bytes)
}

type Case = [name: string, input: unknown, code: SignetErrorCode, options?: ImportKeyOptions]

const cases: Case[] = [
  // Not a key at all
  ['null', null, 'ERR_KEY_INVALID'],
  ['a number', 42, 'ERR_KEY_INVALID'],
  ['an array', [1, 2], 'ERR_KEY_INVALID'],
  ['empty string', '', 'ERR_KEY_INVALID'],
  ['plain text', 'hello', 'ERR_KEY_INVALID'],
  ['broken JSON', '{"kty":', 'ERR_KEY_INVALID'],
  ['JSON array text', '[1]', 'ERR_KEY_INVALID'],
  // PEM
  ['PEM without END', '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n', 'ERR_KEY_INVALID'],
  ['PEM with mismatched END', '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PRIVATE KEY-----\n', 'ERR_KEY_INVALID'],
  ['PEM with bad base64', '-----BEGIN PUBLIC KEY-----\nMCo*BQYD\n-----END PUBLIC KEY-----\n', 'ERR_KEY_INVALID'],
  ['truncated DER (SPKI)', pem('PUBLIC KEY', spkiEd.subarray(0, spkiEd.length - 5)), 'ERR_KEY_INVALID'],
  ['truncated DER (PKCS#8)', pem('PRIVATE KEY', pkcs8Ec.subarray(0, 40)), 'ERR_KEY_INVALID'],
  ['DER with trailing bytes', pem('PUBLIC KEY', Buffer.concat([spkiEd, Buffer.from([0])])), 'ERR_KEY_INVALID'],
  ['DER with indefinite length', pem('PUBLIC KEY', Buffer.from('3080300506032b6570032100' + '00'.repeat(32) + '0000', 'hex')), 'ERR_KEY_INVALID'],
  ['DER with non-minimal length', pem('PUBLIC KEY', Buffer.concat([Buffer.from('30812a', 'hex'), spkiEd.subarray(2)])), 'ERR_KEY_INVALID'],
  ['two keys in one PEM', pem('PUBLIC KEY', spkiEd) + pem('PUBLIC KEY', spkiEd), 'ERR_KEY_INVALID'],
  ['SPKI declared as PKCS#8', pem('PRIVATE KEY', spkiEd), 'ERR_KEY_INVALID'],
  ['X25519 SPKI (wrong OID)', pem('PUBLIC KEY', Buffer.from('302a300506032b656e032100' + '11'.repeat(32), 'hex')), 'ERR_KEY_UNSUPPORTED'],
  ['Ed448 SPKI', pem('PUBLIC KEY', Buffer.from('3043300506032b6571033a00' + '11'.repeat(57), 'hex')), 'ERR_KEY_UNSUPPORTED'],
  ['unknown OID', pem('PUBLIC KEY', Buffer.from('302a300506032b6563032100' + '11'.repeat(32), 'hex')), 'ERR_KEY_UNSUPPORTED'],
  ['secp256k1 SPKI (wrong curve)', pem('PUBLIC KEY', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'der', type: 'spki' })), 'ERR_KEY_UNSUPPORTED'],
  ['P-521 SEC1 (wrong curve)', generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey.export({ format: 'pem', type: 'sec1' }), 'ERR_KEY_UNSUPPORTED'],
  ['compressed EC point', pem('PUBLIC KEY', Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200' + '02' + '11'.repeat(32), 'hex')), 'ERR_KEY_UNSUPPORTED'],
  ['EC point of the wrong size', pem('PUBLIC KEY', Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200' + '04' + '11'.repeat(32), 'hex')), 'ERR_KEY_INVALID'],
  ['EC explicit curve parameters', pem('PUBLIC KEY', Buffer.from('3054300e06072a8648ce3d0201300302010103420004' + '11'.repeat(64), 'hex')), 'ERR_KEY_UNSUPPORTED'],
  ['encrypted PKCS#8', ec.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'pw' }), 'ERR_KEY_UNSUPPORTED'],
  ['encrypted PKCS#1', rsa.privateKey.export({ format: 'pem', type: 'pkcs1', cipher: 'aes-128-cbc', passphrase: 'pw' }), 'ERR_KEY_UNSUPPORTED'],
  ['certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'ERR_KEY_UNSUPPORTED'],
  ['oversized PEM', '-----BEGIN PUBLIC KEY-----\n' + 'A'.repeat(100_000) + '\n-----END PUBLIC KEY-----\n', 'ERR_KEY_INVALID'],
  ['RSA 1024-bit SPKI', pem('PUBLIC KEY', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' })), 'ERR_KEY_TOO_SHORT', { alg: 'rsa-v1_5-sha256' }],
  ['RSA SPKI without alg', pem('PUBLIC KEY', spkiRsa), 'ERR_KEY_UNSUPPORTED'],
  // JWK members
  ['JWK without kty', { k: b64u(Buffer.alloc(32, 1)) }, 'ERR_KEY_INVALID'],
  ['JWK with unknown kty', { kty: 'XYZ' }, 'ERR_KEY_UNSUPPORTED'],
  ['oct without k', { kty: 'oct' }, 'ERR_KEY_INVALID'],
  ['oct with numeric k', { kty: 'oct', k: 123 }, 'ERR_KEY_INVALID'],
  ['oct with bad base64url k', { kty: 'oct', k: 'abc+/def'.repeat(6) }, 'ERR_KEY_INVALID'],
  ['short HMAC secret (16 bytes)', { kty: 'oct', k: b64u(Buffer.alloc(16, 7)) }, 'ERR_KEY_TOO_SHORT'],
  ['short HMAC secret (31 bytes)', { kty: 'oct', k: b64u(Buffer.alloc(31, 7)) }, 'ERR_KEY_TOO_SHORT'],
  ['oversized HMAC secret', { kty: 'oct', k: b64u(Buffer.alloc(2000, 7)) }, 'ERR_KEY_INVALID'],
  ['OKP X25519 (wrong curve)', { kty: 'OKP', crv: 'X25519', x: edPub.x }, 'ERR_KEY_UNSUPPORTED'],
  ['OKP without x', { kty: 'OKP', crv: 'Ed25519', d: edJwk.d }, 'ERR_KEY_INVALID'],
  ['OKP with 31-byte x', { kty: 'OKP', crv: 'Ed25519', x: b64u(Buffer.alloc(31)) }, 'ERR_KEY_INVALID'],
  ['Ed25519 d not matching x', { ...edJwk, x: otherEd.x }, 'ERR_KEY_INVALID'],
  ['EC P-521 (wrong curve)', { ...ecJwk, crv: 'P-521' }, 'ERR_KEY_UNSUPPORTED'],
  ['EC secp256k1 (wrong curve)', { ...ecJwk, crv: 'secp256k1' }, 'ERR_KEY_UNSUPPORTED'],
  ['EC without y', { kty: 'EC', crv: 'P-256', x: ecJwk.x }, 'ERR_KEY_INVALID'],
  ['EC with P-384-sized x on P-256', { kty: 'EC', crv: 'P-256', x: b64u(Buffer.alloc(48, 1)), y: ecJwk.y }, 'ERR_KEY_INVALID'],
  ['EC point off the curve', { kty: 'EC', crv: 'P-256', x: ecJwk.x, y: flip(ecJwk.y!, 5) }, 'ERR_KEY_INVALID'],
  ['EC d not matching x, y', { ...ecJwk, x: otherEc.x, y: otherEc.y }, 'ERR_KEY_INVALID'],
  ['RSA without e', { kty: 'RSA', n: rsaJwk.n }, 'ERR_KEY_INVALID', { alg: 'rsa-v1_5-sha256' }],
  ['RSA d without CRT members', { kty: 'RSA', n: rsaJwk.n, e: rsaJwk.e, d: rsaJwk.d }, 'ERR_KEY_UNSUPPORTED', { alg: 'rsa-v1_5-sha256' }],
  ['RSA with some CRT members missing', { ...rsaJwk, qi: undefined }, 'ERR_KEY_INVALID', { alg: 'rsa-v1_5-sha256' }],
  ['RSA p*q != n', { ...rsaJwk, p: rsaJwk.q, q: flip(rsaJwk.p!, 3) }, 'ERR_KEY_INVALID', { alg: 'rsa-v1_5-sha256' }],
  ['RSA multi-prime', { ...rsaJwk, oth: [] }, 'ERR_KEY_UNSUPPORTED', { alg: 'rsa-v1_5-sha256' }],
  ['RSA with even e', { kty: 'RSA', n: rsaJwk.n, e: 'AQAA' }, 'ERR_KEY_INVALID', { alg: 'rsa-v1_5-sha256' }],
  ['RSA public without alg', { kty: 'RSA', n: rsaJwk.n, e: rsaJwk.e }, 'ERR_KEY_UNSUPPORTED'],
  ['use "enc"', { ...edJwk, use: 'enc' }, 'ERR_KEY_UNSUPPORTED'],
  ['key_ops without sign/verify', { ...edJwk, key_ops: ['encrypt'] }, 'ERR_KEY_UNSUPPORTED'],
  ['JWK alg of another key type', { ...edJwk, alg: 'ES256' }, 'ERR_KEY_INVALID'],
  ['JWK alg of another curve', { ...ecJwk, alg: 'ES384' }, 'ERR_KEY_INVALID'],
  ['JWK alg Signet does not support', { ...rsaJwk, alg: 'RS512' }, 'ERR_KEY_UNSUPPORTED'],
  ['d on a public-only import (Ed25519)', edJwk, 'ERR_KEY_INVALID', { type: 'public' }],
  ['d on a public-only import (RSA PEM)', rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }), 'ERR_KEY_INVALID', { type: 'public', alg: 'rsa-pss-sha512' }],
  ['explicit alg against the key', edJwk, 'ERR_ALG_MISMATCH', { alg: 'ecdsa-p256-sha256' }],
  ['explicit alg against the JWK alg', { ...rsaJwk, alg: 'PS512' }, 'ERR_ALG_MISMATCH', { alg: 'rsa-v1_5-sha256' }],
  ['unknown explicit alg', edJwk, 'ERR_ALG_UNSUPPORTED', { alg: 'ed448' as AlgorithmName }],
  // Raw bytes
  ['short raw HMAC secret', new Uint8Array(31), 'ERR_KEY_TOO_SHORT', { alg: 'hmac-sha256' }],
  ['raw bytes without alg', new Uint8Array(32).fill(9), 'ERR_KEY_UNSUPPORTED'],
  ['raw Ed25519 without type', new Uint8Array(32), 'ERR_KEY_UNSUPPORTED', { alg: 'ed25519' }],
  ['raw Ed25519 of 31 bytes', new Uint8Array(31).fill(5), 'ERR_KEY_INVALID', { alg: 'ed25519', type: 'private' }],
  ['raw secret imported as public', new Uint8Array(32), 'ERR_KEY_INVALID', { alg: 'hmac-sha256', type: 'public' }],
  ['raw RSA bytes that are not DER', new Uint8Array(256).fill(7), 'ERR_KEY_INVALID', { alg: 'rsa-v1_5-sha256' }],
  ['oversized raw input', new Uint8Array(70_000), 'ERR_KEY_INVALID', { alg: 'hmac-sha256' }],
  ['truncated DER bytes', new Uint8Array(pkcs8Ec.subarray(0, 30)), 'ERR_KEY_INVALID'],
]

describe('importKey: every bad input is a coded error', () => {
  for (const [name, input, code, options] of cases) {
    test(name, async () => {
      const error = await importKey(input as JsonWebKey, options).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isSignetError(error), `expected a SignetError, got ${String(error)}`).toBe(true)
      expect(error).toMatchObject({ code })
    })
  }

  test('one-byte corruptions of every DER key never crash (each import succeeds or fails with a coded error)', async () => {
    const ders = [spkiEd, pkcs8Ec, spkiRsa, rsa.privateKey.export({ format: 'der', type: 'pkcs1' })]
    let coded = 0
    for (const der of ders) {
      for (let i = 0; i < der.length; i += Math.max(1, Math.floor(der.length / 60))) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const bad = new Uint8Array(der)
          bad[i]! ^= mask
          try {
            await importKey(bad, { alg: der === spkiEd ? 'ed25519' : der === pkcs8Ec ? 'ecdsa-p256-sha256' : 'rsa-v1_5-sha256', type: 'public', minimumRsaBits: 1024 })
          } catch (e) {
            expect(isSignetError(e), `byte ${i} mask ${mask}: ${String(e)}`).toBe(true)
            coded++
          }
        }
      }
    }
    expect(coded).toBeGreaterThan(100)
  })

  test('random bytes, DER-shaped bytes, strings and JSON objects: success or a coded error, nothing else (fast-check)', async () => {
    const outcome = async (input: unknown, options?: ImportKeyOptions): Promise<boolean> => {
      try {
        await importKey(input as JsonWebKey, options)
        return true
      } catch (e) {
        return isSignetError(e)
      }
    }
    const algs = fc.constantFrom<AlgorithmName | undefined>(undefined, 'hmac-sha256', 'ed25519', 'rsa-pss-sha512', 'ecdsa-p384-sha384')
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), algs, (bytes, alg) => outcome(bytes, alg === undefined ? undefined : { alg, type: 'public' })),
      { numRuns: 300 },
    )
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 255 }), (rest, len) => outcome(new Uint8Array([0x30, len, ...rest]))),
      { numRuns: 300 },
    )
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), (text) => outcome(text)),
      { numRuns: 200 },
    )
    await fc.assert(
      fc.asyncProperty(fc.base64String({ maxLength: 400 }), (body) => outcome(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`)),
      { numRuns: 200 },
    )
    const member = fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.constant(undefined), fc.constant(b64u(Buffer.alloc(32, 3))))
    await fc.assert(
      fc.asyncProperty(
        fc.record({ kty: fc.constantFrom('oct', 'OKP', 'EC', 'RSA', 'x'), crv: fc.constantFrom('Ed25519', 'P-256', 'P-384', 'X25519'), k: member, x: member, y: member, d: member, n: member, e: member, alg: fc.constantFrom(undefined, 'HS256', 'EdDSA', 'ES256', 'nope') }),
        (jwk) => outcome(jwk),
      ),
      { numRuns: 300 },
    )
  })

  test('misused options are TypeError/RangeError naming the option', async () => {
    await expect(importKey(edJwk, { type: 'secretish' as 'secret' })).rejects.toThrow(/"type"/)
    await expect(importKey(edJwk, { kid: '' })).rejects.toThrow(TypeError)
    await expect(importKey(edJwk, { minimumRsaBits: 512 })).rejects.toThrow(RangeError)
    await expect(signBytes({} as never, utf8('x'))).rejects.toThrow(TypeError)
    const key = await importKey(edJwk)
    await expect(signBytes(key, 'text' as unknown as Uint8Array)).rejects.toThrow(/"data"/)
    await expect(verifyBytes(key, utf8('x'), 'sig' as unknown as Uint8Array)).rejects.toThrow(/"signature"/)
    await expect(signBytes(key, utf8('x'), { backend: 'quantum' as 'pure' })).rejects.toThrow(TypeError)
  })

  test('thumbprint of a bad JWK is a coded error', async () => {
    await expect(thumbprint({ kty: 'EC', crv: 'P-256' })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
  })

  test('minimumRsaBits lowers the floor for legacy keys (draft-cavage uses 1024-bit RSA)', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }) as string
    const key = await importKey(small, { alg: 'rsa-v1_5-sha256', minimumRsaBits: 1024 })
    expect(await verifyBytes(key, utf8('m'), await signBytes(key, utf8('m')))).toBe(true)
  })

  test('verifyBytes returns false (no throw) for signatures of any wrong length', async () => {
    for (const alg of ['hmac-sha256', 'ed25519', 'ecdsa-p384-sha384', 'rsa-pss-sha512'] as const) {
      const key = await generateKey(alg)
      for (const backend of ['native', 'webcrypto'] as const) {
        for (const length of [0, 1, 31, 65, 255, 257, 1000]) {
          expect(await verifyBytes(key, utf8('m'), new Uint8Array(length), { backend })).toBe(false)
        }
      }
    }
  })
})

describe('secrets never leak', () => {
  test('String, JSON.stringify, util.inspect, template literals and errors show no material', async () => {
    const secret = Buffer.alloc(40, 0xab)
    const hmac = await importKey(new Uint8Array(secret), { alg: 'hmac-sha256', kid: 'hmac-1' })
    const edKey = await importKey(edJwk, { kid: 'ed-1' })
    const rsaKey = await importKey(rsaJwk, { alg: 'rsa-pss-sha512' })
    const material = [b64u(secret), secret.toString('hex'), secret.toString('base64'), edJwk.d!, rsaJwk.d!, rsaJwk.p!]
    for (const key of [hmac, edKey, rsaKey]) {
      const views = [String(key), `${key}`, JSON.stringify(key), JSON.stringify({ nested: [key] }), inspect(key), inspect({ key }, { depth: 10, showHidden: true }), Object.keys(key).join(',')]
      for (const view of views) for (const m of material) expect(view).not.toContain(m.slice(0, 16))
    }
    expect(String(hmac)).toBe('SignetKey(hmac-sha256 secret kid=hmac-1)')
    expect(JSON.parse(JSON.stringify(edKey))).toEqual({ alg: 'ed25519', type: 'private', kid: 'ed-1', extractable: true })
    expect(inspect(edKey)).toBe('SignetKey(ed25519 private kid=ed-1)')
    // The object holds no reference to the material at all.
    expect(Object.getOwnPropertyNames(edKey).sort()).toEqual(['algorithm', 'extractable', 'kid', 'type'])
    expect(Object.isFrozen(edKey)).toBe(true)
  })

  test('error messages name members, never values', async () => {
    const secret = Buffer.alloc(20, 0xcd)
    const probes: [unknown, ImportKeyOptions | undefined][] = [
      [{ kty: 'oct', k: b64u(secret) }, undefined],
      [new Uint8Array(secret), { alg: 'hmac-sha256' }],
      [{ ...edJwk, x: otherEd.x }, undefined],
      [{ ...ecJwk, x: otherEc.x, y: otherEc.y }, undefined],
      [{ ...rsaJwk, p: rsaJwk.q }, { alg: 'rsa-v1_5-sha256' }],
      [{ ...edJwk, d: edJwk.d + '!' }, undefined],
      [{ ...edJwk }, { type: 'public' }],
    ]
    const material = [b64u(secret), secret.toString('hex'), edJwk.d!, ecJwk.d!, rsaJwk.d!, rsaJwk.q!]
    for (const [input, options] of probes) {
      const error = (await importKey(input as JsonWebKey, options).catch((e: unknown) => e)) as Error
      expect(isSignetError(error)).toBe(true)
      const text = `${error.message} ${JSON.stringify(error)} ${inspect(error)}`
      for (const m of material) expect(text).not.toContain(m.slice(0, 16))
    }
  })

  test('exportJwk refuses to reveal a secret unless asked, and never for a non-extractable key', async () => {
    const key = await importKey(edJwk, { extractable: false })
    await expect(exportJwk(key, { private: true })).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
    expect(await exportJwk(key)).not.toHaveProperty('d')
    expect(await exportJwk(publicKey(key))).toEqual(await exportJwk(key))
  })
})
