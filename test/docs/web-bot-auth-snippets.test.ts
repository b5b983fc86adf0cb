/**
 * The docs/web-bot-auth.md snippets, run: the site handlers answer visitors and refuse to
 * fetch a directory on a private address, the directory Worker publishes a directory the
 * verifier's reader accepts, and the agent signs a request that a loopback site verifies.
 */
import http from 'node:http'
import type { Server } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exportJwk, generateKey, publicKey, signMessage, thumbprint } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'
import { createVerifier, memoryKeys, readDirectory, verifyNodeRequest } from '@signet/server'
import { close, freePort, listening, runSnippet } from './helpers.ts'

type FetchHandler = { fetch: (request: Request, env?: unknown) => Promise<Response> }

/** A request signed as an agent whose directory is on a private address (refused: unverified). */
async function agentOnPrivateAddress(): Promise<Request> {
  const key = await generateKey('ed25519')
  const message: HttpRequestMessage = {
    kind: 'request', method: 'GET', scheme: 'https', authority: 'site.example', target: '/articles/1',
    fields: [{ name: 'host', value: 'site.example' }, { name: 'signature-agent', value: 'sig1="https://10.0.0.7"' }], trailers: [], body: undefined,
  }
  const created = Math.floor(Date.now() / 1000)
  const r = await signMessage(message, { key, components: ['@authority', '"signature-agent";key="sig1"'], created, expires: created + 60, nonce: 'n-1234567890abcdef', keyid: await thumbprint(publicKey(key)), tag: 'web-bot-auth' })
  return new Request('https://site.example/articles/1', { headers: { 'signature-agent': 'sig1="https://10.0.0.7"', 'signature-input': r.signatureInput, signature: r.signature } })
}

describe('web-bot-auth snippets', () => {
  it('wba-worker: visitors and agents whose directory cannot be used are unverified, not refused', async () => {
    const worker = (await runSnippet<{ default: FetchHandler }>('wba-worker')).module.default
    const visitor = await worker.fetch(new Request('https://site.example/articles/1'))
    expect(await visitor.text()).toBe('hello, visitor')
    expect(await (await worker.fetch(await agentOnPrivateAddress())).text()).toBe('hello, visitor')
  })

  it('wba-hono: the preview for everyone but verified agents', async () => {
    const app = (await runSnippet<{ default: FetchHandler }>('wba-hono')).module.default
    const response = await app.fetch(new Request('https://site.example/articles/7'))
    expect(await response.json()).toEqual({ id: '7', full: false, agent: null })
  })

  it('wba-node: answers a visitor', async () => {
    const port = await freePort()
    const { server } = (await runSnippet<{ server: Server }>('wba-node', { PORT: String(port) })).module
    try {
      await listening(server)
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello, visitor\n')
    } finally {
      await close(server)
    }
  })

  it('wba-directory: publishes a directory that reads with no problem', async () => {
    const key = await generateKey('ed25519', { extractable: true })
    const worker = (await runSnippet<{ default: FetchHandler }>('wba-directory')).module.default
    const env = { AGENT_KEY: JSON.stringify(await exportJwk(key, { private: true })) }
    const url = 'https://crawler.example/.well-known/http-message-signatures-directory'
    const response = await worker.fetch(new Request(url), env)
    expect(response.status).toBe(200)
    const headers = new Map<string, string>()
    response.headers.forEach((v, n) => headers.set(n, v))
    const read = await readDirectory({ url, status: 200, headers, body: new Uint8Array(await response.arrayBuffer()) }, { now: Math.floor(Date.now() / 1000) })
    expect(read.problems).toEqual([])
    expect(read.keys[0]?.thumbprint).toBe(await thumbprint(publicKey(key)))
    expect((await worker.fetch(new Request('https://crawler.example/'), env)).status).toBe(404)
  })

  it('wba-agent: signs as https://crawler.example; a site holding the key verifies it', async () => {
    const key = await generateKey('ed25519', { extractable: true })
    const dir = mkdtempSync(join(tmpdir(), 'signet-wba-'))
    writeFileSync(join(dir, 'agent.jwk'), JSON.stringify(await exportJwk(key, { private: true })))
    const id = await thumbprint(publicKey(key))
    const verifier = createVerifier({ keys: memoryKeys([{ id, key: publicKey(key) }]), policy: { tag: 'web-bot-auth', requiredComponents: ['@authority'] } })
    const seen: string[] = []
    const site = http.createServer((req, res) => {
      seen.push(String(req.headers['signature-agent']))
      verifyNodeRequest(verifier, req).then(
        ({ identity }) => res.end(`verified ${identity.keyid}`),
        (error: { code?: string }) => res.writeHead(401).end(String(error.code)),
      )
    })
    site.listen(0, '127.0.0.1')
    await listening(site)
    try {
      const port = (site.address() as { port: number }).port
      const { logs } = await runSnippet('wba-agent', { AGENT_KEY_FILE: join(dir, 'agent.jwk'), SITE_URL: `http://127.0.0.1:${port}/articles/1` })
      expect(seen).toEqual(['sig1="https://crawler.example"'])
      expect(logs).toEqual([[200, `verified ${id}`]])
    } finally {
      await close(site)
    }
  })
})
