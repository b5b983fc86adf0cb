/**
 * directoryKeys against a loopback directory that misbehaves on purpose: every caching and
 * SSRF rule of the resolver (resolvers/directory.ts) has a test here, plus the three outcomes,
 * composition with other resolvers, and the directory's own signatures.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { hostname } from 'node:os'
import { exportJwk, generateKey, publicKey, signMessage, thumbprint } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { createVerifier } from '../src/verifier.ts'
import { directoryKeys } from '../src/resolvers/directory.ts'
import type { DirectoryKeysOptions } from '../src/resolvers/directory.ts'
import { fetchDirectory } from '../src/resolvers/directory-fetch.ts'
import { chainKeys } from '../src/resolvers/chain.ts'
import { memoryKeys } from '../src/resolvers/memory.ts'
import { verifyAgent } from '../src/web-bot-auth/outcome.ts'
import { signatureAgentOf } from '../src/resolvers/signature-agent.ts'
import { freshNonce, hmacKey, rejection, requestMessage, sign } from './helpers.ts'
import { serveJson, serveSigned, startDirectoryServer } from './fixtures/directory-server.ts'
import type { DirectoryServer } from './fixtures/directory-server.ts'

// The directory server signs with the real clock, so the verifier's clock starts there.
const START_MS = Date.now()
const clock = { ms: START_MS }
let server: DirectoryServer
let agentKey: SignetKey
let agentJwk: JsonWebKey
let agentPrint: string
let otherKey: SignetKey

beforeAll(async () => {
  server = await startDirectoryServer()
  agentKey = await generateKey('ed25519')
  agentJwk = await exportJwk(publicKey(agentKey))
  agentPrint = await thumbprint(publicKey(agentKey))
  otherKey = await generateKey('ed25519')
})
afterAll(() => server.close())
afterEach(() => {
  server.requests.length = 0
  clock.ms = START_MS
})

function jwksOf(...jwks: JsonWebKey[]): { keys: JsonWebKey[] } {
  return { keys: jwks.map((j) => ({ ...j, kid: undefined })) }
}

/** A request signed as a Web Bot Auth agent naming `agentUrl`. */
async function agentRequest(key: SignetKey, agentUrl: string, form: 'dictionary' | 'string' = 'dictionary', label = 'sig1'): Promise<HttpRequestMessage> {
  const base = await requestMessage({ authority: 'site.test', target: '/page' })
  const field = form === 'dictionary' ? `${label}="${agentUrl}"` : `"${agentUrl}"`
  const message = { ...base, fields: [...base.fields, { name: 'signature-agent', value: field }] }
  const created = Math.floor(clock.ms / 1000)
  const result = await signMessage(message, {
    key,
    label,
    components: ['@authority', form === 'dictionary' ? `"signature-agent";key="${label}"` : '"signature-agent"'],
    created,
    expires: created + 300,
    nonce: freshNonce(),
    keyid: await thumbprint(publicKey(key)),
    tag: 'web-bot-auth',
  })
  return { ...message, fields: [...message.fields, { name: 'signature-input', value: result.signatureInput }, { name: 'signature', value: result.signature }] }
}

function verifierWith(options: DirectoryKeysOptions = {}): ReturnType<typeof createVerifier> {
  return createVerifier({
    keys: directoryKeys({ allowPrivateNetworks: true, now: () => clock.ms, ...options }),
    nonces: false,
    clock: () => clock.ms,
    policy: { tag: 'web-bot-auth', requiredComponents: ['@authority'] },
  })
}

const goodDirectory = (extra: Record<string, string> = {}) => (_req: unknown, res: import('node:http').ServerResponse) => serveJson(res, jwksOf(agentJwk), extra)

describe('directoryKeys: verifying agents', () => {
  it('verifies the dictionary form, fetching the well-known directory with the draft media type', async () => {
    server.handler = goodDirectory()
    const identity = await verifierWith().verify(await agentRequest(agentKey, server.origin))
    expect(identity.keyid).toBe(agentPrint)
    expect(identity.owner).toBe(`${server.origin}/.well-known/http-message-signatures-directory`)
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]?.url).toBe('/.well-known/http-message-signatures-directory')
    expect(server.requests[0]?.headers.accept).toBe('application/http-message-signatures-directory+json')
  })

  it('verifies the older bare-string form, and a directory URL with a path as given', async () => {
    server.handler = goodDirectory()
    const verifier = verifierWith()
    await expect(verifier.verify(await agentRequest(agentKey, server.origin, 'string'))).resolves.toMatchObject({ keyid: agentPrint })
    await expect(verifier.verify(await agentRequest(agentKey, `${server.origin}/keys.json?v=1`))).resolves.toMatchObject({ owner: `${server.origin}/keys.json` })
    expect(server.requests.map((r) => r.url)).toEqual(['/.well-known/http-message-signatures-directory', '/keys.json?v=1'])
  })

  it('looks keys up by (directory, thumbprint): a key from one directory never verifies a request naming another', async () => {
    server.handler = (req, res) => (req.url?.startsWith('/a') ? serveJson(res, jwksOf(agentJwk)) : serveJson(res, { keys: [] }))
    const verifier = verifierWith()
    await verifier.verify(await agentRequest(agentKey, `${server.origin}/a`))
    const error = await rejection(verifier.verify(await agentRequest(agentKey, `${server.origin}/b`)))
    expect(error.code).toBe('ERR_KEY_NOT_FOUND')
  })

  it('indexes by thumbprint, not by the kid the directory wrote', async () => {
    server.handler = (_req, res) => serveJson(res, { keys: [{ ...agentJwk, kid: 'my-label' }] })
    const base = await agentRequest(agentKey, server.origin)
    // Re-sign with keyid = the directory's kid instead of the thumbprint.
    const plain = await requestMessage({ authority: 'site.test', target: '/page' })
    const message = { ...plain, fields: [...plain.fields, { name: 'signature-agent', value: `sig1="${server.origin}"` }] }
    const byKid = await sign(message, agentKey, { components: ['@authority', '"signature-agent";key="sig1"'], keyid: 'my-label', tag: 'web-bot-auth', created: Math.floor(clock.ms / 1000) })
    const verifier = verifierWith()
    await expect(verifier.verify(base)).resolves.toMatchObject({ keyid: agentPrint })
    expect((await rejection(verifier.verify(byKid))).code).toBe('ERR_KEY_NOT_FOUND')
  })

  it('never attributes a signature to a Signature-Agent member it does not cover', async () => {
    server.handler = goodDirectory()
    const plain = await requestMessage({ authority: 'site.test', target: '/page' })
    const message = { ...plain, fields: [...plain.fields, { name: 'signature-agent', value: `sig1="${server.origin}"` }] }
    const uncovered = await sign(message, agentKey, { components: ['@authority'], keyid: agentPrint, tag: 'web-bot-auth', created: Math.floor(clock.ms / 1000) })
    expect((await rejection(verifierWith().verify(uncovered))).code).toBe('ERR_KEY_NOT_FOUND')
    expect(server.requests).toHaveLength(0)
  })
})

describe('signatureAgentOf', () => {
  it('picks the member keyed by the signature\'s label among several covered (the draft\'s remote-browser example)', async () => {
    const base = await requestMessage({ authority: 'origin.example', target: '/resource' })
    const message = { ...base, fields: [...base.fields, { name: 'signature-agent', value: 'agent="https://agent.alice.example", browser="https://browser.example"' }] }
    const components = ['"@method"', '"signature-agent";key="agent"', '"signature-agent";key="browser"']
    expect(signatureAgentOf({ message, label: 'browser', components, tag: 'web-bot-auth' })).toBe('https://browser.example')
    expect(signatureAgentOf({ message, label: 'agent', components: ['"signature-agent";key="agent"'], tag: 'web-bot-auth' })).toBe('https://agent.alice.example')
    // Several members covered, none the signature's own: no attribution.
    expect(signatureAgentOf({ message, label: 'other', components, tag: 'web-bot-auth' })).toBeUndefined()
    // A member with parameters is ignored.
    const withParams = { ...base, fields: [...base.fields, { name: 'signature-agent', value: 'sig1="https://a.example";x=1' }] }
    expect(signatureAgentOf({ message: withParams, label: 'sig1', components: ['"signature-agent";key="sig1"'], tag: 'web-bot-auth' })).toBeUndefined()
  })
})

describe('directoryKeys: a directory that misbehaves', () => {
  it('does not follow a redirect (only a 200 counts)', async () => {
    server.handler = (req, res) => {
      if (req.url === '/moved') return serveJson(res, jwksOf(agentJwk))
      res.writeHead(302, { location: '/moved' }).end()
    }
    const error = await rejection(verifierWith().verify(await agentRequest(agentKey, server.origin)))
    expect(error.code).toBe('ERR_DIRECTORY_UNAVAILABLE')
    expect(server.requests.map((r) => r.url)).toEqual(['/.well-known/http-message-signatures-directory'])
  })

  it('refuses a 5 MB body, declared or chunked, counting the bytes as they arrive', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20)
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json', 'content-length': String(big.length) })
      res.end(big)
    }
    expect((await rejection(verifierWith().verify(await agentRequest(agentKey, server.origin)))).message).toMatch(/exceeds 262144 bytes/)
    let sent = 0
    server.handler = (_req, res) => {
      // Chunked: no length to trust. Stop writing once the client has gone.
      res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json' })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const pump = (): void => {
        while (sent < big.length && !res.destroyed) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end()
      }
      pump()
    }
    const result = await rejection(fetchDirectory(`${server.origin}/x`, { allowPrivateNetworks: true }))
    expect(result.code).toBe('ERR_DIRECTORY_UNAVAILABLE')
    expect(result.message).toMatch(/exceeds 262144 bytes/)
    expect(sent).toBeLessThan(big.length)
  })

  it('times out a slow answer, and a slow body: the limit covers the whole fetch', async () => {
    server.handler = (_req, res) => {
      setTimeout(() => serveJson(res, jwksOf(agentJwk)), 1500)
    }
    let start = Date.now()
    const slowHead = await rejection(fetchDirectory(`${server.origin}/x`, { allowPrivateNetworks: true, timeoutMs: 300 }))
    expect(slowHead.message).toMatch(/within 300 ms/)
    expect(Date.now() - start).toBeLessThan(1200)
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json' })
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50)
      res.on('close', () => clearInterval(timer))
    }
    start = Date.now()
    const slowBody = await rejection(fetchDirectory(`${server.origin}/x`, { allowPrivateNetworks: true, timeoutMs: 400 }))
    expect(slowBody.message).toMatch(/within 400 ms/)
    expect(Date.now() - start).toBeLessThan(1500)
  })

  it('keeps good keys when the directory answers 500 later (stale-while-error), and backs off', async () => {
    server.handler = goodDirectory({ 'cache-control': 'max-age=60' })
    const verifier = verifierWith({ retryAfterErrorSeconds: 30 })
    await verifier.verify(await agentRequest(agentKey, server.origin))
    server.handler = (_req, res) => res.writeHead(500).end()
    clock.ms += 61_000
    await expect(verifier.verify(await agentRequest(agentKey, server.origin))).resolves.toMatchObject({ keyid: agentPrint })
    expect(server.requests).toHaveLength(2)
    clock.ms += 10_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(2)
    // Past the back-off, it tries again, and still serves the good keys.
    clock.ms += 30_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(3)
  })

  it('backs off exponentially after repeated failures, and respects Retry-After', async () => {
    server.handler = (_req, res) => res.writeHead(503).end()
    const verifier = verifierWith({ retryAfterErrorSeconds: 10 })
    const attempt = async (): Promise<void> => void (await rejection(verifier.verify(await agentRequest(agentKey, server.origin))))
    await attempt() // fails: next try after 10 s
    clock.ms += 10_000
    await attempt() // fails again: next try after 20 s
    expect(server.requests).toHaveLength(2)
    clock.ms += 15_000
    await attempt()
    expect(server.requests).toHaveLength(2)
    clock.ms += 5000
    server.handler = (_req, res) => res.writeHead(503, { 'retry-after': '120' }).end()
    await attempt() // third failure, told to wait 120 s
    expect(server.requests).toHaveLength(3)
    clock.ms += 100_000
    await attempt()
    expect(server.requests).toHaveLength(3)
    clock.ms += 20_000
    server.handler = goodDirectory()
    await expect(verifier.verify(await agentRequest(agentKey, server.origin))).resolves.toMatchObject({ keyid: agentPrint })
    expect(server.requests).toHaveLength(4)
  })

  it('a directory that never answered well is unverified, not invalid', async () => {
    server.handler = (_req, res) => res.writeHead(500).end()
    const result = await verifyAgent(verifierWith(), await agentRequest(agentKey, server.origin))
    expect(result).toMatchObject({ outcome: 'unverified', code: 'ERR_DIRECTORY_UNAVAILABLE' })
  })

  it('a removed key stops verifying once the cache expires, and is cached as absent for at most 5 minutes', async () => {
    let listed = true
    server.handler = (_req, res) => serveJson(res, jwksOf(...(listed ? [agentJwk] : [])), { 'cache-control': 'max-age=600' })
    const verifier = verifierWith()
    await verifier.verify(await agentRequest(agentKey, server.origin))
    listed = false
    // Section "Key Rotation": a removed key verifies until the cached copy expires.
    clock.ms += 599_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(1)
    clock.ms += 2000
    expect((await rejection(verifier.verify(await agentRequest(agentKey, server.origin)))).code).toBe('ERR_KEY_NOT_FOUND')
    expect(server.requests).toHaveLength(2)
    // Within the negative-cache window (the directory is fresh): no fetch, still absent.
    listed = true
    clock.ms += 299_000
    expect((await rejection(verifier.verify(await agentRequest(agentKey, server.origin)))).code).toBe('ERR_KEY_NOT_FOUND')
    expect(server.requests).toHaveLength(2)
    // Five minutes after it was found absent, a lookup fetches again, though the directory is still fresh.
    clock.ms += 1001
    await expect(verifier.verify(await agentRequest(agentKey, server.origin))).resolves.toMatchObject({ keyid: agentPrint })
    expect(server.requests).toHaveLength(3)
  })

  it('coalesces concurrent fetches of one directory', async () => {
    server.handler = (_req, res) => {
      setTimeout(() => serveJson(res, jwksOf(agentJwk)), 100)
    }
    const verifier = verifierWith()
    const requests = await Promise.all(Array.from({ length: 10 }, () => agentRequest(agentKey, server.origin)))
    const results = await Promise.all(requests.map((r) => verifier.verify(r)))
    expect(results.every((r) => r.keyid === agentPrint)).toBe(true)
    expect(server.requests).toHaveLength(1)
  })

  it('caps the fetches in flight over all directories', async () => {
    server.handler = (_req, res) => {
      setTimeout(() => serveJson(res, jwksOf(agentJwk)), 100)
    }
    const verifier = verifierWith({ maxConcurrentFetches: 1 })
    const [a, b] = await Promise.all([
      verifyAgent(verifier, await agentRequest(agentKey, `${server.origin}/a`)),
      verifyAgent(verifier, await agentRequest(agentKey, `${server.origin}/b`)),
    ])
    expect(a.outcome).toBe('verified')
    expect(b).toMatchObject({ outcome: 'unverified', code: 'ERR_DIRECTORY_UNAVAILABLE' })
    expect(server.requests).toHaveLength(1)
    // Not held against /b: once the first fetch is done, it is fetched.
    await expect(verifier.verify(await agentRequest(agentKey, `${server.origin}/b`))).resolves.toMatchObject({ keyid: agentPrint })
  })

  it('revalidates with If-None-Match; a 304 keeps the keys', async () => {
    server.handler = (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' }).end()
      serveJson(res, jwksOf(agentJwk), { etag: '"v1"', 'last-modified': 'Tue, 01 Dec 2026 00:00:00 GMT' })
    }
    const verifier = verifierWith()
    await verifier.verify(await agentRequest(agentKey, server.origin))
    clock.ms += 61_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]?.headers['if-none-match']).toBe('"v1"')
    expect(server.requests[1]?.headers['if-modified-since']).toBe('Tue, 01 Dec 2026 00:00:00 GMT')
    // The 304 renewed freshness: no fetch within the next minute.
    clock.ms += 59_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(2)
  })

  it('follows Cache-Control max-age, clamped to minTtlSeconds for no-store', async () => {
    server.handler = goodDirectory({ 'cache-control': 'max-age=120' })
    const verifier = verifierWith()
    await verifier.verify(await agentRequest(agentKey, server.origin))
    clock.ms += 119_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(1)
    clock.ms += 2000
    server.handler = goodDirectory({ 'cache-control': 'no-store' })
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(2)
    clock.ms += 30_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(2)
    clock.ms += 31_000
    await verifier.verify(await agentRequest(agentKey, server.origin))
    expect(server.requests).toHaveLength(3)
  })

  it('caps the key count', async () => {
    const many = await Promise.all(Array.from({ length: 5 }, async () => exportJwk(publicKey(await generateKey('ed25519')))))
    server.handler = (_req, res) => serveJson(res, jwksOf(...many, agentJwk))
    const error = await rejection(verifierWith({ maxKeys: 5 }).verify(await agentRequest(agentKey, server.origin)))
    expect(error.code).toBe('ERR_KEY_NOT_FOUND')
  })
})

describe('directoryKeys: SSRF rules', () => {
  it('refuses loopback, private, link-local and localhost directories unless allowPrivateNetworks', async () => {
    server.handler = goodDirectory()
    const verifier = createVerifier({ keys: directoryKeys({ now: () => clock.ms }), nonces: false, clock: () => clock.ms, policy: { requiredComponents: ['@authority'] } })
    for (const url of [server.origin, 'https://127.0.0.1', 'https://localhost:8443', 'https://api.localhost', 'https://[::1]', 'https://10.1.2.3', 'https://169.254.169.254', 'https://[fd00::1]', 'https://[::ffff:192.168.0.1]', 'https://100.64.0.1']) {
      const error = await rejection(verifier.verify(await agentRequest(agentKey, url)))
      expect(error.code, url).toBe('ERR_DIRECTORY_REFUSED')
    }
    expect(server.requests).toHaveLength(0)
  })

  it('resolves a host name and refuses it when any address is private (checked before connecting)', async () => {
    // This machine's own name resolves through /etc/hosts to a loopback or private address.
    const error = await rejection(fetchDirectory(`https://${hostname()}:1/`))
    expect(error.code).toBe('ERR_DIRECTORY_REFUSED')
    expect(error.message).toMatch(/private or reserved/)
  })

  it('fetches plain http only on loopback, and only with allowPrivateNetworks', async () => {
    await expect(fetchDirectory('http://agent.example/')).rejects.toMatchObject({ code: 'ERR_DIRECTORY_REFUSED' })
    await expect(fetchDirectory('http://10.0.0.1/', { allowPrivateNetworks: true })).rejects.toMatchObject({ code: 'ERR_DIRECTORY_REFUSED' })
    await expect(fetchDirectory('ftp://agent.example/')).rejects.toMatchObject({ code: 'ERR_DIRECTORY_REFUSED' })
    await expect(fetchDirectory('https://user:pw@agent.example/')).rejects.toMatchObject({ code: 'ERR_DIRECTORY_REFUSED' })
    server.handler = goodDirectory()
    await expect(fetchDirectory(`${server.origin}/x`, { allowPrivateNetworks: true })).resolves.toMatchObject({ status: 200 })
  })

  it('connects to the address it checked: a name resolved here, the socket pinned to it', async () => {
    server.handler = goodDirectory()
    // "localhost" goes through the resolver and the pinned lookup (allowed only with allowPrivateNetworks).
    const port = new URL(server.origin).port
    await expect(fetchDirectory(`http://localhost:${port}/x`, { allowPrivateNetworks: true })).resolves.toMatchObject({ status: 200 })
    await expect(fetchDirectory(`http://localhost:${port}/x`)).rejects.toMatchObject({ code: 'ERR_DIRECTORY_REFUSED' })
  })

  it('the fetch-only path (Workers, browsers, a caller\'s fetch) keeps the size, time, redirect and address rules', async () => {
    const viaFetch = { allowPrivateNetworks: true, fetch: (input: string, init: RequestInit) => fetch(input, init) }
    server.handler = (_req, res) => void res.writeHead(302, { location: '/moved' }).end()
    await expect(fetchDirectory(`${server.origin}/x`, viaFetch)).resolves.toMatchObject({ status: 302 })
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json' })
      let sent = 0
      const pump = (): void => {
        while (sent < 5 * 1024 * 1024 && !res.destroyed) {
          sent += 65536
          if (!res.write(Buffer.alloc(65536, 0x20))) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end()
      }
      pump()
    }
    await expect(fetchDirectory(`${server.origin}/x`, viaFetch)).rejects.toMatchObject({ code: 'ERR_DIRECTORY_UNAVAILABLE', message: expect.stringMatching(/exceeds/) })
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/http-message-signatures-directory+json' })
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50)
      res.on('close', () => clearInterval(timer))
    }
    await expect(fetchDirectory(`${server.origin}/x`, { ...viaFetch, timeoutMs: 300 })).rejects.toMatchObject({ message: expect.stringMatching(/within 300 ms/) })
    const strict = { fetch: viaFetch.fetch }
    await expect(fetchDirectory('https://10.0.0.1/', strict)).rejects.toMatchObject({ code: 'ERR_DIRECTORY_REFUSED' })
    await expect(fetchDirectory('https://localhost/', strict)).rejects.toMatchObject({ code: 'ERR_DIRECTORY_REFUSED' })
  })

  it('a Signature-Agent that is not a URL is unverified', async () => {
    const result = await verifyAgent(verifierWith(), await agentRequest(agentKey, 'not a url'))
    expect(result).toMatchObject({ outcome: 'unverified', code: 'ERR_DIRECTORY_REFUSED' })
  })
})

describe('directoryKeys: directory signatures, outcomes, composition', () => {
  it('verifies a signed directory; policy.requireSignedDirectory refuses an unsigned one', async () => {
    server.handler = (req, res) => (req.url?.startsWith('/signed') ? serveSigned(req, res, [agentKey]) : serveJson(res, jwksOf(agentJwk)))
    const strict = verifierWith({ policy: { requireSignedDirectory: true } })
    await expect(strict.verify(await agentRequest(agentKey, `${server.origin}/signed`))).resolves.toMatchObject({ keyid: agentPrint })
    expect((await rejection(strict.verify(await agentRequest(agentKey, `${server.origin}/unsigned`)))).code).toBe('ERR_KEY_NOT_FOUND')
  })

  it('drops a key whose directory signature fails (body swapped under the signature)', async () => {
    server.handler = async (req, res) => {
      const { directoryResponseParts } = await import('../src/web-bot-auth/directory-response.ts')
      const { headers } = await directoryResponseParts([agentKey], { request: req.headers.host ?? '' })
      const out = Object.fromEntries(headers)
      // A body with another key, under the signature made for the first.
      res.writeHead(200, out).end(JSON.stringify(jwksOf(agentJwk, await exportJwk(publicKey(otherKey)))))
    }
    expect((await rejection(verifierWith().verify(await agentRequest(agentKey, server.origin)))).code).toBe('ERR_KEY_NOT_FOUND')
  })

  it('reports verified, invalid and unverified outcomes', async () => {
    server.handler = goodDirectory()
    const verifier = verifierWith()
    const good = await verifyAgent(verifier, await agentRequest(agentKey, server.origin))
    expect(good).toMatchObject({ outcome: 'verified', agent: `${server.origin}/.well-known/http-message-signatures-directory` })
    const signed = await agentRequest(agentKey, server.origin)
    const tampered = { ...signed, authority: 'other.test', fields: signed.fields.map((f) => (f.name === 'host' ? { name: 'host', value: 'other.test' } : f)) }
    expect(await verifyAgent(verifier, tampered)).toMatchObject({ outcome: 'invalid', code: 'ERR_SIGNATURE_INVALID' })
    expect(await verifyAgent(verifier, await requestMessage({ authority: 'site.test' }))).toMatchObject({ outcome: 'unverified', code: 'ERR_SIGNATURE_MISSING' })
    // A key the directory does not list: unverified (no key material), not a forgery.
    expect(await verifyAgent(verifier, await agentRequest(otherKey, server.origin))).toMatchObject({ outcome: 'unverified', code: 'ERR_KEY_NOT_FOUND' })
  })

  it('composes with other resolvers: one verifier serves API keys and agents', async () => {
    server.handler = goodDirectory()
    const api = await hmacKey('api-1')
    const verifier = createVerifier({
      keys: chainKeys(memoryKeys([{ id: 'api-1', key: api.key, owner: 'acme' }]), directoryKeys({ allowPrivateNetworks: true, now: () => clock.ms })),
      nonces: false,
      clock: () => clock.ms,
      policy: { requiredComponents: ['@authority'] },
    })
    const apiRequest = await sign(await requestMessage({ authority: 'site.test' }), api.key, { components: ['@authority', '@method'], keyid: 'api-1', created: Math.floor(clock.ms / 1000) })
    await expect(verifier.verify(apiRequest)).resolves.toMatchObject({ keyid: 'api-1', owner: 'acme' })
    await expect(verifier.verify(await agentRequest(agentKey, server.origin))).resolves.toMatchObject({ keyid: agentPrint, owner: `${server.origin}/.well-known/http-message-signatures-directory` })
    // The API key's id, named in a request whose directory does not list it, stays the API key's.
    expect(server.requests).toHaveLength(1)
  })

  it('validates its options', () => {
    expect(() => directoryKeys({ negativeTtlSeconds: 301 })).toThrow(RangeError)
    expect(() => directoryKeys({ timeoutMs: -1 })).toThrow(RangeError)
    expect(() => directoryKeys({ fetch: 1 as never })).toThrow(TypeError)
    expect(() => chainKeys({} as never)).toThrow(TypeError)
  })
})

describe('directoryResponse', () => {
  it('signs each key, writes nbf/exp, and never lets a cache outlive the signatures', async () => {
    const { directoryResponse } = await import('../src/web-bot-auth/directory-response.ts')
    const { readDirectory } = await import('../src/resolvers/directory-keys.ts')
    const now = Math.floor(Date.now() / 1000)
    const response = await directoryResponse([agentKey, { key: otherKey, notBefore: now - 10, expires: now + 99 }], { request: 'agent.test', expiresInSeconds: 600 })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/http-message-signatures-directory+json')
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1])
    expect(maxAge).toBeGreaterThan(590)
    expect(maxAge).toBeLessThanOrEqual(600)
    expect(response.headers.get('signature-input')).toMatch(/^binding0=\("@authority";req "content-digest"\);created=\d+;expires=\d+;keyid="[^"]+";tag="http-message-signatures-directory", binding1=/)
    const body = new Uint8Array(await response.arrayBuffer())
    const jwks = JSON.parse(new TextDecoder().decode(body)) as { keys: { kid: string; nbf: number; exp: number }[] }
    const created = Number(/created=(\d+)/.exec(response.headers.get('signature-input') ?? '')?.[1])
    expect(jwks.keys[0]).toMatchObject({ kid: agentPrint, nbf: created, exp: created + 600 })
    expect(jwks.keys[1]).toMatchObject({ nbf: now - 10, exp: now + 99 })
    const headers = new Map<string, string>()
    response.headers.forEach((v, n) => headers.set(n, v))
    const read = await readDirectory({ url: 'https://agent.test/.well-known/http-message-signatures-directory', status: 200, headers, body }, { now })
    expect(read.keys.map((k) => k.signature)).toEqual(['valid', 'valid'])
    expect(read.problems).toEqual([])
  })

  it('refuses what it cannot publish', async () => {
    const { directoryResponse } = await import('../src/web-bot-auth/directory-response.ts')
    await expect(directoryResponse([], { request: 'a.test' })).rejects.toThrow(TypeError)
    await expect(directoryResponse([publicKey(agentKey)], { request: 'a.test' })).rejects.toThrow(/private asymmetric key/)
    await expect(directoryResponse([(await hmacKey()).key], { request: 'a.test' })).rejects.toThrow(TypeError)
    await expect(directoryResponse([agentKey], { request: 'a.test', expiresInSeconds: 0 })).rejects.toThrow(RangeError)
    await expect(directoryResponse([agentKey], { request: 42 as never })).rejects.toThrow(TypeError)
  })
})
