/**
 * Issue 11, defect 4: a signature that covers `content-digest` is checked against the body
 * actually received, an absent body being the empty one. A man in the middle who strips the
 * body of a signed message (leaving Content-Digest and the signature in place) must get the
 * digest code from every verifying target, core `verifyMessage`, `signet verify` and the
 * client's response check.
 */
import { fromFetchResponse, importKey, parseHttpMessage, publicKey, signMessage } from '@signet/core'
import type { HttpRequestMessage, HttpResponseMessage, SignetKey } from '@signet/core'
import { verifyMessage } from '@signet/core'
import { verifySignedResponse } from '@signet/client'
import { describe, expect, it } from 'vitest'
import { run, scratch } from '../../packages/cli/test/helpers.ts'
import { TARGETS, attackHarness, signed } from './harness.ts'
import { p256Jwk } from '../../packages/client/test/keys.ts'

const HMAC_JWK = { kty: 'oct', k: 'c2lnbmV0LXN0cmlwcGVkLWJvZHktdGVzdC1rZXktMzJieXRlcw', alg: 'HS256', kid: 'strip' }

const RAW = [
  'POST /foo?param=Value&Pet=dog HTTP/1.1',
  'Host: example.com',
  'Content-Type: application/json',
  'Content-Length: 18',
  '',
  '{"hello": "world"}',
].join('\r\n')

/** The signed message text, then the same text with its body removed (fields untouched). */
async function signedAndStripped(): Promise<{ signed: string; stripped: string }> {
  const s = scratch()
  s.write('k.json', JSON.stringify(HMAC_JWK))
  s.write('m.http', RAW)
  const signed = await run(['sign', '--key', 'k.json', '--created', '1618884473', '--nonce', 'none', 'm.http'], { cwd: s.dir })
  expect(signed.code, signed.stderr).toBe(0)
  expect(signed.stdout).toMatch(/Content-Digest: sha-256=/)
  const head = signed.stdout.slice(0, signed.stdout.indexOf('\r\n\r\n') + 4)
  // The attacker also fixes the framing, so only the digest can tell.
  return { signed: signed.stdout, stripped: head.replace('Content-Length: 18', 'Content-Length: 0') }
}

const h = attackHarness()

describe('issue 11 defect 4: a stripped body is refused when content-digest is covered', () => {
  it.each(TARGETS)('%s: the signed body removed (Content-Digest and signature kept): ERR_DIGEST_MISMATCH', async (target) => {
    const m = await signed(h.keys.hmac, { body: '{"order":7}' })
    expect(await h.send(target, m)).toMatchObject({ status: 200 })
    const again = await signed(h.keys.hmac, { body: '{"order":7}' })
    expect(await h.send(target, { ...again, body: undefined })).toMatchObject({ status: 401, code: 'ERR_DIGEST_MISMATCH' })
  })

  it('core verifyMessage: ERR_DIGEST_MISMATCH', async () => {
    const { signed, stripped } = await signedAndStripped()
    const key = await importKey(HMAC_JWK)
    const opts = { key, now: () => 1618884473 }
    await expect(verifyMessage(parseHttpMessage(signed), opts)).resolves.toHaveLength(1)
    const bare = parseHttpMessage(stripped)
    expect(bare.body === undefined || bare.body.length === 0).toBe(true)
    await expect(verifyMessage(bare, opts)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
    // No body at all (not even framing): the same.
    await expect(verifyMessage({ ...bare, body: undefined } as typeof bare, opts)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
  })

  it('signet verify: exit 1 with ERR_DIGEST_MISMATCH', async () => {
    const { signed, stripped } = await signedAndStripped()
    const s = scratch()
    s.write('k.json', JSON.stringify(HMAC_JWK))
    s.write('ok.http', signed)
    s.write('bare.http', stripped)
    const ok = await run(['verify', '--key', 'k.json', '--now', '1618884473', 'ok.http'], { cwd: s.dir })
    expect(ok.code, ok.stderr).toBe(0)
    const bare = await run(['verify', '--key', 'k.json', '--now', '1618884473', 'bare.http'], { cwd: s.dir })
    expect(bare.code).toBe(1)
    expect(JSON.parse(bare.stderr)).toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
  })

  it("the client's response verification: ERR_DIGEST_MISMATCH", async () => {
    const serverKey: SignetKey = await importKey(p256Jwk)
    const request: HttpRequestMessage = {
      kind: 'request', method: 'GET', target: 'https://api.example/v', fields: [{ name: 'host', value: 'api.example' }], trailers: [],
    } as unknown as HttpRequestMessage
    const body = new TextEncoder().encode('{"ok":true}')
    const digest = `sha-256=:${Buffer.from(await crypto.subtle.digest('SHA-256', body)).toString('base64')}:`
    const response = {
      kind: 'response', status: 200,
      fields: [{ name: 'content-type', value: 'application/json' }, { name: 'content-digest', value: digest }],
      trailers: [], body, request,
    } as unknown as HttpResponseMessage
    const components = ['@status', 'content-digest', '"@method";req', '"@target-uri";req']
    const sig = await signMessage(response, { key: serverKey, label: 'res', components })
    const headers = { 'content-type': 'application/json', 'content-digest': digest, 'signature-input': sig.signatureInput, signature: sig.signature }
    const verifyKey = publicKey(serverKey)
    await expect(verifySignedResponse(new Response(body, { headers }), request, { key: verifyKey })).resolves.toHaveLength(1)
    // The same signed fields on an emptied response.
    const emptied = verifySignedResponse(new Response(null, { headers }), request, { key: verifyKey })
    await expect(emptied).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
    // fromFetchResponse gives no body for a null one: the check still runs.
    expect((await fromFetchResponse(new Response(null, { headers }), request)).body?.length ?? 0).toBe(0)
  })
})
