/**
 * Web Bot Auth: the draft's own test vectors, and interop in both directions with Cloudflare's
 * `web-bot-auth` 0.1.3 (which signs the older bare-string `Signature-Agent` covering the whole
 * field, and builds directories with http-message-sig 0.2) and `http-message-sig` 0.3.0 (which
 * verifies the current dictionary form with `;key`).
 *
 * Vectors: draft-ietf-webbotauth-httpsig-protocol, editor's copy at
 * webbotauth/draft-ietf-webbotauth-httpsig-protocol commit 5a71ee1, appendix "Test Vectors":
 * "RSASSA-PSS Using SHA-512" and "EdDSA Using Curve edwards25519", each "Signature-Agent
 * Included Present on the Request" and "Legacy Signature-Agent, sf-string", and "Signed
 * Directory Response". They use the RFC 9421 Appendix B.1.2 and B.1.4 keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createSignatureBase, exportJwk, fromUtf8, importKey, parseSignatureInput, publicKey, thumbprint, verifyMessage } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { createSigner } from '@signet/client'
import { createVerifier, directoryKeys, directoryResponseParts, fetchDirectory, memoryKeys, readDirectory, signatureAgentOf } from '@signet/server'
import { component, verifySignature, webcrypto } from 'http-message-sig'
import { directoryResponseHeaders, signatureHeaders } from 'web-bot-auth'
import { Ed25519Signer } from 'web-bot-auth/crypto'
import { serveSigned, startDirectoryServer } from '../packages/server/test/fixtures/directory-server.ts'
import type { DirectoryServer } from '../packages/server/test/fixtures/directory-server.ts'

const rfc = JSON.parse(readFileSync(new URL('vectors/rfc9421-vectors.json', import.meta.url), 'utf8')) as {
  keys: Record<string, { jwk: JsonWebKey & { kid: string } }>
}
const edPrivateJwk = rfc.keys['test-key-ed25519']!.jwk
const pssPrivateJwk = rfc.keys['test-key-rsa-pss']!.jwk

function publicOf(jwk: JsonWebKey): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk as Record<string, unknown>
  return rest as JsonWebKey
}

function vectorRequest(signatureAgent: string, input: string, signature: string): HttpRequestMessage {
  return {
    kind: 'request',
    method: 'GET',
    scheme: 'https',
    authority: 'example.com',
    target: '/path/to/resource',
    fields: [
      { name: 'host', value: 'example.com' },
      { name: 'signature-agent', value: signatureAgent },
      { name: 'signature-input', value: input },
      { name: 'signature', value: signature },
    ],
    trailers: [],
    body: undefined,
  }
}

const ED_DICT = vectorRequest(
  'agent2="https://signature-agent.test"',
  'sig2=("@authority" "signature-agent";key="agent2");created=1735689600;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";alg="ed25519";expires=4889289600;nonce="n9p433xm+NJ3ph3upfBIGmsuwHw387YV7Q/F+6BSpGCVjYCqQw6rznNA8PVVLySrAWsv0hQtFioQb6E1YsauiA==";tag="web-bot-auth"',
  'sig2=:RdNFx5Bj6au3YgAMQL/RzmUlZE8QZLIaXGRpw985hWnwPfMxT228NMk6ehRS1PSl4e8PhbNZACSanGdhEwYCCg==:',
)
const ED_LEGACY = vectorRequest(
  '"https://signature-agent.test"',
  'sig2=("@authority" "signature-agent");created=1735689600;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";alg="ed25519";expires=1735693200;nonce="e8N7S2MFd/qrd6T2R3tdfAuuANngKI7LFtKYI/vowzk4lAZYadIX6wW25MwG7DCT9RUKAJ0qVkU0mEeLElW1qg==";tag="web-bot-auth"',
  'sig2=:jdq0SqOwHdyHr9+r5jw3iYZH6aNGKijYp/EstF4RQTQdi5N5YYKrD+mCT1HA1nZDsi6nJKuHxUi/5Syp3rLWBA==:',
)
const PSS_DICT = vectorRequest(
  'agent2="https://signature-agent.test"',
  'sig2=("@authority" "signature-agent";key="agent2");created=1735689600;keyid="oD0HwocPBSfpNy5W3bpJeyFGY_IQ_YpqxSjQ3Yd-CLA";alg="rsa-pss-sha512";expires=4889289600;nonce="wcfPQPh7SzkvrIVvhD00vNk9PkxJNY2NVbYl2PVBB4zmUoluSwE7W6bPtF60QA3k8g06FU7PPCD+J58YofY1zg==";tag="web-bot-auth"',
  'sig2=:gHzpLNeHaHIO19NaJH9YMW5dcVSi2s0wOMBr6p18vcofS106sfC4KBIS0/szPlBBd1vIcyQ88B6CTEWIhRAiVrb9zfX0mx1aG12CSGWcYkSirHeyTxhbuJvXd27ed6skWoy4PjXItq38936ivUQjfdIwXh1aX6HxkAC3vRnEdSNfntkLWeEuIQ5BLIOBGE39fSwg27Qjq6OVWYas/9/aFUr3HA34MXWYdp+//cvlEKDp3kRoLOw9ro0AOr6srHrTeEtxon2afcws1aZVSlPdd2fZSEIGmw9HAHLDCEkFTERu1gH2k/zIEqgy7CAYXI9E5slog0cLg/Vc6+f8gih33g==:',
)
const PSS_LEGACY = vectorRequest(
  '"https://signature-agent.test"',
  'sig2=("@authority" "signature-agent");created=1735689600;keyid="oD0HwocPBSfpNy5W3bpJeyFGY_IQ_YpqxSjQ3Yd-CLA";alg="rsa-pss-sha512";expires=1735693200;nonce="XSHtZVCThSIAksXsH9WBs6AtxtXC0eQGiIcUGSoJstFs8lAWakjhrfwzLhyjtme5iXMZvmFWqDEs6cT3Jf+BbQ==";tag="web-bot-auth"',
  'sig2=:I1QWNzGXdP1a4dSvOHLCVOOanEYHDk+ZsVxM9MLX/p4ko69ghKwR5EOtAD96g7g4GWP7lmpM/jFAf9q8EFRDTPLjUXySwMv4YPgabv2LQihTJG2y8a2m6IGltyruwQNiqSJVUuRaG9+b17CGmAMFZh30X6GXLdQJrCARpeTqPwp2DC+a8haDE/VE5EruqzjA5/2mKwvrkzkSqeW5tOVtFwWRRHIOidquf/8Je6kM9mhgkg4arudLA5SL4wyyYE1jURIgcOl8agrfdJ5Def23DIRtiOLRa8jT9cpTLFAuFHN+mrZA/LH9h0gSIg1cPb+0cMASee5uku1KjWcFer7jWA==:',
)

describe('draft test vectors (appendix "Test Vectors")', () => {
  let edPublic: SignetKey
  let pssPublic: SignetKey
  beforeAll(async () => {
    edPublic = await importKey(publicOf(edPrivateJwk))
    pssPublic = await importKey(publicOf(pssPrivateJwk), { alg: 'rsa-pss-sha512' })
  })

  it('rebuilds the draft signature base of the dictionary form, byte for byte', () => {
    const member = parseSignatureInput([ED_DICT.fields[2]!.value]).get('sig2')!
    expect(createSignatureBase(ED_DICT, member.components, member.serialized)).toBe(
      [
        '"@authority": example.com',
        '"signature-agent";key="agent2": "https://signature-agent.test"',
        '"@signature-params": ("@authority" "signature-agent";key="agent2");created=1735689600;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";alg="ed25519";expires=4889289600;nonce="n9p433xm+NJ3ph3upfBIGmsuwHw387YV7Q/F+6BSpGCVjYCqQw6rznNA8PVVLySrAWsv0hQtFioQb6E1YsauiA==";tag="web-bot-auth"',
      ].join('\n'),
    )
  })

  for (const [name, message, alg, now] of [
    ['EdDSA, dictionary form', ED_DICT, 'ed25519', undefined],
    ['EdDSA, legacy sf-string', ED_LEGACY, 'ed25519', 1735689700],
    ['RSASSA-PSS, dictionary form', PSS_DICT, 'rsa-pss-sha512', undefined],
    ['RSASSA-PSS, legacy sf-string', PSS_LEGACY, 'rsa-pss-sha512', 1735689700],
  ] as const) {
    it(`verifies ${name} through the server's verifier, and names the agent it covers`, async () => {
      const key = alg === 'ed25519' ? edPublic : pssPublic
      const id = await thumbprint(key)
      const verifier = createVerifier({
        keys: memoryKeys([{ id, key }]),
        nonces: false,
        policy: { tag: 'web-bot-auth', requiredComponents: ['@authority'], maxAgeSeconds: null },
        ...(now === undefined ? {} : { clock: () => now * 1000 }),
      })
      const identity = await verifier.verify(message)
      expect(identity.keyid).toBe(id)
      const member = parseSignatureInput([message.fields[2]!.value]).get('sig2')!
      const components = member.components.map((c) => (c.params.size === 0 ? `"${c.name}"` : `"${c.name}";key="agent2"`))
      expect(signatureAgentOf({ message, label: 'sig2', components, tag: 'web-bot-auth' })).toBe('https://signature-agent.test')
      // One changed byte in the agent URL breaks it.
      const tampered = { ...message, fields: message.fields.map((f) => (f.name === 'signature-agent' ? { name: f.name, value: f.value.replace('.test', '.tesT') } : f)) }
      await expect(verifier.verify(tampered)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
    })
  }

  it('directoryResponse reproduces the draft\'s "Signed Directory Response" byte for byte', async () => {
    const key = await importKey(edPrivateJwk)
    const { headers, body } = await directoryResponseParts([key], { request: 'signature-agent.test', created: 1735689600, expiresInSeconds: 4889289600 - 1735689600, keyValidity: false })
    expect(fromUtf8(body)).toBe('{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U","x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs","use":"sig"}]}')
    const fields = new Map(headers)
    expect(fields.get('Content-Type')).toBe('application/http-message-signatures-directory+json')
    expect(fields.get('Content-Digest')).toBe('sha-256=:CADMT2aBdV/rqQr/NIru64ERQkCobVvllA4V0fLFDu0=:')
    expect(fields.get('Signature-Input')).toBe('binding=("@authority";req "content-digest");created=1735689600;expires=4889289600;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";tag="http-message-signatures-directory"')
    expect(fields.get('Signature')).toBe('binding=:l6P8R67tm3kujAxbHWio7ll01qrEZ0dKD/WWlGhNYEmTnFZM8Wt0VQ9zqGfvo7T/UMkBxsigzChM1Gpz7gOVBg==:')
  })

  it('reads the draft\'s signed directory: signature valid, and the RFC 9421 test key flagged', async () => {
    const key = await importKey(edPrivateJwk)
    const { headers, body } = await directoryResponseParts([key], { request: 'signature-agent.test', created: 1735689600, expiresInSeconds: 4889289600 - 1735689600, keyValidity: false })
    const result = { url: 'https://signature-agent.test/.well-known/http-message-signatures-directory', status: 200, headers: new Map(headers.map(([n, v]) => [n.toLowerCase(), v])), body }
    const read = await readDirectory(result, { now: Math.floor(Date.now() / 1000) })
    expect(read.keys).toMatchObject([{ thumbprint: 'poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U', signature: 'valid', usable: false }])
    expect(read.problems.map((p) => p.code)).toContain('test-key')
    // Served under another authority, the same bytes are not a proof.
    const moved = await readDirectory({ ...result, url: 'https://copy.test/.well-known/http-message-signatures-directory' }, { now: Math.floor(Date.now() / 1000) })
    expect(moved.keys[0]?.signature).toBe('invalid')
  })
})

describe('interop with web-bot-auth 0.1.3 and http-message-sig 0.3.0', () => {
  let server: DirectoryServer
  let agentKey: SignetKey
  let agentPrivateJwk: JsonWebKey
  let agentPublicJwk: JsonWebKey
  beforeAll(async () => {
    server = await startDirectoryServer()
    const { generateKey } = await import('@signet/core')
    agentKey = await generateKey('ed25519', { extractable: true })
    agentPrivateJwk = await exportJwk(agentKey, { private: true })
    agentPublicJwk = await exportJwk(publicKey(agentKey))
    // The same directory, published by Signet, read by both sides.
    server.handler = (req, res) => serveSigned(req, res, [agentKey])
  })
  afterAll(() => server.close())

  it('the peer signs (bare-string Signature-Agent); Signet verifies through the loopback directory', async () => {
    const signer = await Ed25519Signer.fromJWK(agentPrivateJwk)
    const headers = new Headers({ 'Signature-Agent': JSON.stringify(server.origin) })
    const request = new Request('https://site.test/page', { headers })
    const now = Date.now()
    const signed = await signatureHeaders(request, signer, { created: new Date(now), expires: new Date(now + 60_000) })
    headers.set('Signature', signed.Signature)
    headers.set('Signature-Input', signed['Signature-Input'])
    expect(signed['Signature-Input']).toContain('("@authority" "signature-agent")')
    const verifier = createVerifier({
      keys: directoryKeys({ allowPrivateNetworks: true }),
      policy: { tag: 'web-bot-auth', requiredComponents: ['@authority'] },
    })
    const identity = await verifier.verify(new Request('https://site.test/page', { headers }))
    expect(identity.keyid).toBe(await thumbprint(agentPublicJwk))
    expect(identity.owner).toBe(`${server.origin}/.well-known/http-message-signatures-directory`)
  })

  it('Signet reads a directory the peer built (http-message-sig 0.2 signs "@authority";req only)', async () => {
    const signer = await Ed25519Signer.fromJWK(agentPrivateJwk)
    const peer = await startDirectoryServer()
    try {
      peer.handler = async (req, res) => {
        const url = `${peer.origin}${req.url ?? '/'}`
        const now = Date.now()
        const pair = { request: { method: 'GET', url, headers: {} }, response: { status: 200, headers: {} } }
        const sig = await directoryResponseHeaders(pair as never, [signer], { created: new Date(now), expires: new Date(now + 3_600_000) })
        res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json', 'cache-control': 'max-age=300', signature: sig.Signature, 'signature-input': sig['Signature-Input'] })
        res.end(JSON.stringify({ keys: [{ ...agentPublicJwk, kid: signer.keyid }] }))
      }
      const result = await fetchDirectory(`${peer.origin}/.well-known/http-message-signatures-directory`, { allowPrivateNetworks: true })
      const read = await readDirectory(result, { now: Math.floor(Date.now() / 1000) })
      expect(read.keys).toMatchObject([{ thumbprint: signer.keyid, usable: true, signature: 'absent' }])
      expect(read.problems.map((p) => p.code)).toEqual(['signature-incomplete', 'unsigned'])
    } finally {
      await peer.close()
    }
  })

  it('Signet signs (dictionary form with ;key); http-message-sig 0.3.0 verifies with a key from the same directory', async () => {
    const signer = createSigner({ key: agentKey, signatureAgent: server.origin })
    const signed = await signer.sign(new Request('https://site.test/page?q=1'))
    expect(signed.headers.get('signature-agent')).toBe(`sig1="${server.origin}"`)
    const input = signed.headers.get('signature-input') ?? ''
    expect(input).toContain('"signature-agent";key="sig1"')
    expect(input).toContain('tag="web-bot-auth"')
    const directory = (await (await fetch(`${server.origin}/.well-known/http-message-signatures-directory`)).json()) as { keys: (JsonWebKey & { kid: string })[] }
    const verified = await verifySignature(signed, {
      policy: {
        algorithms: ['ed25519'],
        requiredComponents: ['@authority', component('signature-agent', { key: 'sig1' })],
        requiredParameters: ['created', 'expires', 'keyid', 'tag'],
        maxAge: 300,
      },
      async resolveVerifier(candidate) {
        const jwk = directory.keys.find((k) => k.kid === candidate.parameters.keyid)
        if (jwk === undefined) throw new Error('unknown key')
        const cryptoKey = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify'])
        return webcrypto.verifier(cryptoKey)
      },
    })
    expect(verified.parameters.keyid).toBe(await thumbprint(agentPublicJwk))
    // And a changed member value fails for the peer too.
    const forged = new Request(signed, { headers: new Headers(signed.headers) })
    forged.headers.set('signature-agent', 'sig1="https://evil.test"')
    await expect(verifySignature(forged, { policy: { algorithms: ['ed25519'], requiredComponents: [], requiredParameters: [] }, resolveVerifier: async () => webcrypto.verifier(await crypto.subtle.importKey('jwk', directory.keys[0]!, { name: 'Ed25519' }, false, ['verify'])) })).rejects.toThrow()
  })

  it('http-message-sig 0.3.0 verifies the directory response signature Signet publishes', async () => {
    const url = `${server.origin}/.well-known/http-message-signatures-directory`
    const response = await fetch(url)
    const body = await response.text()
    const directory = JSON.parse(body) as { keys: JsonWebKey[] }
    const fields: { name: string; value: string }[] = []
    response.headers.forEach((value, name) => fields.push({ name, value }))
    const verified = await verifySignature(
      { kind: 'response', status: 200, fields, request: { kind: 'request', method: 'GET', targetUri: url, fields: [{ name: 'host', value: server.authority }] } },
      {
        label: 'binding',
        policy: { algorithms: ['ed25519'], requiredComponents: [component('@authority', { req: true }), 'content-digest'], requiredParameters: ['created', 'expires', 'keyid', 'tag'] },
        resolveVerifier: async () => webcrypto.verifier(await crypto.subtle.importKey('jwk', directory.keys[0]!, { name: 'Ed25519' }, false, ['verify'])),
      },
    )
    expect(verified.parameters.tag).toBe('http-message-signatures-directory')
  })
})
