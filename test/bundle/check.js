// The in-runtime check of test/bundle/runtimes.mjs: the built lean signer against the built full
// signer and verifier. Plain JavaScript, so every runtime runs it as bundled. Returns
// { passed, failed, failures }.
import { createSigner as createFullSigner } from '@signet/client'
import { createSigner } from '@signet/client/sign'
import { fromFetchRequest, importKey, verifyMessage, verifyMessageDigest } from '@signet/core'
import { importJwk, signBasic } from '@signet/core/signing'

// RFC 9421 appendix B.1.4 (Ed25519) and B.1.5 (HMAC) test keys.
const SECRET = { kty: 'oct', kid: 'test-shared-secret', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ' }
const ED25519 = {
  kty: 'OKP',
  crv: 'Ed25519',
  kid: 'test-key-ed25519',
  d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU',
  x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs',
}
// RFC 9421 appendix B.2.6: the test request and its Ed25519 signature.
const B26 = {
  message: {
    kind: 'request',
    method: 'POST',
    scheme: 'https',
    authority: 'example.com',
    target: '/foo?param=Value&Pet=dog',
    fields: [
      { name: 'host', value: 'example.com' },
      { name: 'date', value: 'Tue, 20 Apr 2021 02:07:55 GMT' },
      { name: 'content-type', value: 'application/json' },
      { name: 'content-digest', value: 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:' },
      { name: 'content-length', value: '18' },
    ],
    trailers: [],
    body: undefined,
  },
  components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
  signature: 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:',
}

export async function check() {
  const failures = []
  let passed = 0
  const test = async (name, body) => {
    try {
      await body()
      passed += 1
    } catch (error) {
      failures.push({ name, message: String(error?.stack ?? error) })
    }
  }
  const equal = (actual, expected, what) => {
    if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }

  await test('RFC 9421 B.2.6 re-signed by signBasic', async () => {
    const key = await importJwk(ED25519)
    const result = await signBasic(B26.message, { key, label: 'sig-b26', components: B26.components, created: 1618884473 })
    equal(result.signature, B26.signature, 'Signature')
  })

  for (const [name, jwk, keyId] of [
    ['hmac-sha256', SECRET, 'client-1'],
    ['ed25519', ED25519, undefined],
  ]) {
    await test(`${name}: a signed POST verifies, with its Content-Digest`, async () => {
      const signer = createSigner({ key: jwk, keyId })
      const signed = await signer.sign(new Request('https://api.example.com/orders?x=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":1}' }))
      equal(await signed.text(), '{"id":1}', 'body')
      const message = await fromFetchRequest(new Request(signed.url, { method: 'POST', headers: signed.headers, body: '{"id":1}' }))
      const [verified] = await verifyMessage(message, { key: await importKey(jwk, { kid: keyId ?? jwk.kid }) })
      equal(verified?.keyid, keyId ?? jwk.kid, 'keyid')
      await verifyMessageDigest(message)
    })
    await test(`${name}: the same bytes as the full signer`, async () => {
      const options = { key: jwk, keyId, now: () => 1_700_000_000, nonce: () => 'n-1', expires: 60 }
      const request = () => new Request('https://api.example.com/p', { method: 'PUT', body: 'abc' })
      const lean = await createSigner(options).sign(request())
      const full = await createFullSigner(options).sign(request())
      for (const field of ['signature-input', 'signature', 'content-digest']) equal(lean.headers.get(field), full.headers.get(field), field)
    })
  }
  return { passed, failed: failures.length, failures }
}
