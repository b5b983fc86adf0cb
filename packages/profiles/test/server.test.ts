/**
 * One route, several schemes: `createVerifier({ profiles })` verifies RFC 9421 and draft-cavage
 * ("double-knocking" on a Fediverse inbox) and Standard Webhooks with one replay store, and
 * answers every refusal with the same problem+json codes through the fetch adapter.
 */
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSigner } from '@signet/client'
import { generateKey, publicKey } from '@signet/core'
import { createCavageSigner, createCavageVerifier, createStandardWebhooksSigner, createStandardWebhooksVerifier } from '@signet/profiles'
import { MemoryNonceStore, createVerifier, withSignet } from '@signet/server'

describe('createVerifier with profiles', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const actorKey = 'https://social.example/users/alice#main-key'
  const memory = new MemoryNonceStore()
  const recorded: string[] = []
  // The verifier's one store: the profiles were given none, so they record here too.
  const nonces = { record: (key: string, ttlMs: number) => (recorded.push(key), memory.record(key, ttlMs)) }
  const ed = await generateKey('ed25519', { kid: 'client-1' })
  const verifier = createVerifier({
    keys: [{ id: 'client-1', key: publicKey(ed), owner: 'alice' }],
    nonces,
    profiles: [
      createCavageVerifier({ keys: { keyId: actorKey, key: rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string } }),
      createStandardWebhooksVerifier({ keys: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    ],
  })
  const handler = withSignet(verifier, (_request, identity) => Response.json({ keyid: identity.keyid, label: identity.label, alg: identity.alg }))
  const inbox = (): Request => new Request('https://social.example/inbox', { method: 'POST', body: '{"type":"Follow"}', headers: { 'content-type': 'application/activity+json' } })

  it('RFC 9421 and draft-cavage both verify on the inbox', async () => {
    const rfc = await createSigner({ key: ed }).sign(inbox())
    expect(await (await handler(rfc)).json()).toEqual({ keyid: 'client-1', label: 'sig1', alg: 'ed25519' })
    const cavage = await createCavageSigner({ keyId: actorKey, key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }).sign(inbox())
    // verify() reads a Request's body once and consumes it: the replay is a copy made first.
    const copy = cavage.clone()
    const response = await handler(cavage)
    expect(await response.json()).toEqual({ keyid: actorKey, label: 'cavage', alg: 'rsa-v1_5-sha256' })
    // The same store refuses the replay, with the same code and problem+json as RFC 9421.
    const replay = await handler(copy)
    expect(replay.status).toBe(401)
    expect(replay.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect((await replay.json()).code).toBe('ERR_NONCE_REPLAYED')
    expect(recorded.filter((k) => k.startsWith('cavage:'))).toHaveLength(2)
    expect(recorded.some((k) => k.startsWith('client-1'))).toBe(true)
  })
  it('a webhook verifies on the same route; a tampered one gets 401 ERR_SIGNATURE_INVALID', async () => {
    const signed = await createStandardWebhooksSigner({ key: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).sign(inbox())
    expect(await (await handler(signed.clone())).json()).toMatchObject({ label: 'standard-webhooks', alg: 'hmac-sha256', keyid: 'standard-webhooks#0' })
    const tampered = new Request(signed.url, { method: 'POST', headers: signed.headers, body: '{"type":"Undo"}' })
    const response = await handler(tampered)
    expect(response.status).toBe(401)
    expect((await response.json()).code).toBe('ERR_SIGNATURE_INVALID')
  })
  it('an unsigned request is refused as missing; bad profile options are refused at creation', async () => {
    const response = await handler(inbox())
    expect(response.status).toBe(401)
    expect((await response.json()).code).toBe('ERR_SIGNATURE_MISSING')
    expect(() => createVerifier({ keys: [], profiles: [{ profile: 'x' }] as never })).toThrow(TypeError)
  })
})
