/**
 * Interoperability with each scheme's own library, on random inputs, both directions: what
 * Signet signs, the library verifies; what the library signs, Signet verifies; and a one-byte
 * change fails in Signet. Libraries: standardwebhooks (v1; it has no v1a), stripe,
 * @octokit/webhooks-methods, @smithy/signature-v4, http-signature (Joyent's draft-cavage
 * reference implementation). Binance: binance-interop.test.ts (@binance/connector).
 */
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto'
import { verify as octokitVerify, sign as octokitSign } from '@octokit/webhooks-methods'
import { SignatureV4 } from '@smithy/signature-v4'
import fc from 'fast-check'
import httpSignature from 'http-signature'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { describe, expect, test } from 'vitest'
import { toBase64 } from '@signet/core'
import * as p from '@signet/profiles'
import { requestOf } from '../../../test/conformance/profiles.ts'

const RUNS = 30
const stripe = new Stripe('sk_test_interop')
const now = (): number => Math.floor(Date.now() / 1000)
// The libraries parse or refuse empty payloads (webhooks carry JSON events), so payloads are JSON.
const payload = fc.string({ unit: 'grapheme', maxLength: 200 }).map((text) => JSON.stringify({ text }))
const secretBytes = fc.uint8Array({ minLength: 24, maxLength: 64 })
const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/)
const flip = (text: string): string => `${text} `

describe('standardwebhooks (v1)', () => {
  test('Signet signs, the library verifies; the library signs, Signet verifies', async () => {
    await fc.assert(
      fc.asyncProperty(payload, secretBytes, token, async (body, bytes, id) => {
        const secret = `whsec_${toBase64(bytes)}`
        const lib = new Webhook(secret)
        const ts = now()
        const headers = await p.signStandardWebhook(body, { key: secret, id: `msg_${id}`, timestamp: ts })
        expect(lib.verify(body, headers)).toBeDefined()
        const theirs = lib.sign(`msg_${id}`, new Date(ts * 1000), body)
        const message = requestOf('POST', '/h', [['webhook-id', `msg_${id}`], ['webhook-timestamp', String(ts)], ['webhook-signature', theirs]], body)
        const verifier = p.createStandardWebhooksVerifier({ keys: secret })
        expect((await verifier.verify(message)).alg).toBe('v1')
        await expect(verifier.verify({ ...message, body: new TextEncoder().encode(flip(body)) })).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
      }),
      { numRuns: RUNS },
    )
  })
})

describe('stripe', () => {
  test('Signet signs, stripe verifies; stripe signs, Signet verifies', async () => {
    await fc.assert(
      fc.asyncProperty(payload, token, async (body, suffix) => {
        const secret = `whsec_${suffix}`
        const ts = now()
        const header = await p.signStripeWebhook(body, { secret, timestamp: ts })
        expect(stripe.webhooks.signature.verifyHeader(body, header, secret, 300)).toBe(true)
        const theirs = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: ts })
        const verifier = p.createStripeVerifier({ secrets: ['whsec_other', secret] })
        expect((await verifier.verify(requestOf('POST', '/s', [['Stripe-Signature', theirs]], body))).keyIndex).toBe(1)
        await expect(verifier.verify(requestOf('POST', '/s', [['Stripe-Signature', theirs]], flip(body)))).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
      }),
      { numRuns: RUNS },
    )
  })
})

describe('@octokit/webhooks-methods', () => {
  test('Signet signs, octokit verifies; octokit signs, Signet verifies', async () => {
    await fc.assert(
      fc.asyncProperty(payload, fc.stringMatching(/^[!-~][ -~]{0,39}$/), async (body, secret) => {
        const ours = await p.signGitHubWebhook(body, secret)
        expect(await octokitVerify(secret, body, ours)).toBe(true)
        const theirs = await octokitSign(secret, body)
        const verifier = p.createGitHubVerifier({ secrets: secret })
        expect((await verifier.verify(requestOf('POST', '/g', [['X-Hub-Signature-256', theirs]], body))).alg).toBe('sha256')
        await expect(verifier.verify(requestOf('POST', '/g', [['X-Hub-Signature-256', theirs]], flip(body)))).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
      }),
      { numRuns: RUNS },
    )
  })
})

/** A SHA-256 for @smithy/signature-v4 on node:crypto (what @smithy/hash-node does). */
class NodeSha256 {
  private readonly h
  constructor(secret?: Uint8Array | string) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret)
  }
  update(data: Uint8Array | string): void {
    this.h.update(typeof data === 'string' ? Buffer.from(data) : data)
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest())
  }
  reset(): void {}
}

describe('@smithy/signature-v4', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~ -]{1,12}$/)
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
  test('the same Authorization for random paths, queries, headers and bodies (and session tokens)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 3 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
        fc.dictionary(fc.stringMatching(/^x-[a-z]{1,8}$/), fc.stringMatching(/^[ -~]{0,20}$/), { maxKeys: 3 }),
        fc.string({ maxLength: 60 }),
        fc.option(token, { nil: undefined }),
        fc.constantFrom('execute-api', 's3'),
        async (segments, query, headers, body, sessionToken, service) => {
          const path = `/${segments.map((s) => p.awsEncode(s)).join('/')}`
          const qs = Object.entries(query).map(([k, v]) => `${p.awsEncode(k)}=${p.awsEncode(v)}`).join('&')
          const ts = 1_440_938_160
          const smithy = new SignatureV4({ credentials: { ...credentials, ...(sessionToken === undefined ? {} : { sessionToken }) }, region: 'eu-west-1', service, sha256: NodeSha256, uriEscapePath: service !== 's3', applyChecksum: service === 's3' })
          const fieldLines: [string, string][] = [['host', 'example.amazonaws.com'], ...Object.entries(headers).map(([k, v]) => [k, v.trim().replace(/\s+/g, ' ')] as [string, string])]
          const theirs = await smithy.sign(
            { method: 'POST', protocol: 'https:', hostname: 'example.amazonaws.com', path, query, headers: Object.fromEntries(fieldLines), body },
            { signingDate: new Date(ts * 1000) },
          )
          const message = requestOf('POST', qs === '' ? path : `${path}?${qs}`, fieldLines, body)
          const ours = await p.signSigV4(message, { ...credentials, ...(sessionToken === undefined ? {} : { sessionToken }), region: 'eu-west-1', service, timestamp: ts })
          expect(ours.fields.find(([n]) => n === 'Authorization')?.[1]).toBe(theirs.headers.authorization)
          // Smithy's signed request verifies in Signet.
          const signed = requestOf('POST', message.target, Object.entries(theirs.headers as Record<string, string>), body)
          const verifier = p.createSigV4Verifier({ credentials, now: () => ts + 5 })
          expect((await verifier.verify(signed)).keyid).toBe('AKIDEXAMPLE')
          await expect(verifier.verify({ ...signed, body: new TextEncoder().encode(`${body}!`) })).rejects.toMatchObject({ code: expect.stringMatching(/ERR_SIGNATURE_INVALID|ERR_DIGEST_MISMATCH/) })
        },
      ),
      { numRuns: RUNS },
    )
  })
  test('presigned URLs: the same X-Amz-Signature as smithy', async () => {
    const smithy = new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: NodeSha256, uriEscapePath: false })
    const ts = 1_440_938_160
    const theirs = await smithy.presign({ method: 'GET', protocol: 'https:', hostname: 'bucket.s3.amazonaws.com', path: '/a%20b/key.txt', query: {}, headers: { host: 'bucket.s3.amazonaws.com' } }, { signingDate: new Date(ts * 1000), expiresIn: 900 })
    // Smithy alone hashes the (empty) body; ask for the same. S3's own presigner signs UNSIGNED-PAYLOAD, Signet's default for S3.
    const message = requestOf('GET', '/a%20b/key.txt', [['host', 'bucket.s3.amazonaws.com']])
    const target = await p.presignSigV4(message, { ...credentials, region: 'us-east-1', service: 's3', timestamp: ts, expiresIn: 900, unsignedPayload: false })
    expect(/X-Amz-Signature=([0-9a-f]+)/.exec(target)?.[1]).toBe(theirs.query['X-Amz-Signature'])
    const verifier = p.createSigV4Verifier({ credentials, now: () => ts + 60 })
    const search = new URLSearchParams(theirs.query as Record<string, string>).toString()
    expect((await verifier.verify({ ...message, target: `/a%20b/key.txt?${search}` })).params.presigned).toBe(true)
    expect((await verifier.verify({ ...message, target: await p.presignSigV4(message, { ...credentials, region: 'us-east-1', service: 's3', timestamp: ts }) })).keyid).toBe('AKIDEXAMPLE')
  })
})

describe('http-signature (Joyent, draft-cavage)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
  const pathArb = fc.stringMatching(/^\/[a-z0-9/]{0,20}(\?[a-z]=[a-z0-9]{1,5})?$/)
  const value = fc.stringMatching(/^[!-~]([ -~]{0,20}[!-~])?$/)
  for (const kind of ['rsa-sha256', 'hmac-sha256'] as const) {
    test(`${kind}: Signet signs, http-signature verifies; http-signature signs, Signet verifies`, async () => {
      const hmacSecret = 'a shared secret for the cavage interop test'
      await fc.assert(
        fc.asyncProperty(pathArb, value, async (path, extra) => {
          const date = new Date().toUTCString()
          const headerPairs: [string, string][] = [['host', 'example.org'], ['date', date], ['x-extra', extra]]
          const signer = p.createCavageSigner({ keyId: 'k1', ...(kind === 'rsa-sha256' ? { key: privateKey } : { secret: hmacSecret }), headers: '(request-target) host date x-extra', field: 'authorization' })
          const message = requestOf('GET', path, headerPairs)
          const ours = p.applySignature(message, await signer.signMessage(message))
          const nodeReq = { method: 'GET', url: path, httpVersion: '1.1', headers: Object.fromEntries(ours.fields.map((f) => [f.name, f.value])) }
          const parsed = httpSignature.parseRequest(nodeReq, { headers: ['(request-target)', 'host', 'date'] })
          expect(kind === 'rsa-sha256' ? httpSignature.verifySignature(parsed, publicKey) : httpSignature.verifyHMAC(parsed, hmacSecret)).toBe(true)

          const set = new Map<string, string>(headerPairs)
          const fake = { method: 'GET', path, getHeader: (n: string) => set.get(n.toLowerCase()), setHeader: (n: string, v: string) => set.set(n.toLowerCase(), v) }
          httpSignature.signRequest(fake, { keyId: 'k1', key: kind === 'rsa-sha256' ? privateKey : hmacSecret, algorithm: kind, headers: ['(request-target)', 'host', 'date', 'x-extra'] })
          const theirs = requestOf('GET', path, [...set.entries()])
          const verifier = p.createCavageVerifier({ keys: kind === 'rsa-sha256' ? { keyId: 'k1', key: publicKey } : { keyId: 'k1', secret: hmacSecret } })
          expect((await verifier.verify(theirs)).keyid).toBe('k1')
          await expect(verifier.verify({ ...theirs, target: `${path}x` })).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' })
        }),
        { numRuns: kind === 'rsa-sha256' ? 10 : RUNS },
      )
    })
  }
})
