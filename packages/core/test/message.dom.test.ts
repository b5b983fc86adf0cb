/**
 * The Fetch builders and a sign/verify round trip under happy-dom (also run on node), so the
 * protocol code is shown to need nothing from Node.
 */
import { describe, expect, it } from 'vitest'
import { createContentDigest, fromFetchRequest, importKey, signMessage, utf8, verifyMessage } from '../src/entries/index.ts'

describe('Fetch request in this environment', () => {
  it('signs and verifies a Fetch Request with a Content-Digest', async () => {
    const key = await importKey({ kty: 'oct', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ', kid: 'k1' })
    const body = '{"hello": "world"}'
    const request = new Request('https://api.example.com/items?x=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-digest': await createContentDigest(utf8(body)) },
      body,
    })
    const message = await fromFetchRequest(request)
    const result = await signMessage(message, { key, created: 1700000000, nonce: 'n1' })
    expect(result.signatureInput).toBe('sig1=("@method" "@target-uri" "content-digest" "content-type");created=1700000000;nonce="n1";keyid="k1"')
    const signedRequest = new Request(request, {
      headers: { ...Object.fromEntries(request.headers), 'signature-input': result.signatureInput, signature: result.signature },
    })
    const [verified] = await verifyMessage(await fromFetchRequest(signedRequest), { key, now: () => 1700000000 })
    expect(verified?.label).toBe('sig1')
  })
})
