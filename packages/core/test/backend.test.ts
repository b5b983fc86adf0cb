/**
 * Backends: registry, selection, explicit choice, fallback, digests (FIPS 180-2 vectors),
 * CryptoKey input, and the WebCrypto-only runtime (node:crypto hidden) for every key form.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { algorithms, getAlgorithm, type AlgorithmName } from '../src/algorithms.ts'
import type { CryptoBackend } from '../src/backend.ts'
import {
  availableBackends,
  digest,
  getBackend,
  registerBackend,
  selectBackend,
  unregisterBackend,
} from '../src/backends/registry.ts'
import { setNodeCryptoForTesting } from '../src/backends/runtime.ts'
import { webcryptoBackend } from '../src/backends/webcrypto.ts'
import { fromBase64, toHex, utf8 } from '../src/bytes.ts'
import { SignetError } from '../src/errors.ts'
import { exportJwk, generateKey, importKey, publicKey, signBytes, verifyBytes } from '../src/keys/index.ts'

const vectors = JSON.parse(readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8')) as {
  keys: Record<string, { usable_with: AlgorithmName[]; jwk: JsonWebKey; private_pem?: string; public_pem?: string }>
  examples: { id: string; keyid: string; alg: AlgorithmName; expect: string; deterministic: boolean; signature_base: string; signature_b64: string }[]
}

afterEach(() => {
  setNodeCryptoForTesting(undefined)
  unregisterBackend('pure')
  unregisterBackend('native')
})

/** A stand-in for the pure backend: WebCrypto under another name, counting calls. */
function fakePure(): CryptoBackend & { calls: number } {
  const fake = {
    name: 'pure' as const,
    calls: 0,
    supports: () => true,
    sign(alg: Parameters<CryptoBackend['sign']>[0], key: Parameters<CryptoBackend['sign']>[1], data: Uint8Array) {
      fake.calls++
      return webcryptoBackend.sign(alg, key, data)
    },
    verify(...args: Parameters<CryptoBackend['verify']>) {
      fake.calls++
      return webcryptoBackend.verify(...args)
    },
    digest: (...args: Parameters<CryptoBackend['digest']>) => webcryptoBackend.digest(...args),
  }
  return fake
}

describe('registry and selection', () => {
  test('native and webcrypto are built in on Node; pure needs registering', () => {
    expect(availableBackends().sort()).toEqual(['native', 'webcrypto'])
    expect(getBackend('native').name).toBe('native')
    expect(getBackend('webcrypto').name).toBe('webcrypto')
    expect(() => getBackend('pure')).toThrow(expect.objectContaining({ code: 'ERR_BACKEND_UNAVAILABLE' }))
    expect(() => getBackend('other' as 'pure')).toThrow(TypeError)
  })

  test('default selection is native for every algorithm on Node', () => {
    for (const alg of algorithms) expect(selectBackend(alg).name).toBe('native')
  })

  test('without node:crypto: every algorithm prefers webcrypto to a registered pure backend', () => {
    setNodeCryptoForTesting(false)
    expect(availableBackends()).toEqual(['webcrypto'])
    expect(() => getBackend('native')).toThrow(expect.objectContaining({ code: 'ERR_BACKEND_UNAVAILABLE' }))
    expect(selectBackend(getAlgorithm('hmac-sha256')).name).toBe('webcrypto')
    registerBackend(fakePure())
    expect(selectBackend(getAlgorithm('hmac-sha256')).name).toBe('webcrypto')
    expect(selectBackend(getAlgorithm('hmac-sha256'), undefined, 'pure').name).toBe('pure')
    expect(selectBackend(getAlgorithm('ed25519')).name).toBe('webcrypto')
    expect(selectBackend(getAlgorithm('ed25519'), undefined, 'pure').name).toBe('pure')
  })

  test('registerBackend checks the shape', () => {
    expect(() => registerBackend(null as unknown as CryptoBackend)).toThrow(TypeError)
    expect(() => registerBackend({ ...fakePure(), name: 'other' as 'pure' })).toThrow(/backend.name/)
    expect(() => registerBackend({ ...fakePure(), verify: undefined } as unknown as CryptoBackend)).toThrow(/backend.verify/)
  })

  test('a registered pure backend signs through signBytes and its signatures verify elsewhere', async () => {
    const pure = fakePure()
    registerBackend(pure)
    const key = await generateKey('ecdsa-p256-sha256')
    const data = utf8('via pure')
    const signature = await signBytes(key, data, { backend: 'pure' })
    expect(pure.calls).toBe(1)
    expect(await verifyBytes(publicKey(key), data, signature, { backend: 'native' })).toBe(true)
    expect(await verifyBytes(publicKey(key), data, signature, { backend: 'pure' })).toBe(true)
    expect(pure.calls).toBe(2)
  })

  test('an explicit backend that cannot run is ERR_BACKEND_UNAVAILABLE', async () => {
    const key = await generateKey('hmac-sha256')
    await expect(signBytes(key, utf8('x'), { backend: 'pure' })).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
    setNodeCryptoForTesting(false)
    await expect(signBytes(key, utf8('x'), { backend: 'native' })).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
    await expect(verifyBytes(key, utf8('x'), new Uint8Array(32), { backend: 'native' })).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
  })

  test('a default backend that turns out unable falls back to the next and is remembered', async () => {
    let attempts = 0
    registerBackend({
      name: 'native',
      supports: () => true,
      sign: () => {
        attempts++
        throw new SignetError('ERR_BACKEND_UNAVAILABLE', 'not here')
      },
      verify: () => Promise.reject(new SignetError('ERR_BACKEND_UNAVAILABLE', 'not here')),
      digest: () => new Uint8Array(0),
    })
    const key = await importKey(vectors.keys['test-key-ed25519']!.jwk)
    const example = vectors.examples.find((e) => e.alg === 'ed25519' && e.deterministic)!
    const signature = await signBytes(key, utf8(example.signature_base))
    expect(signature).toEqual(fromBase64(example.signature_b64))
    await signBytes(key, utf8('again'))
    expect(attempts).toBe(1)
    expect(await verifyBytes(key, utf8(example.signature_base), signature)).toBe(true)
  })
})

describe('runtime detection', () => {
  test('Cloudflare Workers (nodejs_compat) get no native backend: its node:crypto refuses the sign options Signet needs', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Cloudflare-Workers' }, configurable: true })
    try {
      setNodeCryptoForTesting(undefined)
      expect(availableBackends()).toEqual(['webcrypto'])
      expect(selectBackend(getAlgorithm('ecdsa-p256-sha256')).name).toBe('webcrypto')
    } finally {
      if (saved === undefined) delete (globalThis as { navigator?: unknown }).navigator
      else Object.defineProperty(globalThis, 'navigator', saved)
      setNodeCryptoForTesting(undefined)
    }
    expect(availableBackends()).toContain('native')
  })

  test('a backend refuses material prepared for another algorithm', async () => {
    const key = await importKey(vectors.keys['test-key-rsa-pss']!.private_pem!)
    const { keyState } = await import('../src/keys/signet-key.ts')
    const material = keyState(key).material
    const native = getBackend('native')
    expect(native.sign(getAlgorithm('rsa-pss-sha512'), material, utf8('x'))).toBeInstanceOf(Uint8Array)
    expect(() => native.sign(getAlgorithm('rsa-v1_5-sha256'), material, utf8('x'))).toThrow(expect.objectContaining({ code: 'ERR_ALG_MISMATCH' }))
  })

  test('selectBackend accepts a SignetKey', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
    const key = await importKey((pair as CryptoKeyPair).privateKey)
    expect(selectBackend(key.algorithm, key).name).toBe('webcrypto')
    expect(() => selectBackend(key.algorithm, key, 'native')).toThrow(expect.objectContaining({ code: 'ERR_BACKEND_UNAVAILABLE' }))
  })
})

describe('digest', () => {
  // FIPS 180-2 appendix B examples ("abc").
  const abc: Record<'sha-256' | 'sha-384' | 'sha-512', string> = {
    'sha-256': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    'sha-384': 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    'sha-512':
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  }
  for (const [hash, hex] of Object.entries(abc) as ['sha-256' | 'sha-384' | 'sha-512', string][]) {
    test(hash, async () => {
      expect(toHex(await digest(hash, utf8('abc')))).toBe(hex)
      expect(toHex(await digest(hash, utf8('abc'), { backend: 'native' }))).toBe(hex)
      expect(toHex(await digest(hash, utf8('abc'), { backend: 'webcrypto' }))).toBe(hex)
    })
  }
  test('misuse', async () => {
    await expect(digest('sha-256', 'abc' as unknown as Uint8Array)).rejects.toThrow(TypeError)
    await expect(digest('sha-256', utf8(''), { backend: 'pure' })).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
  })
})

describe('CryptoKey input', () => {
  test('an extractable CryptoKey becomes an ordinary key (any backend)', async () => {
    const cryptoKey = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, true, ['sign', 'verify'])
    const key = await importKey(cryptoKey)
    expect(key.algorithm.name).toBe('hmac-sha256')
    expect(key.extractable).toBe(true)
    const data = utf8('ck')
    const tag = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, data))
    expect(await signBytes(key, data, { backend: 'native' })).toEqual(tag)
  })

  test('a non-extractable CryptoKey always stays on webcrypto', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify'])
    const key = await importKey(pair.privateKey, { kid: 'device-key' })
    expect(key.algorithm.name).toBe('ecdsa-p384-sha384')
    expect(key.extractable).toBe(false)
    expect(key.kid).toBe('device-key')
    const data = utf8('non-extractable')
    const signature = await signBytes(key, data)
    const pub = await importKey(pair.publicKey)
    expect(pub.type).toBe('public')
    expect(await verifyBytes(pub, data, signature, { backend: 'native' })).toBe(true)
    await expect(signBytes(key, data, { backend: 'native' })).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
    await expect(exportJwk(key, { private: true })).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
    // Its public part is not known from the private CryptoKey alone.
    expect(() => publicKey(key)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNSUPPORTED' }))
    await expect(verifyBytes(key, data, signature)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
  })

  test('a CryptoKeyPair with a non-extractable private half gets a thumbprint kid and a public key', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
    const key = await importKey(pair)
    const pub = await importKey(pair.publicKey)
    expect(key.extractable).toBe(false)
    expect(key.kid).toBe(pub.kid)
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const data = utf8('pair')
    const signature = await signBytes(key, data)
    expect(await verifyBytes(key, data, signature)).toBe(true)
    expect(await verifyBytes(publicKey(key), data, signature, { backend: 'native' })).toBe(true)
    const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair
    await expect(importKey({ privateKey: pair.privateKey, publicKey: other.publicKey })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
    const stranger = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
    await expect(importKey({ privateKey: pair.privateKey, publicKey: stranger.publicKey })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
  })

  test('CryptoKey algorithms are mapped from the key and checked', async () => {
    const cases: [RsaHashedKeyGenParams | EcKeyGenParams | Algorithm, AlgorithmName][] = [
      [{ name: 'RSA-PSS', hash: 'SHA-512', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as RsaHashedKeyGenParams, 'rsa-pss-sha512'],
      [{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as RsaHashedKeyGenParams, 'rsa-v1_5-sha256'],
      [{ name: 'Ed25519' }, 'ed25519'],
      [{ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams, 'ecdsa-p256-sha256'],
    ]
    for (const [params, name] of cases) {
      const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair
      expect((await importKey(pair.privateKey)).algorithm.name).toBe(name)
      expect((await importKey(pair.publicKey, { alg: name })).type).toBe('public')
      await expect(importKey(pair.publicKey, { alg: name === 'ed25519' ? 'ecdsa-p256-sha256' : 'ed25519' })).rejects.toMatchObject({ code: 'ERR_ALG_MISMATCH' })
    }
    const pssSha256 = (await crypto.subtle.generateKey(
      { name: 'RSA-PSS', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair
    await expect(importKey(pssSha256.privateKey)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
    const shortHmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 128 }, false, ['sign'])
    await expect(importKey(shortHmac)).rejects.toMatchObject({ code: 'ERR_KEY_TOO_SHORT' })
    const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])
    await expect(importKey(aes)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' })
  })
})

describe('a runtime with WebCrypto only (node:crypto hidden)', () => {
  test('every vector key imports from every form and the vectors verify', async () => {
    setNodeCryptoForTesting(false)
    for (const k of Object.values(vectors.keys)) {
      const alg = k.usable_with[0] as AlgorithmName
      const fromJwk = await importKey(k.jwk, { alg })
      for (const text of [k.private_pem, k.public_pem]) {
        if (text === undefined) continue
        const fromPem = await importKey(text, { alg, kid: fromJwk.kid })
        const wantPrivate = fromPem.type === 'private'
        const expected = await exportJwk(wantPrivate ? fromJwk : publicKey(fromJwk), { private: wantPrivate })
        expect(await exportJwk(fromPem, { private: wantPrivate })).toEqual(expected)
      }
    }
    for (const example of vectors.examples.filter((e) => e.expect === 'valid')) {
      const k = vectors.keys[example.keyid]!
      const key = await importKey(k.private_pem ?? k.jwk, { alg: example.alg })
      expect(selectBackend(key.algorithm).name).toBe('webcrypto')
      expect(await verifyBytes(key, utf8(example.signature_base), fromBase64(example.signature_b64)), example.id).toBe(true)
      if (example.deterministic) expect(await signBytes(key, utf8(example.signature_base))).toEqual(fromBase64(example.signature_b64))
    }
  })

  test('generateKey works for every algorithm', async () => {
    setNodeCryptoForTesting(false)
    for (const alg of algorithms) {
      const key = await generateKey(alg.name)
      const data = utf8(alg.name)
      const signature = await signBytes(key, data)
      setNodeCryptoForTesting(undefined)
      expect(await verifyBytes(key.type === 'secret' ? key : publicKey(key), data, signature, { backend: 'native' })).toBe(true)
      setNodeCryptoForTesting(false)
    }
  })

  test('with no backend able to derive a public point, a scalar-only key is ERR_BACKEND_UNAVAILABLE', async () => {
    setNodeCryptoForTesting(false)
    registerBackend({ ...webcryptoBackend, name: 'native', derivePublicJwk: undefined, supports: () => false } as CryptoBackend)
    const saved = globalThis.crypto
    Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: saved.getRandomValues.bind(saved) }, configurable: true })
    try {
      await expect(importKey(vectors.keys['test-key-ed25519']!.private_pem!)).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
      await expect(generateKey('ed25519')).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' })
    } finally {
      Object.defineProperty(globalThis, 'crypto', { value: saved, configurable: true })
    }
  })
})
