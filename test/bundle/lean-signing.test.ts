/**
 * The lean signing entries (`@signet/core/signing`, `@signet/client/sign`) sign exactly as the
 * full API does: RFC 9421 vectors first (B.2.5 HMAC, B.2.6 and B.4 Ed25519, re-signed byte for
 * byte), then properties against the full signer and verifier (same headers for the same
 * profile; verifies under `verifyMessage`; the key is an ordinary SignetKey), backend choice
 * (node:crypto, WebCrypto, pure, none), then bad inputs, each a coded error or a labelled
 * TypeError/RangeError, never a crash.
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  componentValue,
  exportJwk,
  fromBase64Url,
  fromFetchRequest,
  generateKey,
  importKey,
  isSignetError,
  parseComponentIdentifier,
  parseHttpMessage,
  parseSignatureInput,
  signBytes,
  toBase64,
  toBase64Url,
  verifyBytes,
  verifyMessage,
  verifyMessageDigest,
  type HttpRequestMessage,
  type SignetKey,
} from '@signet/core'
import { createSigner as createFullSigner } from '@signet/client'
import { createSigner } from '@signet/client/sign'
import {
  basicComponentValue,
  digestBytes,
  importJwk,
  requestMessage,
  shortBase64,
  signBasic,
  signWithKey,
  SignetError,
} from '@signet/core/signing'
import { registerBackend, unregisterBackend } from '../../packages/core/src/backends/registry.ts'
import { setNodeCryptoForTesting } from '../../packages/core/src/backends/runtime.ts'
import { pureBackend } from '../../packages/core/src/backends/pure.ts'

interface Example {
  readonly id: string
  readonly message: string
  readonly label: string
  readonly alg: string
  readonly keyid: string
  readonly deterministic: boolean
  readonly covered_components: readonly string[]
  readonly signature_input: string
  readonly signature_base: string
  readonly signature: string
}
interface Vectors {
  readonly keys: Record<string, { readonly jwk: JsonWebKey & { kid?: string } }>
  readonly messages: Record<string, { readonly raw_crlf: string; readonly start_line: string }>
  readonly examples: readonly Example[]
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/rfc9421-vectors.json', import.meta.url), 'utf8')) as Vectors

const SECRET_JWK = vectors.keys['test-shared-secret']!.jwk
const ED25519_JWK = vectors.keys['test-key-ed25519']!.jwk

function isCode(error: unknown, code: string): boolean {
  return isSignetError(error) && error.code === code
}

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run()
  } catch (error) {
    if (isSignetError(error)) return error.code
    if (error instanceof TypeError || error instanceof RangeError) return error.name
    return `unexpected ${String(error)}`
  }
  return 'no error'
}

afterEach(() => {
  setNodeCryptoForTesting(undefined)
  unregisterBackend('pure')
  vi.unstubAllGlobals()
})

describe('RFC 9421 vectors, re-signed with the lean entry', () => {
  // The deterministic HMAC and Ed25519 request examples whose components take no parameter.
  const usable = vectors.examples.filter(
    (e) =>
      e.deterministic &&
      (e.alg === 'hmac-sha256' || e.alg === 'ed25519') &&
      !vectors.messages[e.message]!.start_line.startsWith('HTTP/') &&
      e.covered_components.every((c) => !c.includes(';')),
  )

  it('covers B.2.5, B.2.6 and B.4', () => {
    expect(usable.map((e) => e.id)).toEqual(expect.arrayContaining(['B.2.5', 'B.2.6', 'B.4']))
  })

  for (const example of usable) {
    it(`${example.id}: same base, Signature-Input and Signature`, async () => {
      const message = parseHttpMessage(vectors.messages[example.message]!.raw_crlf) as HttpRequestMessage
      const member = parseSignatureInput([example.signature_input]).get(example.label)!
      const key = await importJwk(vectors.keys[example.keyid]!.jwk)
      const params = member.params
      const result = await signBasic(message, {
        key,
        label: example.label,
        components: example.covered_components.map((c) => JSON.parse(c) as string),
        created: params.created,
        expires: params.expires,
        nonce: params.nonce,
        tag: params.tag,
        keyid: params.keyid ?? null,
      })
      expect(result.base).toBe(example.signature_base)
      expect(result.signatureInput).toBe(example.signature_input)
      expect(result.signature).toBe(example.signature)
    })
  }
})

describe('importJwk', () => {
  it('RFC 8037 appendix A.3: the default kid is the RFC 7638 thumbprint', async () => {
    const key = await importJwk({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
    expect(key.kid).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k')
    expect(key.type).toBe('public')
  })

  it('makes the same key as importKey: algorithm, kid, type, and signatures under the full API', async () => {
    for (const jwk of [SECRET_JWK, ED25519_JWK, { ...SECRET_JWK, kid: undefined }, { ...ED25519_JWK, kid: undefined }]) {
      const lean = await importJwk(jwk)
      const full = await importKey(jwk)
      expect(lean.algorithm).toBe(full.algorithm)
      expect(lean.kid).toBe(full.kid)
      expect(lean.type).toBe(full.type)
      expect(await exportJwk(lean, { private: true })).toEqual(await exportJwk(full, { private: true }))
      const data = new TextEncoder().encode('lean and full')
      const signature = await signWithKey(lean, data)
      expect(toBase64(signature)).toBe(toBase64(await signBytes(full, data)))
      expect(await verifyBytes(full, data, signature)).toBe(true)
      expect(String(lean)).not.toContain(String(jwk.k ?? jwk.d))
    }
  })

  it('property: accepts a secret exactly when the strict decoder does, with the same length', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/='
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 30, maxLength: 70 }).map((b) => toBase64Url(b)),
          fc.string({ unit: fc.constantFrom(...alphabet), minLength: 40, maxLength: 96 }),
        ),
        async (k) => {
          let expected: number | string
          try {
            const length = fromBase64Url(k).length
            expected = length < 32 ? 'ERR_KEY_TOO_SHORT' : length
          } catch {
            expected = 'ERR_KEY_INVALID'
          }
          let got: number | string
          try {
            const key = await importJwk({ kty: 'oct', k, kid: 'p' })
            got = fromBase64Url((await exportJwk(key, { private: true })).k!).length
          } catch (error) {
            got = isSignetError(error) ? error.code : String(error)
          }
          expect(got).toBe(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  const bad: readonly [string, unknown, string][] = [
    ['null', null, 'ERR_KEY_INVALID'],
    ['a string', 'secret', 'ERR_KEY_INVALID'],
    ['no kty', { k: SECRET_JWK.k }, 'ERR_KEY_UNSUPPORTED'],
    ['RSA', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, 'ERR_KEY_UNSUPPORTED'],
    ['EC', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, 'ERR_KEY_UNSUPPORTED'],
    ['X25519', { kty: 'OKP', crv: 'X25519', x: ED25519_JWK.x }, 'ERR_KEY_UNSUPPORTED'],
    ['oct without k', { kty: 'oct' }, 'ERR_KEY_INVALID'],
    ['oct k not a string', { kty: 'oct', k: 42 }, 'ERR_KEY_INVALID'],
    ['oct 16 bytes', { kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'ERR_KEY_TOO_SHORT'],
    ['oct empty', { kty: 'oct', k: '' }, 'ERR_KEY_TOO_SHORT'],
    ['oct padded', { kty: 'oct', k: `${SECRET_JWK.k}==` }, 'ERR_KEY_INVALID'],
    ['oct standard alphabet', { kty: 'oct', k: SECRET_JWK.k!.replace(/-/g, '+').replace(/_/g, '/') + '+/' }, 'ERR_KEY_INVALID'],
    ['oct non-canonical last character', { kty: 'oct', k: `${'A'.repeat(42)}B` }, 'ERR_KEY_INVALID'],
    ['oct 2 KiB', { kty: 'oct', k: 'A'.repeat(2732) }, 'ERR_KEY_INVALID'],
    ['oct 1 MiB string', { kty: 'oct', k: 'A'.repeat(1 << 20) }, 'ERR_KEY_INVALID'],
    ['OKP x 31 bytes', { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(new Uint8Array(31)) }, 'ERR_KEY_INVALID'],
    ['OKP without x', { kty: 'OKP', crv: 'Ed25519', d: ED25519_JWK.d }, 'ERR_KEY_INVALID'],
    ['OKP d 33 bytes', { ...ED25519_JWK, d: toBase64Url(new Uint8Array(33)) }, 'ERR_KEY_INVALID'],
    ['use enc', { ...SECRET_JWK, use: 'enc' }, 'ERR_KEY_UNSUPPORTED'],
    ['key_ops without sign', { ...ED25519_JWK, key_ops: ['verify'] }, 'ERR_KEY_UNSUPPORTED'],
    ['key_ops not an array', { ...ED25519_JWK, key_ops: 'sign' }, 'ERR_KEY_UNSUPPORTED'],
    ['alg of another algorithm', { ...SECRET_JWK, alg: 'RS256' }, 'ERR_ALG_MISMATCH'],
    ['alg EdDSA on a secret', { ...SECRET_JWK, alg: 'EdDSA' }, 'ERR_ALG_MISMATCH'],
    ['empty kid', { ...SECRET_JWK, kid: '' }, 'ERR_KEY_INVALID'],
    ['kid not a string', { ...SECRET_JWK, kid: 7 }, 'ERR_KEY_INVALID'],
  ]
  for (const [name, input, code] of bad) {
    it(`bad input: ${name} -> ${code}`, async () => {
      expect(await codeOf(() => importJwk(input as JsonWebKey))).toBe(code)
    })
  }
})

describe('backends of the lean path', () => {
  const data = new TextEncoder().encode('"@method": POST')

  async function signatures(): Promise<string[]> {
    const out: string[] = []
    for (const jwk of [SECRET_JWK, ED25519_JWK]) out.push(toBase64(await signWithKey(await importJwk(jwk), data)))
    out.push(toBase64(await digestBytes('sha-256', data)), toBase64(await digestBytes('sha-512', data)))
    return out
  }

  it('node:crypto, WebCrypto and pure give the same HMAC tags, Ed25519 signatures and digests', async () => {
    const native = await signatures()
    setNodeCryptoForTesting(false)
    const web = await signatures()
    registerBackend(pureBackend)
    const webWithPure = await signatures()
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) })
    const pure = await signatures()
    expect(web).toEqual(native)
    expect(webWithPure).toEqual(native)
    expect(pure).toEqual(native)
  })

  it('with neither node:crypto nor crypto.subtle, and no pure backend: ERR_BACKEND_UNAVAILABLE', async () => {
    const key = await importJwk(ED25519_JWK)
    setNodeCryptoForTesting(false)
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) })
    expect(await codeOf(() => signWithKey(key, data))).toBe('ERR_BACKEND_UNAVAILABLE')
    expect(await codeOf(() => digestBytes('sha-256', data))).toBe('ERR_BACKEND_UNAVAILABLE')
  })

  it('a WebCrypto without Ed25519 falls back to pure when it is registered, and says so when not', async () => {
    setNodeCryptoForTesting(false)
    const subtle = crypto.subtle
    const limited = {
      sign: subtle.sign.bind(subtle),
      digest: subtle.digest.bind(subtle),
      importKey: (format: string, keyData: unknown, params: { name: string }, ...rest: unknown[]) =>
        params.name === 'Ed25519'
          ? Promise.reject(new DOMException('no Ed25519', 'NotSupportedError'))
          : (subtle.importKey as (...a: unknown[]) => Promise<CryptoKey>)(format, keyData, params, ...rest),
    }
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto), subtle: limited })
    expect(await codeOf(async () => signWithKey(await importJwk(ED25519_JWK), data))).toBe('ERR_BACKEND_UNAVAILABLE')
    registerBackend(pureBackend)
    const key = await importJwk(ED25519_JWK)
    expect(await verifyBytes(await importKey(ED25519_JWK), data, await signWithKey(key, data))).toBe(true)
  })

  it('a key whose backend the full API chose keeps it; other algorithms need the pure backend', async () => {
    const full = await importKey(ED25519_JWK)
    await signBytes(full, data)
    expect(await verifyBytes(full, data, await signWithKey(full, data))).toBe(true)
    const p256 = await generateKey('ecdsa-p256-sha256')
    expect(await codeOf(() => signWithKey(p256, data))).toBe('ERR_ALG_UNSUPPORTED')
    registerBackend(pureBackend)
    expect(await verifyBytes(p256, data, await signWithKey(p256, data))).toBe(true)
  })

  it('refuses a public key and a non-Uint8Array', async () => {
    const pub = await importJwk({ kty: 'OKP', crv: 'Ed25519', x: ED25519_JWK.x! })
    expect(await codeOf(() => signWithKey(pub, data))).toBe('ERR_KEY_UNSUPPORTED')
    expect(await codeOf(async () => signWithKey(await importJwk(SECRET_JWK), 'text' as unknown as Uint8Array))).toBe('TypeError')
    expect(await codeOf(() => signWithKey({} as SignetKey, data))).toBe('TypeError')
  })
})

describe('pieces shared with the full API', () => {
  it('property: shortBase64 is toBase64 and toBase64Url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(shortBase64(bytes)).toBe(toBase64(bytes))
        expect(shortBase64(bytes, true)).toBe(toBase64Url(bytes))
      }),
    )
  })

  it('property: basicComponentValue is componentValue for parameterless components', async () => {
    const names = ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', 'content-type', 'x-list']
    const segment = fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~%20'.split('')), maxLength: 8 })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.constantFrom('https://example.com', 'http://EXAMPLE.org:8080', 'https://example.com:443', 'http://[::1]:80'),
        fc.array(segment, { maxLength: 3 }),
        fc.option(fc.array(fc.tuple(segment, segment), { maxLength: 3 })),
        fc.array(fc.string({ unit: fc.constantFrom(...'ab ,;="'.split('')), minLength: 1, maxLength: 6 }), { maxLength: 2 }),
        async (method, origin, path, query, list) => {
          const search = query === null ? '' : '?' + query.map(([k, v]) => `${k}=${v}`).join('&')
          const headers = new Headers({ 'content-type': 'application/json' })
          for (const v of list) headers.append('x-list', v)
          const request = new Request(`${origin}/${path.join('/')}${search}`, { method, headers })
          const message = requestMessage(request, undefined)
          expect(message).toEqual(await fromFetchRequest(request))
          for (const name of names) {
            const full = await codeOrValue(() => componentValue(message, parseComponentIdentifier(JSON.stringify(name))))
            const lean = await codeOrValue(() => basicComponentValue(message, name))
            expect(lean).toEqual(full)
          }
        },
      ),
    )
  })

  async function codeOrValue(run: () => string): Promise<string> {
    try {
      return run()
    } catch (error) {
      return isSignetError(error) ? error.code : String(error)
    }
  }
})

describe('@signet/client/sign createSigner', () => {
  const NOW = 1_700_000_000
  const profiles = [
    { key: SECRET_JWK, keyId: 'client-1' },
    { key: ED25519_JWK },
    { key: { ...ED25519_JWK, kid: undefined } },
  ] as const

  it('property: makes the same Signature-Input, Signature and Content-Digest as the full signer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...profiles),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        fc.string({ unit: fc.constantFrom(...'abc/-_.~'.split('')), maxLength: 12 }),
        fc.option(fc.uint8Array({ maxLength: 300 })),
        fc.option(fc.constantFrom('application/json', 'text/plain;charset=utf-8')),
        fc.constantFrom('sha-256', 'sha-512', 'none') as fc.Arbitrary<'sha-256' | 'sha-512' | 'none'>,
        fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
        fc.option(fc.constantFrom('app-1', 'with "quote"'), { nil: undefined }),
        async (profile, method, path, body, type, digest, expires, tag) => {
          const init = (): RequestInit => {
            const headers: Record<string, string> = { 'x-request-id': '42' }
            if (type !== null) headers['content-type'] = type
            return method === 'GET' || method === 'DELETE' || body === null ? { method, headers } : { method, headers, body: body.slice() }
          }
          const url = `https://api.example.com/${path}?q=1`
          const options = { ...profile, now: () => NOW, nonce: () => 'fixed-nonce', digest, expires, tag }
          const lean = await createSigner(options).sign(new Request(url, init()))
          const full = await createFullSigner(options).sign(new Request(url, init()))
          for (const name of ['signature-input', 'signature', 'content-digest', 'content-type', 'x-request-id']) {
            expect(lean.headers.get(name), name).toBe(full.headers.get(name))
          }
          expect(lean.method).toBe(method)
          expect(lean.url).toBe(full.url)
          expect(new Uint8Array(await lean.arrayBuffer())).toEqual(new Uint8Array(await full.arrayBuffer()))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('a signed request verifies under verifyMessage and its Content-Digest under verifyMessageDigest', async () => {
    for (const jwk of [SECRET_JWK, ED25519_JWK]) {
      const signer = createSigner({ key: jwk, components: ['@method', '@target-uri', '@authority', '@path', '@query', 'content-digest', 'content-type'] })
      const signed = await signer.sign(new Request('https://api.example.com/orders?x=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":1}' }))
      const message = await fromFetchRequest(signed)
      const [verified] = await verifyMessage(message, { key: await importKey(jwk) })
      expect(verified?.keyid).toBe('test-' + (jwk === SECRET_JWK ? 'shared-secret' : 'key-ed25519'))
      expect(verified?.params.nonce).toMatch(/^[\w-]{22}$/)
      await verifyMessageDigest(message)
      const tampered = { ...message, body: new TextEncoder().encode('{"id":2}') }
      expect(await codeOf(() => verifyMessageDigest(tampered))).toBe('ERR_DIGEST_MISMATCH')
    }
  })

  it('keeps method, URL, body bytes, other headers and request options; signs once per label', async () => {
    const controller = new AbortController()
    const signer = createSigner({ key: SECRET_JWK, keyId: 'client-1', label: 'app' })
    expect(signer.label).toBe('app')
    expect((await signer.key()).algorithm.name).toBe('hmac-sha256')
    const body = new Uint8Array([0, 1, 2, 250, 255])
    const signed = await signer.sign(
      new Request('https://api.example.com/upload', { method: 'PUT', body, headers: { 'x-a': 'b' }, redirect: 'manual', signal: controller.signal }),
    )
    expect(signed.method).toBe('PUT')
    expect(signed.redirect).toBe('manual')
    expect(signed.headers.get('x-a')).toBe('b')
    expect(new Uint8Array(await signed.arrayBuffer())).toEqual(body)
    expect(signed.headers.get('signature-input')).toMatch(/^app=\("@method" "@target-uri" "content-digest"\);created=\d+;nonce="[\w-]{22}";keyid="client-1"$/)
    controller.abort()
    expect(signed.signal.aborted).toBe(true)
    // A second signature under another label is added; the same label again is refused.
    const again = createSigner({ key: ED25519_JWK, label: 'sig2' })
    const twice = await again.sign(await signer.sign(new Request('https://api.example.com/')))
    expect(twice.headers.get('signature-input')).toMatch(/^app=.*, sig2=/)
    expect(await codeOf(async () => signer.sign(await signer.sign(new Request('https://api.example.com/'))))).toBe('ERR_LABEL_EXISTS')
  })

  it('each signature gets a fresh nonce and the current time', async () => {
    const signer = createSigner({ key: SECRET_JWK, keyId: 'k', now: () => 1_234_567_890.9 })
    const a = (await signer.sign(new Request('https://example.com/'))).headers.get('signature-input')!
    const b = (await signer.sign(new Request('https://example.com/'))).headers.get('signature-input')!
    expect(a).toContain(';created=1234567890;')
    expect(a).not.toBe(b)
    const none = await createSigner({ key: SECRET_JWK, keyId: 'k', nonce: false, created: false }).sign(new Request('https://example.com/'))
    expect(none.headers.get('signature-input')).toBe('sig1=("@method" "@target-uri");keyid="k"')
  })

  const misuse: readonly [string, () => unknown, string][] = [
    ['no options', () => createSigner(undefined as never), 'TypeError'],
    ['no key', () => createSigner({} as never), 'TypeError'],
    ['PEM string key', () => createSigner({ key: '-----BEGIN PRIVATE KEY-----' as never }), 'TypeError'],
    ['secret without keyId', () => createSigner({ key: { ...SECRET_JWK, kid: undefined } }), 'TypeError'],
    ['keyId with a newline', () => createSigner({ key: SECRET_JWK, keyId: 'a\nb' }), 'TypeError'],
    ['upper-case label', () => createSigner({ key: SECRET_JWK, label: 'Sig' }), 'TypeError'],
    ['components not an array', () => createSigner({ key: SECRET_JWK, components: '@method' as never }), 'TypeError'],
    ['expires 0', () => createSigner({ key: SECRET_JWK, expires: 0 }), 'RangeError'],
    ['expires 1.5', () => createSigner({ key: SECRET_JWK, expires: 1.5 }), 'RangeError'],
    ['nonce a string', () => createSigner({ key: SECRET_JWK, nonce: 'n' as never }), 'TypeError'],
    ['digest md5', () => createSigner({ key: SECRET_JWK, digest: 'md5' as never }), 'TypeError'],
    ['maxBodyBytes -1', () => createSigner({ key: SECRET_JWK, maxBodyBytes: -1 }), 'RangeError'],
  ]
  for (const [name, run, expected] of misuse) {
    it(`misuse: ${name} -> ${expected}`, async () => {
      expect(await codeOf(run)).toBe(expected)
    })
  }

  const failures: readonly [string, () => Promise<unknown>, string][] = [
    ['a public key', () => createSigner({ key: { kty: 'OKP', crv: 'Ed25519', x: ED25519_JWK.x! } }).sign(new Request('https://e.com/')), 'TypeError'],
    ['an RSA JWK', () => createSigner({ key: { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, keyId: 'r' }).sign(new Request('https://e.com/')), 'ERR_KEY_UNSUPPORTED'],
    ['not a Request', () => createSigner({ key: SECRET_JWK }).sign('https://e.com/' as never), 'TypeError'],
    ['a component with parameters', () => createSigner({ key: SECRET_JWK, components: ['"@query-param";name="a"'] }).sign(new Request('https://e.com/?a=1')), 'ERR_UNKNOWN_COMPONENT'],
    ['@query-param', () => createSigner({ key: SECRET_JWK, components: ['@query-param'] }).sign(new Request('https://e.com/?a=1')), 'ERR_UNKNOWN_COMPONENT'],
    ['@status on a request', () => createSigner({ key: SECRET_JWK, components: ['@status'] }).sign(new Request('https://e.com/')), 'ERR_UNKNOWN_COMPONENT'],
    ['a missing field', () => createSigner({ key: SECRET_JWK, components: ['x-absent'] }).sign(new Request('https://e.com/')), 'ERR_MISSING_COMPONENT'],
    ['a repeated component', () => createSigner({ key: SECRET_JWK, components: ['@method', '@method'] }).sign(new Request('https://e.com/')), 'ERR_DUPLICATE_COMPONENT'],
    ['a non-ASCII field value', () => createSigner({ key: SECRET_JWK, components: ['x-t'] }).sign(new Request('https://e.com/', { headers: { 'x-t': 'caf\u00e9' } })), 'ERR_INVALID_COMPONENT'],
    ['a nonce with a quote', () => createSigner({ key: SECRET_JWK, nonce: () => 'a"b\u0001' }).sign(new Request('https://e.com/')), 'TypeError'],
    ['a body over the limit', () => createSigner({ key: SECRET_JWK, maxBodyBytes: 4 }).sign(new Request('https://e.com/', { method: 'POST', body: '12345' })), 'ERR_BODY_TOO_LARGE'],
    ['a declared length over the limit', () => createSigner({ key: SECRET_JWK, maxBodyBytes: 4 }).sign(new Request('https://e.com/', { method: 'POST', body: '1', headers: { 'content-length': '99' } })), 'ERR_BODY_TOO_LARGE'],
    [
      'a body already read',
      async () => {
        const request = new Request('https://e.com/', { method: 'POST', body: 'x' })
        await request.text()
        return createSigner({ key: SECRET_JWK }).sign(request)
      },
      'ERR_BODY_USED',
    ],
  ]
  for (const [name, run, expected] of failures) {
    it(`refuses ${name}: ${expected}`, async () => {
      expect(await codeOf(run)).toBe(expected)
    })
  }

  it('errors are the one SignetError class of core', async () => {
    const error = await createSigner({ key: SECRET_JWK, components: ['x-absent'] })
      .sign(new Request('https://e.com/'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SignetError)
    expect(isCode(error, 'ERR_MISSING_COMPONENT')).toBe(true)
  })
})
