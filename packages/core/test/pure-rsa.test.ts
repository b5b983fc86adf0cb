/**
 * RSA on BigInt (packages/core/src/backends/rsa): RFC 8017 encodings against node:crypto in
 * both directions, v1.5 byte-identical to node, unusual modulus sizes, strict verification of
 * lengths and ranges, key consistency checks and the fault check in the signer.
 */
import * as nodeCrypto from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { getAlgorithm } from '../src/algorithms.ts'
import { pureBackend } from '../src/backends/pure.ts'
import type { RsaHash } from '../src/backends/rsa/hash.ts'
import { bitLength, bytesToInteger, integerToBytes, modInverse, modPow } from '../src/backends/rsa/integer.ts'
import { rsaPrivateKeyFromJwk, rsaPublicKeyFromJwk } from '../src/backends/rsa/key.ts'
import { emsaPssEncode, emsaPssVerify } from '../src/backends/rsa/emsa-pss.ts'
import { rsasp1, rsaPkcs1v15Verify, rsaPssVerify } from '../src/backends/rsa/rsassa.ts'
import { mgf1 } from '../src/backends/rsa/mgf1.ts'
import { generateRsaJwk } from '../src/backends/rsa/generate.ts'
import { utf8 } from '../src/bytes.ts'
import { isSignetError } from '../src/errors.ts'

const pss = getAlgorithm('rsa-pss-sha512')
const v15 = getAlgorithm('rsa-v1_5-sha256')
const sha512: RsaHash = { name: 'sha-512', outputLength: 64, digest: (d) => nodeCrypto.createHash('sha512').update(d).digest() }
const sha256: RsaHash = { name: 'sha-256', outputLength: 32, digest: (d) => nodeCrypto.createHash('sha256').update(d).digest() }

function rsaPair(bits: number): { priv: JsonWebKey; pub: JsonWebKey; node: nodeCrypto.KeyPairKeyObjectResult } {
  const node = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: bits })
  return { priv: node.privateKey.export({ format: 'jwk' }), pub: node.publicKey.export({ format: 'jwk' }), node }
}

const k2048 = rsaPair(2048)
const message = utf8('"@method": GET\n"@signature-params": ("@method");created=1618884473')

function nodePss(key: nodeCrypto.KeyObject, data: Uint8Array, saltLength: number): Buffer {
  return nodeCrypto.sign('sha512', data, { key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength })
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return isSignetError(err) ? err.code : `not coded: ${String(err)}`
  }
  return undefined
}

describe('RSA integers (RFC 8017 section 4)', () => {
  it('I2OSP and OS2IP round-trip and pad on the left', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), (bytes, extra) => {
        const n = bytesToInteger(bytes)
        const out = integerToBytes(n, bytes.length + extra)
        expect(out.length).toBe(bytes.length + extra)
        expect(bytesToInteger(out)).toBe(n)
        expect(Buffer.from(out.subarray(extra)).equals(Buffer.from(bytes))).toBe(true)
      }),
    )
    expect(() => integerToBytes(256n, 1)).toThrow(RangeError)
    expect(() => integerToBytes(-1n, 4)).toThrow(RangeError)
    expect(integerToBytes(0n, 0).length).toBe(0)
  })

  it('modPow agrees with square-and-multiply for long exponents, modInverse inverts', () => {
    const naive = (b: bigint, e: bigint, m: bigint): bigint => {
      let r = 1n
      for (let i = e.toString(2).length - 1; i >= 0; i--) {
        r = (r * r) % m
        if ((e >> BigInt(i)) & 1n) r = (r * b) % m
      }
      return r
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 300n }), fc.bigInt({ min: 0n, max: 1n << 200n }), fc.bigInt({ min: 2n, max: 1n << 128n }), (b, e, m) => {
        expect(modPow(b, e, m)).toBe(naive(b, e, m))
      }),
      { numRuns: 200 },
    )
    const p = 2n ** 127n - 1n
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: p - 1n }), (a) => {
        expect((a * modInverse(a, p)) % p).toBe(1n)
      }),
    )
    expect(() => modInverse(6n, 9n)).toThrow(RangeError)
    expect(() => modPow(2n, 3n, 1n)).toThrow(RangeError)
    expect(bitLength(0n)).toBe(0)
    expect(bitLength(255n)).toBe(8)
  })

  it('MGF1 matches its definition (RFC 8017 B.2.1)', () => {
    const seed = utf8('seed')
    const mask = mgf1(sha512, seed, 150)
    const expected = Buffer.concat([0, 1, 2].map((c) => sha512.digest(Buffer.concat([seed, Buffer.from([0, 0, 0, c])]))))
    expect(Buffer.from(mask).equals(expected.subarray(0, 150))).toBe(true)
  })
})

describe('RSASSA-PKCS1-v1_5 with SHA-256', () => {
  it('produces signatures byte-identical to node:crypto over random messages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1500 }), async (data) => {
        const ours = await pureBackend.sign(v15, { jwk: k2048.priv }, data)
        expect(Buffer.from(ours).equals(nodeCrypto.sign('sha256', data, k2048.node.privateKey))).toBe(true)
        expect(await pureBackend.verify(v15, { jwk: k2048.pub }, data, ours)).toBe(true)
      }),
      { numRuns: 15 },
    )
  })

  it('signs the same bytes without the CRT members (d alone)', async () => {
    const { p, q, dp, dq, qi, ...noCrt } = k2048.priv
    void [p, q, dp, dq, qi]
    const withCrt = await pureBackend.sign(v15, { jwk: k2048.priv }, message)
    const withoutCrt = await pureBackend.sign(v15, { jwk: noCrt }, message)
    expect(Buffer.from(withoutCrt).equals(Buffer.from(withCrt))).toBe(true)
  })

  it('rejects a PKCS#1 v1.5 signature over SHA-512 (a different DigestInfo)', async () => {
    const other = nodeCrypto.sign('sha512', message, k2048.node.privateKey)
    expect(await pureBackend.verify(v15, { jwk: k2048.pub }, message, other)).toBe(false)
  })
})

describe('RSASSA-PSS with SHA-512 and a 64-byte salt', () => {
  it('verifies node:crypto signatures and makes ones node verifies, over random messages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1500 }), async (data) => {
        const fromNode = nodePss(k2048.node.privateKey, data, 64)
        expect(await pureBackend.verify(pss, { jwk: k2048.pub }, data, fromNode)).toBe(true)
        const ours = await pureBackend.sign(pss, { jwk: k2048.priv }, data)
        const ok = nodeCrypto.verify(
          'sha512',
          data,
          { key: k2048.node.publicKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
          ours,
        )
        expect(ok).toBe(true)
      }),
      { numRuns: 15 },
    )
  })

  it('is randomized: two signatures of one message differ and both verify', async () => {
    const a = await pureBackend.sign(pss, { jwk: k2048.priv }, message)
    const b = await pureBackend.sign(pss, { jwk: k2048.priv }, message)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(await pureBackend.verify(pss, { jwk: k2048.pub }, message, a)).toBe(true)
    expect(await pureBackend.verify(pss, { jwk: k2048.pub }, message, b)).toBe(true)
  })

  it('requires the salt length to be exactly 64', async () => {
    for (const saltLength of [0, 32, 63, 65, nodeCrypto.constants.RSA_PSS_SALTLEN_MAX_SIGN]) {
      const sig = nodePss(k2048.node.privateKey, message, saltLength)
      expect(await pureBackend.verify(pss, { jwk: k2048.pub }, message, sig)).toBe(false)
    }
  })

  it('EMSA-PSS encode/verify round-trip and reject a set top bit', () => {
    const salt = new Uint8Array(64).fill(7)
    for (const emBits of [2047, 2048, 1039]) {
      const em = emsaPssEncode(sha512, message, emBits, salt)
      expect(emsaPssVerify(sha512, message, em, emBits, 64)).toBe(true)
      expect(emsaPssVerify(sha512, message, em, emBits, 32)).toBe(false)
      const top = em.slice()
      if (emBits % 8 !== 0) {
        top[0] = (top[0] as number) | 0x80
        expect(emsaPssVerify(sha512, message, top, emBits, 64)).toBe(false)
      }
      // Flipping bits of maskedDB flips the same bits of DB while H and the salt stay: only the
      // PS and separator checks (RFC 8017 section 9.1.2 step 10) can catch these.
      const dbLength = em.length - 64 - 1
      const noSeparator = em.slice()
      noSeparator[dbLength - 64 - 1] = (noSeparator[dbLength - 64 - 1] as number) ^ 0x01
      expect(emsaPssVerify(sha512, message, noSeparator, emBits, 64)).toBe(false)
      if (dbLength - 64 - 1 > 0) {
        // (1039 bits leaves PS empty: the smallest modulus that fits SHA-512 and a 64-byte salt.)
        const dirtyPs = em.slice()
        dirtyPs[dbLength - 64 - 2] = (dirtyPs[dbLength - 64 - 2] as number) ^ 0x10
        expect(emsaPssVerify(sha512, message, dirtyPs, emBits, 64)).toBe(false)
      }
      const trailer = em.slice()
      trailer[trailer.length - 1] = 0xbb
      expect(emsaPssVerify(sha512, message, trailer, emBits, 64)).toBe(false)
    }
    expect(() => emsaPssEncode(sha512, message, 8 * 129, salt)).toThrow(RangeError)
  })
})

describe('unusual modulus sizes', () => {
  // 2049 bits: emBits = 2048 is a multiple of 8, so EM is one byte shorter than the signature.
  for (const bits of [2047, 2049, 3072]) {
    it(`${bits}-bit keys interoperate with node:crypto for PSS and v1.5`, async () => {
      const pair = rsaPair(bits)
      const ours = await pureBackend.sign(pss, { jwk: pair.priv }, message)
      expect(
        nodeCrypto.verify(
          'sha512',
          message,
          { key: pair.node.publicKey, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
          ours,
        ),
      ).toBe(true)
      expect(await pureBackend.verify(pss, { jwk: pair.pub }, message, nodePss(pair.node.privateKey, message, 64))).toBe(true)
      const v = await pureBackend.sign(v15, { jwk: pair.priv }, message)
      expect(Buffer.from(v).equals(nodeCrypto.sign('sha256', message, pair.node.privateKey))).toBe(true)
    })
  }
})

describe('strict verification: lengths and ranges', () => {
  const pub = rsaPublicKeyFromJwk(k2048.pub)
  const good = nodeCrypto.sign('sha256', message, k2048.node.privateKey)
  const goodPss = nodePss(k2048.node.privateKey, message, 64)
  const nBytes = integerToBytes(pub.n, pub.k)
  // s + n is the same residue as s: a lenient verifier that reduces mod n would accept it.
  const shifted = pub.n + bytesToInteger(good)
  const aboveN = shifted < 1n << BigInt(8 * pub.k) ? shifted : pub.n + 1n
  const bad: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one byte short', good.subarray(1)],
    ['a leading zero byte added (k + 1 bytes)', new Uint8Array([0, ...good])],
    ['zero', new Uint8Array(pub.k)],
    ['one', integerToBytes(1n, pub.k)],
    ['n - 1', integerToBytes(pub.n - 1n, pub.k)],
    ['s = n', nBytes],
    ['s + n for a valid s (or n + 1 when that does not fit)', integerToBytes(aboveN, pub.k)],
    ['all 0xff (above n)', new Uint8Array(pub.k).fill(0xff)],
  ]
  for (const [name, signature] of bad) {
    it(`returns false for ${name}`, async () => {
      expect(rsaPkcs1v15Verify(pub, sha256, message, signature)).toBe(false)
      expect(rsaPssVerify(pub, sha512, message, signature, 64)).toBe(false)
      expect(await pureBackend.verify(v15, { jwk: k2048.pub }, message, signature)).toBe(false)
      expect(await pureBackend.verify(pss, { jwk: k2048.pub }, message, signature)).toBe(false)
    })
  }
  it('accepts the untouched signatures (the list above is not vacuous)', () => {
    expect(rsaPkcs1v15Verify(pub, sha256, message, good)).toBe(true)
    expect(rsaPssVerify(pub, sha512, message, goodPss, 64)).toBe(true)
  })
})

describe('RSA keys from JWK', () => {
  it('refuses inconsistent or partial private keys with ERR_KEY_INVALID', () => {
    const jwk = k2048.priv
    const other = rsaPair(2048).priv
    expect(codeOf(() => rsaPrivateKeyFromJwk({ ...jwk, qi: other.qi! }))).toBe('ERR_KEY_INVALID')
    expect(codeOf(() => rsaPrivateKeyFromJwk({ ...jwk, dp: other.dp! }))).toBe('ERR_KEY_INVALID')
    expect(codeOf(() => rsaPrivateKeyFromJwk({ ...jwk, p: other.p! }))).toBe('ERR_KEY_INVALID')
    const { qi, ...partial } = jwk
    void qi
    expect(codeOf(() => rsaPrivateKeyFromJwk(partial))).toBe('ERR_KEY_INVALID')
    expect(codeOf(() => rsaPrivateKeyFromJwk({ ...jwk, d: undefined as unknown as string }))).toBe('ERR_KEY_INVALID')
    expect(codeOf(() => rsaPrivateKeyFromJwk({ ...jwk, oth: [] }))).toBe('ERR_KEY_UNSUPPORTED')
    expect(codeOf(() => rsaPrivateKeyFromJwk(jwk))).toBeUndefined()
  })

  it('refuses unusable public keys with ERR_KEY_INVALID', () => {
    const jwk = k2048.pub
    expect(codeOf(() => rsaPublicKeyFromJwk({ ...jwk, e: 'Ag' }))).toBe('ERR_KEY_INVALID') // e = 2
    expect(codeOf(() => rsaPublicKeyFromJwk({ ...jwk, e: 'AQ' }))).toBe('ERR_KEY_INVALID') // e = 1
    expect(codeOf(() => rsaPublicKeyFromJwk({ ...jwk, n: 'AAAA' }))).toBe('ERR_KEY_INVALID')
    expect(codeOf(() => rsaPublicKeyFromJwk({ ...jwk, n: 'not base64url!' }))).toBe('ERR_KEY_INVALID')
    expect(codeOf(() => rsaPublicKeyFromJwk({ ...jwk, kty: 'EC' }))).toBe('ERR_KEY_INVALID')
  })

  it('never releases a faulty CRT signature (Bellcore check)', () => {
    const key = rsaPrivateKeyFromJwk(k2048.priv)
    const faulty = { ...key, crt: { ...key.crt!, dp: key.crt!.dp + 2n } }
    expect(codeOf(() => rsasp1(faulty, 12345n))).toBe('ERR_KEY_INVALID')
    expect(() => rsasp1(key, key.n)).toThrow(RangeError)
    // The blinding state advances between signatures and the result stays correct.
    const m = 987654321n
    const first = rsasp1(key, m)
    expect(rsasp1(key, m)).toBe(first)
    expect(modPow(first, key.e, key.n)).toBe(m)
  })
})

describe('RSA key generation (FIPS 186-5 appendix A.1.3)', () => {
  it('makes a consistent 2048-bit key that node:crypto accepts and signs with identically', async () => {
    const jwk = generateRsaJwk(2048)
    expect(jwk.e).toBe('AQAB')
    const key = rsaPrivateKeyFromJwk(jwk) // checks p q = n, dp, dq, qi
    expect(key.modBits).toBe(2048)
    expect(key.k).toBe(256)
    const { p, q } = key.crt!
    expect(nodeCrypto.checkPrimeSync(p)).toBe(true)
    expect(nodeCrypto.checkPrimeSync(q)).toBe(true)
    expect(bitLength(p)).toBe(1024)
    expect(bitLength(q)).toBe(1024)
    const nodeKey = nodeCrypto.createPrivateKey({ key: jwk as nodeCrypto.JsonWebKey, format: 'jwk' })
    expect(nodeKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
    const ours = await pureBackend.sign(v15, { jwk }, message)
    expect(Buffer.from(ours).equals(nodeCrypto.sign('sha256', message, nodeKey))).toBe(true)
    expect(await pureBackend.verify(pss, { jwk }, message, nodePss(nodeKey, message, 64))).toBe(true)
  })

  it('encodes every member with the fewest octets (Base64urlUInt, RFC 7518 section 2)', () => {
    const jwk = generateRsaJwk(1024) as Record<string, string>
    for (const name of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']) {
      const bytes = Buffer.from(jwk[name]!, 'base64url')
      expect(bytes[0], name).not.toBe(0)
    }
  })

  it('is offered by the pure backend for both RSA algorithms', async () => {
    const jwk = (await pureBackend.generateJwk!(pss, { modulusLength: 2048 })) as JsonWebKey
    const sig = await pureBackend.sign(pss, { jwk }, message)
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk
    expect(await pureBackend.verify(pss, { jwk: pub }, message, sig)).toBe(true)
  })

  it('refuses odd or too small sizes with a RangeError', () => {
    expect(() => generateRsaJwk(2047)).toThrow(RangeError)
    expect(() => generateRsaJwk(512)).toThrow(RangeError)
  })
})
