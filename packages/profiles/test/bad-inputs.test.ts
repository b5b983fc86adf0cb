/**
 * Bad inputs at every profile: misuse (wrong option types, ranges) is a TypeError or RangeError
 * at creation; a malformed or missing signature is a coded SignetError at verification, never a
 * crash or an acceptance.
 */
import { describe, expect, it } from 'vitest'
import * as p from '@signet/profiles'
import { requestOf } from '../../../test/conformance/profiles.ts'

const now = Math.floor(Date.now() / 1000)

describe('misuse is refused at creation', () => {
  it.each([
    ['standard-webhooks keys', () => p.createStandardWebhooksVerifier({ keys: [] })],
    ['stripe secrets', () => p.createStripeVerifier({ secrets: '' })],
    ['github secret', () => p.createGitHubSigner({ secret: 42 as never })],
    ['binance apiKey', () => p.createBinanceSigner({ apiKey: '', secret: 's' })],
    ['binance recvWindow', () => p.createBinanceSigner({ apiKey: 'a', secret: 's', recvWindow: 60_001 })],
    ['sigv4 region', () => p.createSigV4Signer({ accessKeyId: 'a', secretAccessKey: 's', region: '', service: 's3' })],
    ['cavage keyId', () => p.createCavageVerifier({ keys: { keyId: '', secret: 'x' } })],
    ['tolerance', () => p.createStripeVerifier({ secrets: 's', toleranceSeconds: -1 })],
    ['clock', () => p.createStripeVerifier({ secrets: 's', now: 5 as never })],
    ['replay store', () => p.createStripeVerifier({ secrets: 's', replay: {} as never })],
  ])('%s', (_name, make) => {
    expect(make).toThrow(/expected/)
  })
  it('presign expiry out of range is a RangeError', async () => {
    const m = requestOf('GET', '/', [['Host', 'h']])
    await expect(p.presignSigV4(m, { accessKeyId: 'a', secretAccessKey: 's', region: 'r', service: 's3', expiresIn: 604_801 })).rejects.toThrow(RangeError)
  })
  it('a whsec_ that is not base64 and a short whpk_ are ERR_KEY_INVALID', async () => {
    await expect(p.parseStandardWebhookKey('whsec_***')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
    await expect(p.parseStandardWebhookKey('whpk_AAAA')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
  })
})

const garbage: readonly (readonly [string, string])[] = [
  ['webhook-signature', 'v1'],
  ['stripe-signature', 't=abc,v1=zz'],
  ['x-hub-signature-256', 'sha1=00'],
  ['authorization', 'AWS4-HMAC-SHA256 Credential=x'],
  ['signature', 'keyId="k",signature="%%%",headers="digest=="'],
]

describe('malformed signatures are coded errors', () => {
  const verifiers = [
    p.createStandardWebhooksVerifier({ keys: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    p.createStripeVerifier({ secrets: 's' }),
    p.createGitHubVerifier({ secrets: 's' }),
    p.createBinanceVerifier({ keys: { apiKey: 'a', secret: 's' } }),
    p.createSigV4Verifier({ credentials: { accessKeyId: 'a', secretAccessKey: 's' } }),
    p.createCavageVerifier({ keys: { keyId: 'k', secret: 's' } }),
  ]
  for (const v of verifiers) {
    it(`${v.profile}: no signature, and each garbage field`, async () => {
      await expect(v.verify(requestOf('POST', '/', [['Host', 'h']], 'x'))).rejects.toMatchObject({ name: 'SignetError' })
      for (const [name, value] of garbage) {
        const headers: [string, string][] = [['Host', 'h'], ['webhook-id', 'm'], ['webhook-timestamp', String(now)], ['x-mbx-apikey', 'a'], [name, value]]
        await expect(v.verify(requestOf('POST', `/?timestamp=${now}000&signature=zz`, headers, 'x'))).rejects.toMatchObject({ name: 'SignetError', code: expect.stringMatching(/^ERR_/) })
      }
    })
  }
  it('a non-request input is a TypeError', async () => {
    await expect(p.createStripeVerifier({ secrets: 's' }).verify({} as never)).rejects.toThrow(TypeError)
  })
})

describe('standard-webhooks: Svix-branded fields', () => {
  it('svix-id, svix-timestamp and svix-signature verify like the webhook- fields', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const fields = await p.signStandardWebhook('{}', { key: secret, id: 'msg_svix', timestamp: now })
    const svix = requestOf('POST', '/', Object.entries(fields).map(([k, v]) => [k.replace('webhook-', 'svix-'), v] as [string, string]), '{}')
    const verifier = p.createStandardWebhooksVerifier({ keys: secret })
    expect(verifier.matches(svix)).toBe(true)
    expect((await verifier.verify(svix)).params['webhook-id']).toBe('msg_svix')
  })
})

describe('generateStandardWebhookKey', () => {
  it('v1 gives a whsec_ of 24 random bytes; v1a a whsk_/whpk_ pair that signs and verifies', async () => {
    const { secret } = await p.generateStandardWebhookKey()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    const pair = await p.generateStandardWebhookKey('v1a')
    expect(pair.secret).toMatch(/^whsk_/)
    expect(pair.publicKey).toMatch(/^whpk_/)
    const fields = await p.signStandardWebhook('{"x":1}', { key: pair.secret, timestamp: now })
    const message = requestOf('POST', '/', Object.entries(fields), '{"x":1}')
    expect((await p.createStandardWebhooksVerifier({ keys: pair.publicKey! }).verify(message)).alg).toBe('v1a')
    await expect(p.createStandardWebhooksVerifier({ keys: (await p.generateStandardWebhookKey('v1a')).publicKey! }).verify(message)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
  })
})
