/** createSigner({ signatureAgent }): the Web Bot Auth signing profile (src/web-bot-auth.ts). */
import { describe, expect, it } from 'vitest'
import { generateKey, parseSignatureInput, publicKey, thumbprint } from '@signet/core'
import { createSigner } from '../src/signer.ts'
import { ed25519Jwk, hmacJwk } from './keys.ts'

const AGENT = 'https://agent.example'

function paramsOf(request: Request): { components: string[]; params: Record<string, unknown> } {
  const member = parseSignatureInput([request.headers.get('signature-input') ?? '']).get('sig1')!
  return { components: member.components.map((c) => (c.params.size === 0 ? c.name : `${c.name};key=${String(c.params.get('key'))}`)), params: member.params as Record<string, unknown> }
}

describe('createSigner({ signatureAgent })', () => {
  it('adds the dictionary Signature-Agent, covers its member, and sets tag, created, expires and the thumbprint keyid', async () => {
    const signer = createSigner({ key: ed25519Jwk, signatureAgent: AGENT, now: () => 1_800_000_000 })
    const signed = await signer.sign(new Request('https://site.test/a?b=1'))
    expect(signed.headers.get('signature-agent')).toBe(`sig1="${AGENT}"`)
    const { components, params } = paramsOf(signed)
    expect(components).toEqual(['@method', '@authority', '@path', '@query', 'signature-agent;key=sig1'])
    expect(params.tag).toBe('web-bot-auth')
    expect(params.created).toBe(1_800_000_000)
    expect(params.expires).toBe(1_800_000_300)
    // The key's own kid is "test-key-ed25519"; Web Bot Auth wants the RFC 7638 thumbprint.
    const { d: _d, ...pub } = ed25519Jwk as Record<string, unknown>
    expect(params.keyid).toBe(await thumbprint(pub as JsonWebKey))
    expect(await signer.keyId()).toBe(params.keyid)
  })

  it('keeps explicit components, adding the member; keeps another label\'s member', async () => {
    const key = await generateKey('ed25519')
    const signer = createSigner({ key, signatureAgent: AGENT, label: 'agent', components: ['@authority'], expires: 86_400 })
    const request = new Request('https://site.test/', { headers: { 'signature-agent': 'browser="https://browser.example"' } })
    const signed = await signer.sign(request)
    expect(signed.headers.get('signature-agent')).toBe(`browser="https://browser.example", agent="${AGENT}"`)
    const member = parseSignatureInput([signed.headers.get('signature-input') ?? '']).get('agent')!
    expect(member.components.map((c) => c.name)).toEqual(['@authority', 'signature-agent'])
    expect(member.params.keyid).toBe(await thumbprint(publicKey(key)))
    expect((member.params.expires as number) - (member.params.created as number)).toBe(86_400)
    // A re-sign (retry) replaces its own member, not the other.
    const again = await signer.sign(signed)
    expect(again.headers.get('signature-agent')).toBe(`browser="https://browser.example", agent="${AGENT}"`)
  })

  it('keeps the member covered and the profile intact under Accept-Signature overrides', async () => {
    const signer = createSigner({ key: ed25519Jwk, signatureAgent: AGENT })
    const { signerInternals } = await import('../src/signer.ts')
    const internals = signerInternals(signer)
    const parts = await internals.readParts(new Request('https://site.test/'))
    const { request } = await internals.signParts(parts, { components: [{ name: '@method', params: new Map() }], tag: 'other', created: false, expires: 999_999 })
    const { components, params } = paramsOf(request)
    expect(components).toEqual(['@method', 'signature-agent;key=sig1'])
    expect(params.tag).toBe('web-bot-auth')
    expect(typeof params.created).toBe('number')
    expect((params.expires as number) - (params.created as number)).toBe(86_400)
  })

  it('refuses what Web Bot Auth forbids, naming the option', () => {
    expect(() => createSigner({ key: hmacJwk, signatureAgent: AGENT })).toThrow(/asymmetric key/)
    expect(() => createSigner({ key: new Uint8Array(32), alg: 'hmac-sha256', keyId: 'x', signatureAgent: AGENT })).toThrow(TypeError)
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: AGENT, keyId: 'mine' })).toThrow(/"keyId"/)
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: AGENT, tag: 'other' })).toThrow(/"tag"/)
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: AGENT, created: false })).toThrow(/"created"/)
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: AGENT, expires: 86_401 })).toThrow(RangeError)
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: 'http://agent.example' })).toThrow(/https/)
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: 'agent.example' })).toThrow(/absolute https/)
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: 42 as never })).toThrow(TypeError)
    // Loopback http is accepted, for tests.
    expect(() => createSigner({ key: ed25519Jwk, signatureAgent: 'http://127.0.0.1:8080' })).not.toThrow()
  })
})
