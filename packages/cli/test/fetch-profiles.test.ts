/**
 * `signet fetch --profile NAME` and `signet fetch --signature-agent URL` (CLI.md "Profiles" and
 * "`signet sign`"): fetch signs as `sign` does with the same options, so a GitHub webhook or a
 * Web Bot Auth agent request sent with it verifies at a loopback server that uses the scheme's
 * verifier. `--profile web-bot-auth` without `--signature-agent` is a usage error.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJwk, fromNodeRequest, generateKey, importKey, publicKey, thumbprint, verifyMessage } from '@signet/core'
import { createGitHubVerifier } from '@signet/profiles'
import { errorReport, run, scratch } from './helpers.ts'

const work = scratch()
const cwd = work.dir
const SECRET = "It's a Secret to Everybody"
work.write('github.json', JSON.stringify({ secret: SECRET }))

let server: Server
let origin = ''
const seen: Array<{ url: string; headers: IncomingMessage['headers']; outcome: string }> = []
let agentKeyJwk: JsonWebKey

beforeAll(async () => {
  const pair = await generateKey('ed25519')
  agentKeyJwk = await exportJwk(pair, { private: true })
  work.write('agent.jwk', JSON.stringify(agentKeyJwk))
  const github = createGitHubVerifier({ secrets: ['an old secret', SECRET] })
  const agentPublic = publicKey(pair)
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = new Uint8Array(Buffer.concat(chunks))
      const message = { ...fromNodeRequest(req, { scheme: 'http' }), body: body.length === 0 ? undefined : body }
      const check = req.url?.startsWith('/hooks')
        ? github.verify(message).then((identity) => `github:${identity.alg}`)
        : (async () => {
            const [verified] = await verifyMessage(message, { key: agentPublic })
            return `agent:${String(verified?.params['keyid'])}:${String(verified?.params['tag'])}`
          })()
      check.then(
        (outcome) => {
          seen.push({ url: req.url ?? '', headers: req.headers, outcome })
          res.writeHead(200, { 'content-type': 'text/plain' }).end(outcome)
        },
        (error: unknown) => res.writeHead(401, { 'content-type': 'text/plain' }).end(String((error as { code?: string }).code ?? error)),
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

describe('signet fetch --profile', () => {
  it('github: the webhook signature is added and the GitHub verifier accepts it', async () => {
    const r = await run(['fetch', '--profile', 'github', '--key', 'github.json', '-H', 'Content-Type: application/json', '-d', '{"zen":"ok"}', `${origin}/hooks`], { cwd })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('github:sha256')
    expect(seen.at(-1)?.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(seen.at(-1)?.headers['signature-input']).toBeUndefined()
  })

  it('github with the wrong secret: the server refuses, and --fail exits 1', async () => {
    work.write('github-wrong.json', JSON.stringify({ secret: 'not the secret' }))
    const r = await run(['fetch', '--profile', 'github', '--key', 'github-wrong.json', '--fail', '-d', 'x=1', `${origin}/hooks`], { cwd })
    expect(r.code).toBe(1)
    expect(errorReport(r).code).toBe('ERR_HTTP_STATUS')
  })

  it('an unknown profile is a usage error', async () => {
    const r = await run(['fetch', '--profile', 'nope', '--key', 'github.json', `${origin}/hooks`], { cwd })
    expect(r.code).toBe(2)
    expect(errorReport(r).code).toBe('ERR_USAGE')
  })
})

describe('signet fetch --signature-agent (Web Bot Auth)', () => {
  it('adds Signature-Agent, covers it, keyid is the thumbprint and tag web-bot-auth', async () => {
    const r = await run(['fetch', '--key', 'agent.jwk', '--signature-agent', 'https://agent.example', `${origin}/page`], { cwd })
    expect(r.code, r.stderr).toBe(0)
    const kid = await thumbprint(publicKey(await importKey(agentKeyJwk)))
    expect(r.stdout).toBe(`agent:${kid}:web-bot-auth`)
    const headers = seen.at(-1)?.headers ?? {}
    expect(headers['signature-agent']).toBe('sig1="https://agent.example"')
    expect(String(headers['signature-input'])).toContain('"signature-agent";key="sig1"')
  })

  it('--profile web-bot-auth without --signature-agent is a usage error, for fetch and for sign', async () => {
    const f = await run(['fetch', '--profile', 'web-bot-auth', '--key', 'agent.jwk', `${origin}/page`], { cwd })
    expect(f.code).toBe(2)
    expect(errorReport(f).message).toContain('--signature-agent')
    work.write('get.http', 'GET /page HTTP/1.1\r\nHost: example.com\r\n\r\n')
    const s = await run(['sign', '--profile', 'web-bot-auth', '--key', 'agent.jwk', 'get.http'], { cwd })
    expect(s.code).toBe(2)
    expect(errorReport(s).message).toContain('--signature-agent')
  })
})
