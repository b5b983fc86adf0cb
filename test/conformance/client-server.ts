/**
 * Cross-package conformance: what `@signet/client` signs, `@signet/core` and `@signet/server`
 * accept, on every runtime.
 *
 * These run only when the host has the client (and server) package; in CI the launchers
 * require both. They use generated keys and an injected clock, so they need no vectors.
 *
 * @module
 */
import type * as Client from '@signet/client'
import type * as Server from '@signet/server'
import { type ConformanceCase, equal, ok, rejectsWith } from './harness.ts'
import type { CoreLibrary } from './suite.ts'

/** `@signet/client` from sources or from its built `dist`. */
export type ClientLibrary = typeof Client
/** `@signet/server` from sources or from its built `dist`. */
export type ServerLibrary = typeof Server

type SignetKey = import('@signet/core').SignetKey
type AlgorithmName = import('@signet/core').AlgorithmName

const NOW = 1_750_000_000
const URL_ = 'https://api.example.com/v1/orders?id=42'
const BODY = '{"item":"book","quantity":2}'

const newRequest = (): Request =>
  new Request(URL_, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: BODY })

const keyPair = async (core: CoreLibrary, alg: AlgorithmName, kid: string): Promise<{ key: SignetKey; verifyKey: SignetKey }> => {
  const key = await core.generateKey(alg, { kid })
  return { key, verifyKey: key.type === 'secret' ? key : core.publicKey(key) }
}

/**
 * Client cases: a request signed by `createSigner` verifies with core's `verifyMessage`, and
 * its Content-Digest matches the bytes it sends.
 */
export function defineClientConformance(core: CoreLibrary, client: ClientLibrary): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  for (const alg of ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256'] as const) {
    cases.push({
      name: `client: createSigner (${alg}) signs, core verifies`,
      run: async () => {
        const { key, verifyKey } = await keyPair(core, alg, `client-${alg}`)
        const signer = client.createSigner({ key, now: () => NOW })
        const signed = await signer.sign(newRequest())
        ok(signed.headers.get('signature-input')?.startsWith('sig1=(') === true, 'Signature-Input sent')
        const digest = signed.headers.get('content-digest')
        ok(digest !== null, 'Content-Digest sent')
        const body = new Uint8Array(await signed.clone().arrayBuffer())
        equal(new TextDecoder().decode(body), BODY, 'body sent unchanged')
        await core.verifyContentDigest(digest, body)
        const message = await core.fromFetchRequest(signed)
        const [verified] = await core.verifyMessage(message, { key: verifyKey, now: () => NOW + 1, maxAgeSeconds: 300 })
        equal(verified?.keyid, `client-${alg}`, 'keyid')
        ok(verified?.components.includes('"content-digest"') === true, 'content-digest covered')
      },
    })
  }
  cases.push({
    name: 'client: a signed request whose body is swapped fails Content-Digest',
    run: async () => {
      const { key } = await keyPair(core, 'ed25519', 'client-swap')
      const signed = await client.createSigner({ key, now: () => NOW }).sign(newRequest())
      const digest = signed.headers.get('content-digest') ?? ''
      await rejectsWith(() => core.verifyContentDigest(digest, new TextEncoder().encode('{"item":"car","quantity":2}')), 'ERR_DIGEST_MISMATCH', 'swapped body')
    },
  })
  return cases
}

/**
 * Server cases: `createVerifier` accepts a request signed by core (and by the client when
 * present) and rejects a tampered one with a coded error.
 */
export function defineServerConformance(core: CoreLibrary, server: ServerLibrary, client?: ClientLibrary): ConformanceCase[] {
  const verifierFor = (kid: string, key: SignetKey): Server.Verifier =>
    server.createVerifier({
      keys: { resolve: (id: string) => (id === kid ? { id: kid, key, owner: 'conformance' } : undefined) },
      clock: () => NOW * 1000, // unix milliseconds
    })

  const coreSigned = async (key: SignetKey, kid: string): Promise<Request> => {
    const digest = await core.createContentDigest(new TextEncoder().encode(BODY), ['sha-256'])
    const withDigest = await core.fromFetchRequest(
      new Request(URL_, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Digest': digest }, body: BODY }),
    )
    const result = await core.signMessage(withDigest, {
      key,
      label: 'sig1',
      components: ['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'].map((c) => core.parseComponentIdentifier(c)),
      created: NOW,
      nonce: `n-${kid}-${Math.random().toString(36).slice(2)}`,
      keyid: kid,
    })
    return new Request(URL_, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Digest': digest,
        'Signature-Input': result.signatureInput,
        Signature: result.signature,
      },
      body: BODY,
    })
  }

  const cases: ConformanceCase[] = []
  for (const alg of ['hmac-sha256', 'ed25519', 'rsa-pss-sha512'] as const) {
    cases.push({
      name: `server: createVerifier accepts a core-signed request (${alg})`,
      run: async () => {
        const kid = `server-${alg}`
        const { key, verifyKey } = await keyPair(core, alg, kid)
        const identity = await verifierFor(kid, verifyKey).verify(await coreSigned(key, kid))
        equal(identity.keyid, kid, 'keyid')
      },
    })
  }
  cases.push({
    name: 'server: a tampered body is rejected with a coded error',
    run: async () => {
      const kid = 'server-tamper'
      const { key, verifyKey } = await keyPair(core, 'ed25519', kid)
      const signed = await coreSigned(key, kid)
      const tampered = new Request(signed.url, { method: 'POST', headers: signed.headers, body: '{"item":"car","quantity":2}' })
      await rejectsWith(() => verifierFor(kid, verifyKey).verify(tampered), ['ERR_DIGEST_MISMATCH', 'ERR_SIGNATURE_INVALID'], 'tampered body')
    },
  })
  cases.push({
    name: 'server: an unknown keyid is rejected',
    run: async () => {
      const { key, verifyKey } = await keyPair(core, 'ed25519', 'server-known')
      const signed = await coreSigned(key, 'server-unknown')
      await rejectsWith(() => verifierFor('server-known', verifyKey).verify(signed), 'ERR_KEY_NOT_FOUND', 'unknown keyid')
    },
  })
  if (client !== undefined) {
    cases.push({
      name: 'server: a request signed by the client is accepted',
      run: async () => {
        const kid = 'client-to-server'
        const { key, verifyKey } = await keyPair(core, 'ed25519', kid)
        const signed = await client.createSigner({ key, keyId: kid, now: () => NOW }).sign(newRequest())
        const identity = await verifierFor(kid, verifyKey).verify(signed)
        equal(identity.keyid, kid, 'keyid')
      },
    })
  }
  return cases
}
