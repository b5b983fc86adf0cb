/**
 * createSigner: published RFC 9421 examples re-signed byte for byte, defaults, options checked
 * at creation, and coded errors for bad input before anything is sent.
 */
import { fromFetchRequest, hasErrorCode, importKey, verifyMessage, verifyMessageDigest } from '@signet/core'
import type { SignetKey } from '@signet/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSigner, exportPublicJwk, generateBrowserKey } from '../src/index.ts'
import { ed25519Jwk, hmacJwk, p256Jwk, publicJwk, vectors } from './keys.ts'

const URL_ = 'https://api.example/orders?id=7'

function vectorRequest(): Request {
  const m = vectors.messages['test-request']!
  const headers = new Headers()
  for (const [name, value] of m.headers) if (name.toLowerCase() !== 'host') headers.append(name, value)
  return new Request(m.target_uri, { method: m.method, headers, body: m.body })
}

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (err) {
    expect(hasErrorCode(err, code as never), `expected ${code}, got ${String(err)}`).toBe(true)
    return
  }
  throw new Error(`expected ${code}, nothing thrown`)
}

async function verify(request: Request, key: SignetKey, options: Record<string, unknown> = {}) {
  const message = await fromFetchRequest(request.clone())
  if (message.body !== undefined && message.body.length > 0) await verifyMessageDigest(message)
  return verifyMessage(message, { key, ...options })
}

describe('RFC 9421 Appendix B examples, re-signed by the client', () => {
  for (const id of ['B.2.5', 'B.2.6']) {
    const example = vectors.examples.find((e) => e.id === id)!
    it(`${id} (${example.alg}) reproduces the published Signature-Input and Signature`, async () => {
      const keyJwk = vectors.keys[example.keyid]!.jwk
      const signer = createSigner({
        key: keyJwk,
        keyId: example.keyid,
        label: example.label,
        components: example.covered_components,
        nonce: false,
        digest: 'sha-512',
        now: () => 1618884473,
      })
      const signed = await signer.sign(vectorRequest())
      expect(signed.headers.get('signature-input')).toBe(example.signature_input)
      expect(signed.headers.get('signature')).toBe(example.signature)
      // RFC 9421 B.2 test-request carries this sha-512 Content-Digest of its 18-byte body.
      const digest = vectors.messages['test-request']!.headers.find(([n]) => n === 'Content-Digest')![1]
      expect(signed.headers.get('content-digest')).toBe(digest)
      expect(await signed.text()).toBe(vectors.messages['test-request']!.body)
    })
  }
})

describe('defaults', () => {
  it('covers @method, @target-uri, content-digest and content-type; adds created, nonce, keyid', async () => {
    const signer = createSigner({ key: ed25519Jwk })
    const signed = await signer.sign(new Request(URL_, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } }))
    const input = signed.headers.get('signature-input')!
    expect(input).toMatch(/^sig1=\("@method" "@target-uri" "content-digest" "content-type"\);/)
    expect(input).toMatch(/;created=\d+/)
    expect(input).toMatch(/;nonce="[A-Za-z0-9_-]{22}"/)
    expect(input).toContain(';keyid="test-key-ed25519"')
    const pub = await importKey(publicJwk(ed25519Jwk))
    const [result] = await verify(signed, pub)
    expect(result!.components).toEqual(['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'])
  })

  it('omits content-digest and content-type when there is no body', async () => {
    const signer = createSigner({ key: ed25519Jwk })
    const signed = await signer.sign(new Request(URL_))
    expect(signed.headers.get('signature-input')).toMatch(/^sig1=\("@method" "@target-uri"\);created=/)
    expect(signed.headers.has('content-digest')).toBe(false)
  })

  it('a fresh nonce (128 bits, base64url) for every signature', async () => {
    const signer = createSigner({ key: hmacJwk })
    const nonces = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const signed = await signer.sign(new Request(URL_))
      const nonce = /;nonce="([^"]+)"/.exec(signed.headers.get('signature-input')!)![1]!
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
      nonces.add(nonce)
    }
    expect(nonces.size).toBe(50)
  })

  it('keyid defaults to the JWK kid, then to the RFC 7638 thumbprint for asymmetric keys', async () => {
    const { kid: _kid, ...noKid } = ed25519Jwk
    const signer = createSigner({ key: noKid })
    const signed = await signer.sign(new Request(URL_))
    // RFC 8037 appendix A.3 style thumbprint: base64url SHA-256, 43 characters.
    expect(signed.headers.get('signature-input')).toMatch(/;keyid="[A-Za-z0-9_-]{43}"/)
    expect(await signer.keyId()).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('every key form signs: JWK, PEM, SignetKey, raw HMAC bytes, CryptoKey', async () => {
    const pem = vectors.keys['test-key-ed25519']!.private_pem!
    const secret = Uint8Array.from(atob(vectors.keys['test-shared-secret']!.base64!), (c) => c.charCodeAt(0))
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
    const cases: { key: unknown; alg?: string; keyId?: string; verifyWith: () => Promise<SignetKey> }[] = [
      { key: ed25519Jwk, verifyWith: () => importKey(publicJwk(ed25519Jwk)) },
      { key: pem, keyId: 'pem', verifyWith: () => importKey(publicJwk(ed25519Jwk), { kid: 'pem' }) },
      // No keyId: the default is the RFC 7638 thumbprint, the verifier's key computes the same.
      { key: pem, verifyWith: () => importKey(publicJwk({ ...ed25519Jwk, kid: undefined })) },
      { key: pem, keyId: 'test-key-ed25519', verifyWith: () => importKey(publicJwk(ed25519Jwk)) },
      { key: await importKey(p256Jwk), verifyWith: () => importKey(publicJwk(p256Jwk)) },
      { key: secret, alg: 'hmac-sha256', keyId: 'raw', verifyWith: () => importKey(hmacJwk, { kid: 'raw' }) },
      {
        key: pair.privateKey,
        keyId: 'browser',
        verifyWith: async () => {
          // Node exports alg "Ed25519" (RFC 9864), which core refuses; the registration JWK is built without it.
          const { alg: _alg, ...jwk } = await crypto.subtle.exportKey('jwk', pair.publicKey)
          return importKey(jwk, { kid: 'browser' })
        },
      },
    ]
    for (const c of cases) {
      const signer = createSigner({ key: c.key as never, ...(c.alg ? { alg: c.alg as never } : {}), ...(c.keyId ? { keyId: c.keyId } : {}) })
      const signed = await signer.sign(new Request(URL_, { method: 'PUT', body: 'x' }))
      const results = await verify(signed, await c.verifyWith())
      expect(results).toHaveLength(1)
    }
  })
})

describe('WebCrypto key pairs', () => {
  for (const alg of ['ecdsa-p256-sha256', 'ed25519'] as const) {
    it(`${alg}: a pair signs with its private key; the default keyid is the kid exportPublicJwk registers`, async () => {
      const pair = await generateBrowserKey(alg)
      const jwk = await exportPublicJwk(pair)
      const signer = createSigner({ key: pair })
      expect(await signer.keyId()).toBe(jwk.kid)
      const signed = await signer.sign(new Request(URL_, { method: 'POST', body: 'x' }))
      const [result] = await verify(signed, await importKey(jwk))
      expect(result!.keyid).toBe(jwk.kid)
    })
  }

  it('a lone non-extractable private CryptoKey needs an explicit keyId', async () => {
    const pair = await generateBrowserKey('ed25519')
    expect(() => createSigner({ key: pair.privateKey })).toThrow(/"keyId"/)
  })
})

describe('options', () => {
  it('label, tag, expires, explicit components, sha-512 and created=false', async () => {
    let now = 1_700_000_000
    const signer = createSigner({
      key: ed25519Jwk,
      label: 'app',
      tag: 'signet-test',
      expires: 60,
      components: ['@method', '@authority', '@path', '"@query-param";name="id"', 'content-digest'],
      digest: 'sha-512',
      created: false,
      nonce: () => 'fixed-nonce-1',
      now: () => now++,
    })
    const signed = await signer.sign(new Request(URL_, { method: 'POST', body: 'hello' }))
    const input = signed.headers.get('signature-input')!
    expect(input).toBe(
      'app=("@method" "@authority" "@path" "@query-param";name="id" "content-digest");expires=1700000060;nonce="fixed-nonce-1";keyid="test-key-ed25519";tag="signet-test"',
    )
    expect(signed.headers.get('content-digest')).toMatch(/^sha-512=:/)
    const pub = await importKey(publicJwk(ed25519Jwk))
    await verify(signed, pub, { now: () => 1_700_000_010 })
  })

  it('digest none sends no Content-Digest and covers none by default', async () => {
    const signer = createSigner({ key: hmacJwk, digest: 'none' })
    const signed = await signer.sign(new Request(URL_, { method: 'POST', body: 'hello' }))
    expect(signed.headers.has('content-digest')).toBe(false)
    expect(signed.headers.get('signature-input')).toMatch(/^sig1=\("@method" "@target-uri" "content-type"\)/)
  })

  it('re-signing replaces the signature under the same label and keeps other labels', async () => {
    const a = createSigner({ key: hmacJwk, label: 'a' })
    const b = createSigner({ key: ed25519Jwk, label: 'b' })
    const once = await b.sign(await a.sign(new Request(URL_, { method: 'POST', body: 'x' })))
    const twice = await a.sign(once)
    const input = twice.headers.get('signature-input')!
    expect(input.match(/\ba=/g)).toHaveLength(1)
    expect(input.match(/\bb=/g)).toHaveLength(1)
    expect(input.indexOf('b=')).toBeLessThan(input.indexOf('a='))
    const results = await verify(twice, await importKey(hmacJwk), { label: 'a' })
    expect(results[0]!.label).toBe('a')
    await verify(twice, await importKey(publicJwk(ed25519Jwk)), { label: 'b' })
  })

  it('misuse is a TypeError or RangeError naming the option', () => {
    const bad: [Record<string, unknown>, RegExp, ErrorConstructor][] = [
      [{}, /"key"/, TypeError],
      [{ key: 42 }, /"key"/, TypeError],
      [{ key: ed25519Jwk, alg: 'md5' }, /"alg"/, TypeError],
      [{ key: ed25519Jwk, label: 'Bad Label' }, /"label"/, TypeError],
      [{ key: ed25519Jwk, keyId: '' }, /"keyId"/, TypeError],
      [{ key: ed25519Jwk, tag: 'tab\t' }, /"tag"/, TypeError],
      [{ key: ed25519Jwk, components: '@method' }, /"components"/, TypeError],
      [{ key: ed25519Jwk, components: [42] }, /"components"/, TypeError],
      [{ key: ed25519Jwk, created: 'yes' }, /"created"/, TypeError],
      [{ key: ed25519Jwk, expires: 1.5 }, /"expires"/, TypeError],
      [{ key: ed25519Jwk, expires: 0 }, /"expires"/, RangeError],
      [{ key: ed25519Jwk, nonce: 'abc' }, /"nonce"/, TypeError],
      [{ key: ed25519Jwk, digest: 'md5' }, /"digest"/, TypeError],
      [{ key: ed25519Jwk, backend: 'gpu' }, /"backend"/, TypeError],
      [{ key: ed25519Jwk, maxBodyBytes: -1 }, /"maxBodyBytes"/, RangeError],
      [{ key: ed25519Jwk, maxBodyBytes: 1.5 }, /"maxBodyBytes"/, TypeError],
      [{ key: ed25519Jwk, now: 5 }, /"now"/, TypeError],
      [{ key: new Uint8Array(32), alg: 'hmac-sha256' }, /"keyId"/, TypeError],
      [{ key: { kty: 'oct', k: hmacJwk.k } }, /"keyId"/, TypeError],
    ]
    for (const [options, message, type] of bad) {
      expect(() => createSigner(options as never), JSON.stringify(options)).toThrow(type)
      expect(() => createSigner(options as never), JSON.stringify(options)).toThrow(message)
    }
  })

  it('a nonce function returning junk is a TypeError naming "nonce"', async () => {
    const signer = createSigner({ key: hmacJwk, nonce: () => 'has space"quote' })
    await expect(signer.sign(new Request(URL_))).rejects.toThrow(/"nonce"/)
  })
})

describe('bad input: coded errors', () => {
  it('unknown, response-only and duplicate components at creation', async () => {
    await expectCode(() => createSigner({ key: hmacJwk, components: ['@foo'] }), 'ERR_UNKNOWN_COMPONENT')
    await expectCode(() => createSigner({ key: hmacJwk, components: ['@status'] }), 'ERR_INVALID_COMPONENT')
    await expectCode(() => createSigner({ key: hmacJwk, components: ['"@method";req'] }), 'ERR_INVALID_COMPONENT')
    await expectCode(() => createSigner({ key: hmacJwk, components: ['@method', '"@method"'] }), 'ERR_DUPLICATE_COMPONENT')
    await expectCode(() => createSigner({ key: hmacJwk, components: ['Upper-Case'] }), 'ERR_INVALID_COMPONENT')
  })

  it('a covered header that is missing fails at sign time', async () => {
    const signer = createSigner({ key: hmacJwk, components: ['@method', 'x-missing'] })
    await expectCode(signer.sign(new Request(URL_)), 'ERR_MISSING_COMPONENT')
  })

  it('a key that does not fit the algorithm fails at creation (more in key-checks.test.ts)', async () => {
    await expectCode(() => createSigner({ key: ed25519Jwk, alg: 'hmac-sha256' }), 'ERR_ALG_MISMATCH')
    await expectCode(() => createSigner({ key: { kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA', d: 'AA' } }), 'ERR_KEY_UNSUPPORTED')
    const signetKey = await importKey(ed25519Jwk)
    await expectCode(() => createSigner({ key: signetKey, alg: 'ecdsa-p256-sha256' }), 'ERR_ALG_MISMATCH')
  })

  it('what only the import can tell surfaces from the first sign()', async () => {
    // The armour is sound; the DER inside is not, and PKCS#8 names its algorithm only there.
    const signer = createSigner({ key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' })
    await expectCode(signer.sign(new Request(URL_)), 'ERR_KEY_INVALID')
    // A JWK member's length is read by the import (short raw bytes are refused at creation).
    expect(() => createSigner({ key: new Uint8Array(16), alg: 'hmac-sha256', keyId: 'short' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_TOO_SHORT' }))
    await expectCode(createSigner({ key: { ...ed25519Jwk, d: `${ed25519Jwk.d}AA` } }).sign(new Request(URL_)), 'ERR_KEY_INVALID')
  })

  it('a public key cannot sign, refused at creation', () => {
    expect(() => createSigner({ key: publicJwk(ed25519Jwk) })).toThrow(TypeError)
    expect(() => createSigner({ key: publicJwk(ed25519Jwk) })).toThrow(/"key" is a public key/)
  })

  it('a body over the limit, a stream over the limit, a consumed body', async () => {
    const signer = createSigner({ key: hmacJwk, maxBodyBytes: 8 })
    await expectCode(signer.sign(new Request(URL_, { method: 'POST', body: '123456789' })), 'ERR_BODY_TOO_LARGE')
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(4))
      },
    })
    await expectCode(signer.sign(new Request(URL_, { method: 'POST', body: endless, duplex: 'half' } as RequestInit)), 'ERR_BODY_TOO_LARGE')
    expect(pulled).toBeLessThan(10)
    const used = new Request(URL_, { method: 'POST', body: 'abc' })
    await used.text()
    await expectCode(signer.sign(used), 'ERR_BODY_USED')
    // Exactly at the limit is fine.
    await signer.sign(new Request(URL_, { method: 'POST', body: '12345678' }))
  })

  it('key material never appears in errors', async () => {
    const atCreation = (() => {
      try {
        createSigner({ key: { ...ed25519Jwk, kty: 'OKP', crv: 'X25519' } })
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(atCreation).toBeDefined()
    expect(String(atCreation) + JSON.stringify(atCreation)).not.toContain(ed25519Jwk.d)
    // A member that only the import reads (a d of the wrong length) fails at sign().
    const signer = createSigner({ key: { ...ed25519Jwk, d: `${ed25519Jwk.d}AA` } })
    const atSign = await signer.sign(new Request(URL_)).then(() => undefined, (e: unknown) => e)
    expect(hasErrorCode(atSign, 'ERR_KEY_INVALID'), String(atSign)).toBe(true)
    expect(String(atSign) + JSON.stringify(atSign)).not.toContain(ed25519Jwk.d)
  })
})

describe('properties', () => {
  it('verify(sign(request)) holds for any method, path and body; any body change fails the digest', async () => {
    const signer = createSigner({ key: hmacJwk })
    const key = await importKey(hmacJwk)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'post'),
        fc.webPath(),
        fc.uint8Array({ maxLength: 300 }),
        async (method, path, body) => {
          const hasBody = method !== 'GET' && body.length > 0
          const signed = await signer.sign(new Request(`https://api.example${path}`, { method, ...(hasBody ? { body } : {}) }))
          const bytes = new Uint8Array(await signed.clone().arrayBuffer())
          if (hasBody) expect(bytes).toEqual(body)
          await verify(signed, key)
          if (hasBody) {
            const tampered = bytes.slice()
            tampered[0] = tampered[0]! ^ 1
            const forged = new Request(signed, { body: tampered })
            await expectCode(verifyMessageDigest(await fromFetchRequest(forged)), 'ERR_DIGEST_MISMATCH')
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
