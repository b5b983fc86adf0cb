/**
 * draft-cavage beyond the vectors: `ecdsa-sha256` carries a DER signature (what node:crypto and
 * Joyent's library produce), checked both ways against node:crypto; Ed25519 and hs2019 with
 * `(created)`/`(expires)`; a downgrade of the algorithm name is refused; `Digest` is checked.
 */
import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCavageSigner, createCavageVerifier, parseCavageSignature, applySignature, cavageSigningString } from '@signet/profiles'
import { requestOf } from '../../../test/conformance/profiles.ts'

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ecPrivate = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
const ecPublic = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string
const date = new Date().toUTCString()

describe('cavage ecdsa-sha256 (DER)', () => {
  it('Signet signs, node:crypto verifies the DER signature; node:crypto signs, Signet verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^\/[a-z0-9]{0,12}$/), async (path) => {
        const message = requestOf('GET', path, [['Host', 'example.org'], ['Date', date]])
        const sig = await createCavageSigner({ keyId: 'ec', key: ecPrivate, headers: '(request-target) host date' }).signMessage(message)
        const params = parseCavageSignature(sig.fields[0]![1])
        expect(params.algorithm).toBe('ecdsa-sha256')
        const text = cavageSigningString(message, params.headers, params)
        expect(nodeVerify('sha256', Buffer.from(text), { key: createPublicKey(ecPublic), dsaEncoding: 'der' }, Buffer.from(params.signature, 'base64'))).toBe(true)
        const verifier = createCavageVerifier({ keys: { keyId: 'ec', key: ecPublic } })
        expect((await verifier.verify(applySignature(message, sig))).algorithm).toBe('ecdsa-p256-sha256')
        const theirs = nodeSign('sha256', Buffer.from(text), { key: ec.privateKey, dsaEncoding: 'der' }).toString('base64')
        const header = `keyId="ec",algorithm="ecdsa-sha256",headers="(request-target) host date",signature="${theirs}"`
        expect((await verifier.verify(applySignature(message, { fields: [['Signature', header]] }))).keyid).toBe('ec')
      }),
      { numRuns: 25 },
    )
  })
})

describe('cavage policy', () => {
  const ed = generateKeyPairSync('ed25519')
  const edPrivate = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const edPublic = ed.publicKey.export({ type: 'spki', format: 'pem' }) as string
  const post = requestOf('POST', '/inbox', [['Host', 'example.org']], '{"a":1}')
  it('hs2019 with (created) and (expires): verifies in time, refused when expired', async () => {
    const now = Math.floor(Date.now() / 1000)
    const signer = createCavageSigner({ keyId: 'ed', key: edPrivate, algorithm: 'hs2019', headers: '(request-target) (created) (expires) host digest', created: now, expires: now + 60 })
    const signed = applySignature(post, await signer.signMessage(post))
    const verifier = createCavageVerifier({ keys: { keyId: 'ed', key: edPublic } })
    expect((await verifier.verify(signed)).params).toMatchObject({ created: now, expires: now + 60, algorithm: 'hs2019' })
    const later = createCavageVerifier({ keys: { keyId: 'ed', key: edPublic }, now: () => now + 61 })
    await expect(later.verify(signed)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_EXPIRED' })
  })
  it('the algorithm name must be the key’s (or hs2019): rsa-sha256 on an Ed25519 key fails', async () => {
    const signed = applySignature(post, await createCavageSigner({ keyId: 'ed', key: edPrivate }).signMessage(post))
    const value = signed.fields.find((f) => f.name === 'signature')!.value.replace('algorithm="ed25519"', 'algorithm="rsa-sha256"')
    const downgraded = { ...signed, fields: signed.fields.map((f) => (f.name === 'signature' ? { ...f, value } : f)) }
    await expect(createCavageVerifier({ keys: { keyId: 'ed', key: edPublic } }).verify(downgraded)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
  })
  it('a body that does not match Digest is refused; a body without covered digest is refused', async () => {
    const signed = applySignature(post, await createCavageSigner({ keyId: 'ed', key: edPrivate }).signMessage(post))
    const verifier = createCavageVerifier({ keys: { keyId: 'ed', key: edPublic } })
    await expect(verifier.verify({ ...signed, body: new TextEncoder().encode('{"a":2}') })).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
    const noDigest = applySignature(post, await createCavageSigner({ keyId: 'ed', key: edPrivate, headers: '(request-target) host date' }).signMessage(post))
    await expect(verifier.verify(noDigest)).rejects.toMatchObject({ code: 'ERR_REQUIRED_COMPONENT' })
  })
})
