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
import { type ConformanceCase, equal, equalBytes, ok, rejectsWith } from './harness.ts'
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

/** One Fetch body kind the client signs, made afresh per use (a body is read once). */
interface BodyKind {
  readonly name: string
  readonly make: () => BodyInit
  /** A Content-Type to send, for kinds that do not set their own. */
  readonly contentType?: string
  /** Checks the bytes that arrived (and the Content-Type the runtime set) against the kind. */
  readonly check: (bytes: Uint8Array, contentType: string | null) => Promise<void>
}

// Non-ASCII on purpose: every kind must arrive as the same UTF-8 bytes.
const PAYLOAD_TEXT = '{"item":"book","quantity":2,"note":"für"}'
const PAYLOAD = new TextEncoder().encode(PAYLOAD_TEXT)

const payloadIs = async (bytes: Uint8Array): Promise<void> => equalBytes(bytes, PAYLOAD, 'body bytes')

/** PAYLOAD inside a larger buffer, so a view that leaked its whole buffer would be caught. */
const padded = (): ArrayBuffer => {
  const buffer = new Uint8Array(PAYLOAD.length + 8).fill(0x21)
  buffer.set(PAYLOAD, 4)
  return buffer.buffer
}

const BODY_KINDS: readonly BodyKind[] = [
  { name: 'string', make: () => PAYLOAD_TEXT, contentType: 'application/json', check: payloadIs },
  { name: 'ArrayBuffer', make: () => PAYLOAD.slice().buffer, contentType: 'application/json', check: payloadIs },
  { name: 'Uint8Array view', make: () => new Uint8Array(padded(), 4, PAYLOAD.length), contentType: 'application/json', check: payloadIs },
  { name: 'DataView', make: () => new DataView(padded(), 4, PAYLOAD.length), contentType: 'application/json', check: payloadIs },
  {
    name: 'Blob',
    make: () => new Blob([PAYLOAD.slice()], { type: 'application/json' }),
    check: async (bytes, contentType) => {
      await payloadIs(bytes)
      // The runtime's own spelling of the Blob's type (Bun adds a charset), kept through signing.
      const unsigned = new Request(URL_, { method: 'POST', body: new Blob([], { type: 'application/json' }) })
      equal(contentType, unsigned.headers.get('content-type'), 'Blob type as Content-Type')
    },
  },
  {
    name: 'URLSearchParams',
    make: () => new URLSearchParams([['item', 'book'], ['note', 'a b&für']]),
    check: async (bytes, contentType) => {
      equal(new TextDecoder().decode(bytes), 'item=book&note=a+b%26f%C3%BCr', 'urlencoded body')
      ok(contentType?.startsWith('application/x-www-form-urlencoded') === true, `urlencoded Content-Type, got ${String(contentType)}`)
    },
  },
  {
    name: 'FormData',
    make: () => {
      const form = new FormData()
      form.append('item', 'book')
      form.append('order', new Blob([PAYLOAD.slice()], { type: 'application/json' }), 'order.json')
      return form
    },
    check: async (bytes, contentType) => {
      // The boundary is the runtime's choice: the bytes must parse with the Content-Type sent.
      ok(contentType?.startsWith('multipart/form-data; boundary=') === true, `multipart Content-Type, got ${String(contentType)}`)
      const form = await new Response(bytes.slice(), { headers: { 'content-type': contentType } }).formData()
      equal(form.get('item'), 'book', 'form field')
      const file = form.get('order')
      ok(typeof file === 'object' && file !== null, 'form file part')
      equalBytes(new Uint8Array(await file.arrayBuffer()), PAYLOAD, 'form file bytes')
    },
  },
  {
    name: 'ReadableStream',
    make: () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          // Chunks split inside a multi-byte character: the signer must not decode them.
          controller.enqueue(PAYLOAD.slice(0, 38))
          controller.enqueue(PAYLOAD.slice(38))
          controller.close()
        },
      }),
    contentType: 'application/json',
    check: payloadIs,
  },
]

const requestInit = (kind: BodyKind): RequestInit =>
  ({
    method: 'POST',
    body: kind.make(),
    // A stream body needs `duplex: 'half'` (Fetch standard); other bodies ignore it.
    duplex: 'half',
    ...(kind.contentType === undefined ? {} : { headers: { 'Content-Type': kind.contentType } }),
  }) as RequestInit

/** What an in-memory server saw of one request. */
interface Arrival {
  readonly url: string
  readonly headers: Headers
  readonly bytes: Uint8Array
  readonly message: Awaited<ReturnType<CoreLibrary['fromFetchRequest']>>
}

/** Reads a request the way a server would: the bytes as they arrive, and core's message of it. */
const arrive = async (core: CoreLibrary, request: Request): Promise<Arrival> => {
  const bytes = new Uint8Array(await request.clone().arrayBuffer())
  return { url: request.url, headers: new Headers(request.headers), bytes, message: await core.fromFetchRequest(request) }
}

/**
 * Checks one arrival: the body verifies against its Content-Digest, the message body core read is
 * those same bytes, the kind recognises them, and the signature verifies with `verifyKey`.
 */
const checkArrival = async (core: CoreLibrary, arrival: Arrival, kind: BodyKind, verifyKey: SignetKey, kid: string): Promise<void> => {
  const digest = arrival.headers.get('content-digest')
  ok(digest !== null, 'Content-Digest sent')
  await core.verifyContentDigest(digest, arrival.bytes)
  equalBytes(arrival.message.body ?? new Uint8Array(0), arrival.bytes, 'bytes core read equal the bytes that arrived')
  const contentType = arrival.headers.get('content-type')
  await kind.check(arrival.bytes, contentType)
  const [verified] = await core.verifyMessage(arrival.message, { key: verifyKey, now: () => NOW + 1, maxAgeSeconds: 300 })
  equal(verified?.keyid, kid, 'keyid')
  ok(verified?.components.includes('"content-digest"') === true, 'content-digest covered')
  if (contentType !== null) ok(verified?.components.includes('"content-type"') === true, 'content-type covered')
}

/** An in-memory fetch: records each request it receives and answers from `answer`. */
const memoryFetch = (core: CoreLibrary, answer: (request: Request, index: number) => Response): { fetch: (request: Request) => Promise<Response>; arrivals: Arrival[] } => {
  const arrivals: Arrival[] = []
  return {
    arrivals,
    fetch: async (request: Request): Promise<Response> => {
      ok(request instanceof Request, 'signedFetch hands the fetch a Request')
      const response = answer(request, arrivals.length)
      arrivals.push(await arrive(core, request))
      return response
    },
  }
}

/**
 * Client cases: a request signed by `createSigner`, or sent through `signedFetch` to an
 * in-memory fetch, verifies with core's `verifyMessage`, and its body arrives as exactly the
 * bytes its Content-Digest covers, for every Fetch body kind.
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
  // The description path (issue 10): a plain { method, url, headers, body } in, a plain object
  // out, no Fetch Request built, the input untouched; what it signs verifies everywhere.
  for (const alg of ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256'] as const) {
    cases.push({
      name: `client: createSigner (${alg}) signs a request description; core verifies`,
      run: async () => {
        const { key, verifyKey } = await keyPair(core, alg, `client-desc-${alg}`)
        const headers = Object.freeze({ 'Content-Type': 'application/json' })
        const input = Object.freeze({ method: 'POST', url: URL_, headers, body: BODY })
        const signed = await client.createSigner({ key, now: () => NOW }).sign(input)
        equal(Object.getPrototypeOf(signed), Object.prototype, 'a plain object out')
        equal(signed.body, BODY, 'the body as given')
        equal(JSON.stringify(input.headers), '{"Content-Type":"application/json"}', 'input headers untouched')
        const out = signed.headers as Record<string, string>
        ok(out['signature-input']?.startsWith('sig1=(') === true, 'Signature-Input added')
        await core.verifyContentDigest(out['content-digest'] as string, new TextEncoder().encode(BODY))
        const message = core.describedMessage('POST', URL_, core.fieldsOf(signed.headers), new TextEncoder().encode(BODY))
        const [verified] = await core.verifyMessage(message, { key: verifyKey, now: () => NOW + 1, maxAgeSeconds: 300 })
        equal(verified?.keyid, `client-desc-${alg}`, 'keyid')
        equal(verified?.components.join(' '), '"@method" "@target-uri" "content-digest" "content-type"', 'covered')
      },
    })
  }
  cases.push({
    name: 'client: a description with Headers and a byte body comes back with new Headers; same signature as the Request path',
    run: async () => {
      const { key } = await keyPair(core, 'ed25519', 'client-desc-same')
      const options = { key, now: () => NOW, nonce: () => 'fixed-nonce' }
      const headers = new Headers({ 'content-type': 'application/json' })
      const bytes = new TextEncoder().encode(BODY)
      const described = await client.createSigner(options).sign({ method: 'PUT', url: URL_, headers, body: bytes })
      ok(described.headers instanceof Headers && described.headers !== headers, 'a new Headers')
      equal(headers.get('signature'), null, 'input Headers untouched')
      equal(described.body, bytes, 'the same bytes')
      const request = await client.createSigner(options).sign(new Request(URL_, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: BODY }))
      equal((described.headers as Headers).get('signature'), request.headers.get('signature'), 'same signature')
      equal((described.headers as Headers).get('signature-input'), request.headers.get('signature-input'), 'same Signature-Input')
    },
  })
  for (const kind of BODY_KINDS) {
    cases.push({
      name: `client: createSigner signs a body (${kind.name}); it arrives as the digested bytes`,
      run: async () => {
        const kid = `client-body-${kind.name}`
        const { key, verifyKey } = await keyPair(core, 'ed25519', kid)
        const signed = await client.createSigner({ key, now: () => NOW }).sign(new Request(URL_, requestInit(kind)))
        await checkArrival(core, await arrive(core, signed), kind, verifyKey, kid)
      },
    })
    cases.push({
      name: `client: signedFetch sends a body (${kind.name}) to an in-memory fetch; it verifies`,
      run: async () => {
        const kid = `client-fetch-${kind.name}`
        const { key, verifyKey } = await keyPair(core, 'ed25519', kid)
        const server = memoryFetch(core, () => new Response('created', { status: 201 }))
        const send = client.signedFetch(client.createSigner({ key, now: () => NOW }), { fetch: server.fetch })
        const response = await send(URL_, requestInit(kind))
        equal(response.status, 201, 'status')
        equal(await response.text(), 'created', 'response body')
        equal(server.arrivals.length, 1, 'requests sent')
        await checkArrival(core, server.arrivals[0] as Arrival, kind, verifyKey, kid)
      },
    })
  }
  const streamKind = BODY_KINDS.find((k) => k.name === 'ReadableStream') as BodyKind
  cases.push({
    name: 'client: signedFetch re-signs a same-origin 307 and re-sends a stream body',
    run: async () => {
      const kid = 'client-redirect'
      const { key, verifyKey } = await keyPair(core, 'ed25519', kid)
      const moved = 'https://api.example.com/v2/orders?id=42'
      const server = memoryFetch(core, (request, index) =>
        index === 0 ? new Response(null, { status: 307, headers: { Location: '/v2/orders?id=42' } }) : new Response(`at ${request.url}`, { status: 201 }),
      )
      const response = await client.signedFetch(client.createSigner({ key, now: () => NOW }), { fetch: server.fetch })(URL_, requestInit(streamKind))
      equal(response.status, 201, 'status after the redirect')
      equal(await response.text(), `at ${moved}`, 'answered by the new location')
      equal(server.arrivals.length, 2, 'requests sent')
      const [first, second] = server.arrivals as [Arrival, Arrival]
      equal(second.url, moved, 'second request URL')
      for (const arrival of server.arrivals) await checkArrival(core, arrival, streamKind, verifyKey, kid)
      ok(first.headers.get('signature') !== second.headers.get('signature'), 'each hop signed afresh')
    },
  })
  cases.push({
    name: 'client: signedFetch strips the signature on a cross-origin redirect',
    run: async () => {
      const { key } = await keyPair(core, 'ed25519', 'client-cross')
      const server = memoryFetch(core, (_request, index) =>
        index === 0 ? new Response(null, { status: 307, headers: { Location: 'https://elsewhere.example.net/collect' } }) : new Response('ok'),
      )
      const response = await client.signedFetch(client.createSigner({ key, now: () => NOW }), { fetch: server.fetch })(URL_, requestInit(streamKind))
      equal(response.status, 200, 'status')
      equal(server.arrivals.length, 2, 'requests sent')
      const second = server.arrivals[1] as Arrival
      equal(second.url, 'https://elsewhere.example.net/collect', 'followed to the other origin')
      equal(second.headers.get('signature'), null, 'no Signature off the origin')
      equal(second.headers.get('signature-input'), null, 'no Signature-Input off the origin')
    },
  })
  cases.push({
    name: 'client: a signed request whose body is swapped fails Content-Digest',
    run: async () => {
      const { key } = await keyPair(core, 'ed25519', 'client-swap')
      const signed = await client.createSigner({ key, now: () => NOW }).sign(newRequest())
      const digest = signed.headers.get('content-digest') ?? ''
      await rejectsWith(() => core.verifyContentDigest(digest, new TextEncoder().encode('{"item":"car","quantity":2}')), 'ERR_DIGEST_MISMATCH', 'swapped body')
    },
  })
  cases.push({
    name: 'client: createSigner refuses a key that does not fit its alg, before any sign()',
    run: async () => {
      const { key } = await keyPair(core, 'ed25519', 'client-mismatch')
      const jwk = await core.exportJwk(key, { private: true })
      let signer: unknown
      await rejectsWith(() => {
        signer = client.createSigner({ key: jwk, alg: 'hmac-sha256', keyId: 'k' })
      }, 'ERR_ALG_MISMATCH', 'JWK with another alg')
      equal(signer, undefined, 'no signer made')
      await rejectsWith(() => client.createSigner({ key: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), 'ERR_KEY_UNSUPPORTED', 'a certificate')
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
