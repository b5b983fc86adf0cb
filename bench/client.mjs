// Issue 10: the public entry points a user calls, as contenders beside the peers and the raw
// limit: createSigner().sign() of @signet/client on a request description and on a Fetch
// Request, the lean signer of @signet/client/sign, and createVerifier().verify() on a Fetch
// Request (the Workers/Deno/Bun path). Plus signedFetch against plain fetch on loopback and the
// heap over 100k description signatures.
//
// Each signer signs what the peers sign: the fixtures' components, `created` and `keyid`, no
// nonce (the peers add none), and makes the Content-Digest itself on POST.
import { IncomingMessage, createServer } from 'node:http'
import { Socket } from 'node:net'
import { CREATED, KEY_ID, REQUESTS, componentsFor } from './fixtures.mjs'

function headerRecord(req) {
  const out = {}
  for (const [name, value] of req.headers) if (name !== 'host') out[name] = value
  return out
}

function signerOptions(jwk, kind, lean) {
  return { key: jwk, keyId: KEY_ID, components: componentsFor(kind), nonce: false, now: () => CREATED, ...(lean ? {} : {}) }
}

/** A client signer contender: `path` is 'description' or 'request'. */
export function clientSignContender(client, { name, path, lean = false }) {
  return {
    name,
    signet: true,
    publicApi: true,
    supports: (alg, _kind, op) => op === 'sign' && typeof client?.createSigner === 'function' && (alg.name === 'hmac-sha256' || alg.name === 'ed25519'),
    async prepare({ alg, kind, keys }) {
      const req = REQUESTS[kind]
      const signer = client.createSigner(signerOptions(keys[alg.name].privateJwk, kind, lean))
      const headers = Object.freeze(headerRecord(req))
      if (path === 'description') {
        const input = Object.freeze({ method: req.method, url: req.url, headers, body: req.body })
        const sign = () => signer.sign(input)
        const out = await sign()
        if (typeof out.headers['signature'] !== 'string') throw new Error(`${name}: no signature`)
        return sign
      }
      // The Request path: the caller hands over a Request it built; building it is the caller's
      // cost (see the Fetch floor rows), so each one is built before its timed call.
      const build = () => new Request(req.url, { method: req.method, headers, body: req.body })
      const out = await signer.sign(build())
      if (out.headers.get('signature') === null) throw new Error(`${name}: no signature`)
      return prebuilt(build, (request) => signer.sign(request))
    },
  }
}

/**
 * A timed call on a fresh Fetch `Request` each time, built in tinybench's `beforeEach` (outside
 * the timed window): a Request's body can be read once, and on Node building one costs more
 * than signing it, which would measure Node's Fetch instead of the call.
 */
function prebuilt(build, call) {
  let next
  return { beforeEach: () => void (next = build()), fn: () => call(next) }
}

/** Read a body stream to its end (the least any reader of a Request body does). */
async function drain(stream) {
  if (stream === null) return undefined
  const reader = stream.getReader()
  let last
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return last
    last = value
  }
}

/**
 * The Fetch floor: what any signer or verifier that takes a Fetch `Request` must spend on this
 * runtime before its own work, with no signing or verifying at all. For `sign`: read the body
 * once and build the outgoing Request with the same headers, the caller's signal and redirect
 * `manual` (a Request in gives a Request out). For `verify`: read the body once. The share of
 * the limit of this row is the ceiling of the Request path on this runtime.
 */
export function fetchFloorContender({ name }) {
  return {
    name,
    signet: false,
    publicApi: false,
    supports: (alg, _kind, op) => alg.name === 'hmac-sha256' || alg.name === 'ed25519',
    async prepare({ kind, op }) {
      const req = REQUESTS[kind]
      const headers = Object.freeze(headerRecord(req))
      const build = () => new Request(req.url, { method: req.method, headers, body: req.body })
      if (op === 'verify') return prebuilt(build, (request) => drain(request.body))
      return prebuilt(build, async (request) => {
        const body = await drain(request.body)
        return new Request(request.url, { method: request.method, headers: new Headers(request.headers), body, signal: request.signal, redirect: 'manual' })
      })
    },
  }
}

/**
 * createVerifier().verify(request) on a Fetch Request, as a runtime (Workers, Deno, Bun) hands
 * one over: the Request is built before each timed call (see `prebuilt`).
 */
export function fetchVerifyContender(server, core, client, { name }) {
  return {
    name,
    signet: true,
    publicApi: true,
    supports: (alg, _kind, op) => op === 'verify' && typeof server?.createVerifier === 'function' && (alg.name === 'hmac-sha256' || alg.name === 'ed25519'),
    async prepare({ alg, kind, keys }) {
      const req = REQUESTS[kind]
      const k = keys[alg.name]
      const signer = client.createSigner(signerOptions(k.privateJwk, kind, false))
      const signed = await signer.sign({ method: req.method, url: req.url, headers: headerRecord(req), body: req.body })
      const headers = Object.freeze({ ...signed.headers })
      const key = await core.importKey(alg.name === 'hmac-sha256' ? k.privateJwk : k.publicJwk, { alg: alg.name, kid: KEY_ID })
      // No nonce store: the peers check none, and the same request is verified again and again.
      const verifier = server.createVerifier({ keys: [{ id: KEY_ID, key }], nonces: false, clock: () => CREATED * 1000 + 1000 })
      const build = () => new Request(req.url, { method: req.method, headers, body: req.body })
      const identity = await verifier.verify(build())
      if (identity.keyid !== KEY_ID) throw new Error(`${name}: did not verify`)
      return prebuilt(build, (request) => verifier.verify(request))
    },
  }
}

/**
 * The Node adapter's `verifyNodeRequest(verifier, req)` on a synthetic `IncomingMessage`: what
 * `withSignetNode` and `signetExpress` do per request once Node's HTTP parser has made the
 * request object (raw headers, the body pushed as one chunk, as a small body arrives): read the
 * body from the stream, build the message model, verify. The socket is never connected; the
 * IncomingMessage is built per call, as Node builds one per request (its cost is included).
 */
export function nodeVerifyContender(server, core, client, { name }) {
  return {
    name,
    signet: true,
    publicApi: true,
    supports: (alg, _kind, op) => op === 'verify' && typeof server?.verifyNodeRequest === 'function' && (alg.name === 'hmac-sha256' || alg.name === 'ed25519'),
    async prepare({ alg, kind, keys }) {
      const req = REQUESTS[kind]
      const k = keys[alg.name]
      const signer = client.createSigner(signerOptions(k.privateJwk, kind, false))
      const url = new URL(req.url)
      const signed = await signer.sign({ method: req.method, url: req.url, headers: headerRecord(req), body: req.body })
      const rawHeaders = ['Host', url.host]
      for (const [n, v] of Object.entries(signed.headers)) rawHeaders.push(n, v)
      const body = req.body === undefined ? undefined : Buffer.from(typeof req.body === 'string' ? req.body : req.body)
      if (body !== undefined && !('content-length' in signed.headers)) rawHeaders.push('Content-Length', String(body.length))
      const headers = {}
      for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i].toLowerCase()] = rawHeaders[i + 1]
      const key = await core.importKey(alg.name === 'hmac-sha256' ? k.privateJwk : k.publicJwk, { alg: alg.name, kid: KEY_ID })
      const verifier = server.createVerifier({ keys: [{ id: KEY_ID, key }], nonces: false, clock: () => CREATED * 1000 + 1000 })
      // The fixtures sign https URLs: the adapter takes `https` from a TLS socket's `encrypted`.
      const socket = new Socket()
      socket.encrypted = true
      const incoming = () => {
        const m = new IncomingMessage(socket)
        m.method = req.method
        m.url = url.pathname + url.search
        m.httpVersion = '1.1'
        m.rawHeaders = rawHeaders
        m.headers = headers
        if (body !== undefined) m.push(body)
        m.push(null)
        return m
      }
      const verify = () => server.verifyNodeRequest(verifier, incoming())
      const { identity } = await verify()
      if (identity.keyid !== KEY_ID) throw new Error(`${name}: did not verify`)
      return verify
    },
  }
}

/**
 * signedFetch against plain fetch, POST with the 256-byte body, to a loopback server in this
 * process, one request at a time; interleaved rounds, medians.
 */
export async function fetchOverhead({ client, keys, requests = 1500, rounds = 5 }) {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' })
      res.end('ok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}/v1/items`
  const req = REQUESTS.POST
  const signer = client.createSigner({ key: keys['hmac-sha256'].privateJwk, keyId: KEY_ID })
  const signed = client.signedFetch(signer)
  const init = () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: req.body })
  const run = async (send) => {
    const t0 = performance.now()
    for (let i = 0; i < requests; i++) {
      const response = await send(url, init())
      await response.arrayBuffer()
    }
    return ((performance.now() - t0) * 1000) / requests
  }
  try {
    await run(fetch)
    await run(signed)
    const plain = []
    const withSig = []
    for (let r = 0; r < rounds; r++) {
      plain.push(await run(fetch))
      withSig.push(await run(signed))
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const p = median(plain)
    const s = median(withSig)
    return { plainUs: p, signedUs: s, overhead: s / p - 1, plainAll: plain, signedAll: withSig, requests, rounds }
  } finally {
    server.closeAllConnections?.()
    await new Promise((resolve) => server.close(resolve))
  }
}
