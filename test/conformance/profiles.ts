/**
 * The profiles conformance suite: the published vectors of Standard Webhooks, Stripe, Binance,
 * AWS SigV4 (the 2015 suite, the aws-c-auth edition and smithy's extras) and draft-cavage,
 * against any copy of `@signet/profiles` handed in as a parameter, like suite.ts does for core.
 * Vitest runs it on the sources; the runtime launchers run it against the built packages.
 *
 * The vector files are test/vectors/*.json (copied unchanged from the shared set); each host
 * reads them and passes them in. Timestamps in the vectors are fixed, so every verifier here
 * gets a clock at the vector's time.
 *
 * @module
 */
import type * as Profiles from '@signet/profiles'
import type * as Core from '@signet/core'
import { type ConformanceCase, equal, ok, rejectsWith } from './harness.ts'

/** The library under test. */
export type ProfilesLibrary = typeof Profiles
type CoreLibrary = typeof Core
type Message = Core.HttpRequestMessage

/** The four vector files, parsed. */
export interface ProfileVectors {
  readonly webhook: any
  readonly binance: any
  readonly cavage: any
  readonly sigv4: any
}

/** Host-provided helpers a runtime may lack. */
export interface ProfileHostHooks {
  /** Decrypt an encrypted PKCS#8 PEM (node:crypto can; WebCrypto cannot). */
  readonly decryptPem?: ((pem: string, passphrase: string) => string) | undefined
}

const enc = new TextEncoder()

/** A request message from method, target, header pairs and body text. */
export function requestOf(method: string, target: string, headers: readonly (readonly [string, string])[], body?: string): Message {
  const host = headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? 'example.com'
  return {
    kind: 'request',
    method,
    scheme: 'https',
    authority: host,
    target,
    fields: headers.map(([name, value]) => ({ name: name.toLowerCase(), value: value.trim() })),
    trailers: [],
    body: body === undefined || body === '' ? (body === '' ? new Uint8Array(0) : undefined) : enc.encode(body),
  }
}

const field = (fields: readonly (readonly [string, string])[], name: string): string | undefined => fields.find(([n]) => n.toLowerCase() === name)?.[1]

/** Every profile case for the library. */
export function defineProfileConformance(core: CoreLibrary, p: ProfilesLibrary, vectors: ProfileVectors, hooks: ProfileHostHooks = {}): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  const add = (name: string, run: () => Promise<void>): void => {
    cases.push({ name: `profiles: ${name}`, run })
  }

  // Standard Webhooks (13 vectors; the format-only one checks parsing of a v1+v1a header).
  for (const v of vectors.webhook.standardWebhooks.vectors) {
    const message = requestOf('POST', '/webhook', Object.entries(v.headers as Record<string, string>), v.payload ?? '')
    const now = (): number => Number(v.headers['webhook-timestamp'])
    if (v.verifiable === false) {
      add(`standard-webhooks ${v.id}: a header with unknown keys is refused, not misparsed`, async () => {
        const verifier = p.createStandardWebhooksVerifier({ keys: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now })
        await rejectsWith(() => verifier.verify(message), 'ERR_SIGNATURE_INVALID', v.id)
      })
      continue
    }
    const key = v.scheme === 'v1a' ? v.publicKey : v.secret
    add(`standard-webhooks ${v.id} (${v.expectValid ? 'valid' : 'invalid'})`, async () => {
      const verifier = p.createStandardWebhooksVerifier({ keys: key, now })
      if (v.expectValid) {
        const identity = await verifier.verify(message)
        equal(identity.alg, v.scheme, 'version')
        equal(identity.params['webhook-id'], v.headers['webhook-id'], 'webhook-id')
      } else await rejectsWith(() => verifier.verify(message), 'ERR_SIGNATURE_INVALID', v.id)
    })
    if (v.expectValid && !String(v.headers['webhook-signature']).includes(' ')) {
      add(`standard-webhooks ${v.id}: signing reproduces the signature`, async () => {
        const signKey = v.scheme === 'v1a' ? v.secretKey : v.secret
        const fields = await p.signStandardWebhook(v.payload, { key: signKey, id: v.headers['webhook-id'], timestamp: Number(v.headers['webhook-timestamp']) })
        equal(fields['webhook-signature'], v.headers['webhook-signature'], 'webhook-signature')
      })
    }
  }

  // Stripe (7 vectors).
  for (const v of vectors.webhook.stripe.vectors) {
    const message = requestOf('POST', '/stripe', [['Stripe-Signature', v.header]], v.payload ?? '')
    if (v.verifiable === false) {
      add(`stripe ${v.id}: the documented header parses and fails under another secret`, async () => {
        const verifier = p.createStripeVerifier({ secrets: 'whsec_test_secret', now: () => 1492774577 })
        await rejectsWith(() => verifier.verify(message), 'ERR_SIGNATURE_INVALID', v.id)
      })
      continue
    }
    add(`stripe ${v.id} (${v.expectValid ? 'valid' : 'invalid'})`, async () => {
      const verifier = p.createStripeVerifier({ secrets: v.secret, now: () => v.timestamp })
      if (v.expectValid) equal((await verifier.verify(message)).alg, 'v1', 'scheme')
      else await rejectsWith(() => verifier.verify(message), ['ERR_SIGNATURE_INVALID', 'ERR_SIGNATURE_MISSING'], v.id)
    })
    if (v.expectValid && !String(v.header).includes('v1=e49c')) {
      add(`stripe ${v.id}: signing reproduces the header`, async () => {
        equal(await p.signStripeWebhook(v.payload, { secret: v.secret, timestamp: v.timestamp }), v.header, 'Stripe-Signature')
      })
    }
  }

  // GitHub: the example of GitHub's docs ("Validating webhook deliveries", testing the signature).
  add('github docs example: sha256 over "Hello, World!"', async () => {
    const want = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
    equal(await p.signGitHubWebhook('Hello, World!', "It's a Secret to Everybody"), want, 'X-Hub-Signature-256')
    const verifier = p.createGitHubVerifier({ secrets: ['another secret', "It's a Secret to Everybody"] })
    equal((await verifier.verify(requestOf('POST', '/gh', [['X-Hub-Signature-256', want]], 'Hello, World!'))).keyIndex, 1, 'rotated key index')
    await rejectsWith(() => verifier.verify(requestOf('POST', '/gh', [['X-Hub-Signature-256', want]], 'Hello, World?')), 'ERR_SIGNATURE_INVALID', 'tampered body')
  })

  // Binance (18 vectors: the 10 verifiable ones reproduce; the rest are format checks).
  for (const v of vectors.binance.vectors) {
    if (v.verifiable !== true) {
      add(`binance ${v.id}: unpublished key, the recorded signature is well-formed ${v.expected.encoding}`, async () => {
        if (v.docError === true) {
          let length = -1
          try {
            length = core.fromBase64(v.expected.signature).length
          } catch {
            // Not even base64 of a whole number of bytes: what the vector file records.
          }
          ok(length !== 64, 'a documentation error is not a 64-byte Ed25519 signature')
          return
        }
        else ok(core.fromBase64(v.expected.signature).length >= 64, 'base64 signature')
        if (v.expected.percentEncoded !== undefined) equal(encodeURIComponent(v.expected.signature), v.expected.percentEncoded, 'percent-encoding')
      })
      continue
    }
    add(`binance ${v.id}: signature reproduced`, async () => {
      let key: any
      if (v.key.secretKey !== undefined) key = { apiKey: v.key.apiKey ?? 'k', secret: v.key.secretKey }
      else if (v.key.privateKeyPem !== undefined) key = { apiKey: 'k', privateKey: v.key.privateKeyPem }
      else {
        if (hooks.decryptPem === undefined) {
          await rejectsWith(() => p.signBinancePayload(v.payload, { apiKey: 'k', privateKey: v.key.privateKeyPemEncrypted }), ['ERR_KEY_INVALID', 'ERR_KEY_UNSUPPORTED'], 'an encrypted PKCS#8 key is refused with a clear code')
          return
        }
        key = { apiKey: 'k', privateKey: hooks.decryptPem(v.key.privateKeyPemEncrypted, v.key.passphrase) }
      }
      equal(await p.signBinancePayload(v.payload, key), v.expected.signature, 'signature')
    })
    if (v.request !== undefined && v.key.secretKey !== undefined) {
      add(`binance ${v.id}: the published request verifies under Binance's rule`, async () => {
        const url = new URL(v.request.url)
        const headers: [string, string][] = [['Host', url.host], ...(Object.entries(v.request.headers) as [string, string][])]
        const message = requestOf(v.request.method, url.pathname + url.search, headers, v.request.body ?? '')
        const ts = Number(v.params.find(([k]: [string]) => k === 'timestamp')[1])
        const verifier = p.createBinanceVerifier({ keys: { apiKey: v.key.apiKey, secret: v.key.secretKey }, now: () => (ts + 4000) / 1000 })
        equal((await verifier.verify(message)).alg, 'hmac-sha256', 'alg')
        const late = p.createBinanceVerifier({ keys: { apiKey: v.key.apiKey, secret: v.key.secretKey }, now: () => (ts + 5001) / 1000 })
        await rejectsWith(() => late.verify(message), 'ERR_SIGNATURE_TOO_OLD', 'outside recvWindow')
        const early = p.createBinanceVerifier({ keys: { apiKey: v.key.apiKey, secret: v.key.secretKey }, now: () => (ts - 1000) / 1000 })
        await rejectsWith(() => early.verify(message), 'ERR_CREATED_IN_FUTURE', 'timestamp >= serverTime + 1000')
      })
      add(`binance ${v.id}: the signer writes the published request`, async () => {
        const url = new URL(v.request.url)
        const ts = v.params.find(([k]: [string]) => k === 'timestamp')[1]
        const unsigned = v.params.filter(([k]: [string]) => k !== 'timestamp' && k !== 'recvWindow')
        const inBody = v.request.body !== undefined
        const text = p.binanceQuery(unsigned)
        const headers: [string, string][] = [['Host', url.host], ...(inBody ? [['Content-Type', 'application/x-www-form-urlencoded'] as [string, string]] : [])]
        const message = requestOf(v.request.method, inBody ? url.pathname : `${url.pathname}?${text}`, headers, inBody ? text : undefined)
        const signer = p.createBinanceSigner({ apiKey: v.key.apiKey, secret: v.key.secretKey, recvWindow: 5000, timestamp: Number(ts) })
        const signed = p.applySignature(message, await signer.signMessage(message))
        if (inBody) equal(new TextDecoder().decode(signed.body), v.request.body, 'form body')
        else equal(`https://${url.host}${signed.target}`, v.request.url, 'url')
        equal(signed.fields.find((f) => f.name === 'x-mbx-apikey')?.value, v.key.apiKey, 'X-MBX-APIKEY')
      })
    }
  }

  // SigV4: the 2015 suite, the aws-c-auth edition (header and presigned), smithy's extras.
  const d = vectors.sigv4.defaults
  const creds = { accessKeyId: d.accessKeyId, secretAccessKey: d.secretAccessKey, region: d.region, service: d.service }
  const signingSeconds = Date.parse(d.signingDateIso) / 1000
  const parsedMessage = (c: any): Message => requestOf(c.parsed.method, c.parsed.target, c.parsed.headers, c.parsed.body)
  const authzSignature = (text: string): string => /Signature=([0-9a-f]{64})/.exec(text)?.[1] ?? ''
  for (const c of vectors.sigv4.suites['aws-sig-v4-test-suite-2015'].cases) {
    if (c.id === 'get-header-value-multiline') {
      add('sigv4 2015 get-header-value-multiline: folded lines join with spaces, as the aws-c-auth edition and every modern signer do', async () => {
        const creq = p.canonicalRequest(parsedMessage(c), { signedHeaders: ['host', 'my-header1', 'x-amz-date'], payloadHash: d.emptyPayloadSha256, s3: false, query: undefined })
        ok(creq.includes('my-header1:value1 value2 value3'), 'obs-fold as one space')
        ok(creq !== c.creq, 'the 2015 comma join is the suspect expectation')
      })
      continue
    }
    add(`sigv4 2015 ${c.id}`, async () => {
      const message = parsedMessage(c)
      const token = field(c.parsed.headers, 'x-amz-security-token') === undefined && c.id === 'post-sts-header-after' ? d.stsSessionToken2015 : undefined
      const sig = await p.signSigV4(message, { ...creds, timestamp: signingSeconds, ...(token === undefined ? {} : { sessionToken: token, signSessionToken: false }) })
      const authz = sig.fields.find(([n]) => n === 'Authorization')?.[1] ?? ''
      equal(authz, c.authz, 'Authorization')
      const verifier = p.createSigV4Verifier({ credentials: creds, now: () => signingSeconds + 60 })
      equal((await verifier.verify(p.applySignature(message, sig))).keyid, d.accessKeyId, 'verified')
    })
  }
  for (const c of vectors.sigv4.suites['aws-c-auth-v4'].cases) {
    const ctx = c.context
    const s3 = ctx.normalize === false
    const options = {
      accessKeyId: ctx.credentials.access_key_id,
      secretAccessKey: ctx.credentials.secret_access_key,
      region: ctx.region,
      service: ctx.service,
      normalizePath: !s3,
      timestamp: Date.parse(ctx.timestamp) / 1000,
      contentSha256: ctx.sign_body === true,
      ...(ctx.credentials.token === undefined ? {} : { sessionToken: ctx.credentials.token, signSessionToken: ctx.omit_session_token !== true }),
    }
    add(`sigv4 aws-c-auth ${c.name}: header`, async () => {
      const message = parsedMessage(c)
      const sig = await p.signSigV4(message, options)
      const authz = sig.fields.find(([n]) => n === 'Authorization')?.[1] ?? ''
      const names = /SignedHeaders=([^,]+)/.exec(authz)?.[1]?.split(';') ?? []
      const creq = p.canonicalRequest(p.applySignature(message, sig), { signedHeaders: names, payloadHash: c.header.creq.split('\n').at(-1), s3, query: c.parsed.rawQuery ?? undefined })
      equal(creq, c.header.creq, 'canonical request')
      equal(authzSignature(authz), c.header.signature, 'signature')
      const verifier = p.createSigV4Verifier({ credentials: options, normalizePath: !s3, now: () => options.timestamp + 10 })
      equal((await verifier.verify(p.applySignature(message, sig))).keyid, options.accessKeyId, 'verified')
    })
    add(`sigv4 aws-c-auth ${c.name}: presigned`, async () => {
      const target = await p.presignSigV4(parsedMessage(c), { ...options, contentSha256: false, expiresIn: ctx.expiration_in_seconds })
      equal(/X-Amz-Signature=([0-9a-f]{64})/.exec(target)?.[1], c.query.signature, 'X-Amz-Signature')
      const verifier = p.createSigV4Verifier({ credentials: options, normalizePath: !s3, now: () => options.timestamp + 10 })
      const presigned = { ...parsedMessage(c), target }
      equal((await verifier.verify(presigned)).params.presigned, true, 'verified presigned')
      const after = p.createSigV4Verifier({ credentials: options, normalizePath: !s3, now: () => options.timestamp + ctx.expiration_in_seconds + 1 })
      await rejectsWith(() => after.verify(presigned), 'ERR_SIGNATURE_EXPIRED', 'expired')
    })
  }
  for (const c of vectors.sigv4.suites['smithy-fixture-extras'].cases) {
    add(`sigv4 smithy ${c.name}`, async () => {
      const query = Object.entries(c.query as Record<string, string>).map(([k, v]) => `${p.awsEncode(k)}=${p.awsEncode(v)}`).join('&')
      const message = requestOf(c.method, `${c.path}?${query}`, Object.entries(c.headers as Record<string, string>))
      const sig = await p.signSigV4(message, { ...creds, timestamp: signingSeconds })
      equal(sig.fields.find(([n]) => n === 'Authorization')?.[1], c.authz, 'Authorization')
    })
  }

  // draft-cavage: 6 signed vectors, 14 signing-string cases (5 must error).
  const rsa = vectors.cavage.keys.rsaTest
  for (const v of vectors.cavage.vectors) {
    const r = v.request
    const message = requestOf(r.method, r.target, r.headers, r.body)
    add(`cavage ${v.id}: signing string and signature`, async () => {
      const headers = v.headersParam === null ? ['date'] : v.headersParam.split(' ')
      equal(p.cavageSigningString(message, headers, { algorithm: v.algorithm, created: r.created }), v.signingString, 'signing string')
      const publicKey = v.key?.publicKeyPem ?? rsa.publicKeyPem
      const privateKey = v.key?.privateKeyPem ?? rsa.privateKeyPem
      const fieldValue = v.authorization ?? v.signatureHeader
      const fieldName = v.authorization === undefined ? 'Signature' : 'Authorization'
      const signedMessage = { ...message, fields: [...message.fields, { name: fieldName.toLowerCase(), value: fieldValue }] }
      const now = r.created ?? Date.parse(field(r.headers, 'date') as string) / 1000
      const verifier = p.createCavageVerifier({ keys: { keyId: v.keyId, key: publicKey }, minimumRsaBits: 1024, now: () => now, requiredHeaders: [], requireTime: true })
      equal((await verifier.verify(signedMessage)).keyid, v.keyId, 'keyId')
      if (v.algorithm === 'rsa-sha256' || v.keyType === 'ed25519') {
        const signer = p.createCavageSigner({ keyId: v.keyId, key: privateKey, minimumRsaBits: 1024, algorithm: v.algorithm, headers, ...(r.created === undefined ? {} : { created: r.created }) })
        const sig = await signer.signMessage(message)
        const out = sig.fields.find(([n]) => n === 'Signature')?.[1] ?? ''
        equal(/signature="([^"]+)"/.exec(out)?.[1], v.signature, 'signature reproduced (deterministic)')
      }
      const tampered = { ...signedMessage, target: `${r.target}x` }
      if (headers.includes('(request-target)')) await rejectsWith(() => verifier.verify(tampered), 'ERR_SIGNATURE_INVALID', 'tampered target')
    })
  }
  for (const c of vectors.cavage.canonicalization) {
    const r = c.request
    add(`cavage signing string ${c.id}${c.expectError === true ? ' (must error)' : ''}`, async () => {
      const message = requestOf(r.method, r.target, r.headers)
      const run = (): string => p.cavageSigningString(message, c.headersParam.split(' '), { algorithm: c.algorithm, created: r.created })
      if (c.expectError === true) await rejectsWith(run, ['ERR_MISSING_COMPONENT', 'ERR_INVALID_COMPONENT', 'ERR_UNKNOWN_COMPONENT'], c.id)
      else equal(run(), c.expected, 'signing string')
    })
  }

  // One policy across profiles: the same store refuses a replay, and several keys rotate.
  add('one replay store across profiles refuses a second delivery', async () => {
    const seen = new Set<string>()
    const replay = { record: (key: string) => (seen.has(key) ? false : (seen.add(key), true)) }
    const now = Math.floor(Date.now() / 1000)
    const headers = await p.signStandardWebhook('{}', { key: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_1', timestamp: now })
    const message = requestOf('POST', '/h', Object.entries(headers), '{}')
    const verifier = p.createStandardWebhooksVerifier({ keys: ['whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], replay })
    equal((await verifier.verify(message)).keyIndex, 1, 'second key verifies')
    await rejectsWith(() => verifier.verify(message), 'ERR_NONCE_REPLAYED', 'replay')
    const stripe = p.createStripeVerifier({ secrets: 'whsec_test_secret', replay })
    const sm = requestOf('POST', '/s', [['Stripe-Signature', await p.signStripeWebhook('{}', { secret: 'whsec_test_secret' })]], '{}')
    await stripe.verify(sm)
    await rejectsWith(() => stripe.verify(sm), 'ERR_NONCE_REPLAYED', 'stripe replay')
    const old = p.createStripeVerifier({ secrets: 'whsec_test_secret', now: () => now + 301 })
    await rejectsWith(() => old.verify(sm), 'ERR_SIGNATURE_TOO_OLD', 'stale timestamp')
  })
  return cases
}
