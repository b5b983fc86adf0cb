/**
 * docs/troubleshooting.md: its two helpers, run on loopback, give the same base as
 * `signet base` on the captured request; its worked example's output is what `signet base`
 * prints for its example message; its table of status codes matches the server's.
 */
import http from 'node:http'
import type { Server } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fromFetchRequest, importKey, parseSignatures, verifyMessage, verifySignature } from '@signet/core'
import { readNodeBody, statusForCode } from '@signet/server'
import { main } from '../../packages/cli/src/index.ts'
import { clientKeyText, clientSigner, close, freePort, jwksText, listening, root, runSnippet } from './helpers.ts'

async function signetBase(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await main(['base', ...argv], {
    stdin: async () => new TextEncoder().encode(stdin),
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    cwd: root,
  })
  return { code, stdout, stderr }
}

describe('troubleshooting helpers', () => {
  let server: Server
  let dir: string
  let origin: string
  let signatureBases: (request: Request) => Promise<string>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-docs-'))
    const { captureRequest } = (await runSnippet<{ captureRequest: (req: http.IncomingMessage, body: Uint8Array, file: string) => Promise<void> }>('troubleshooting-capture')).module
    signatureBases = (await runSnippet<{ signatureBases: typeof signatureBases }>('troubleshooting-bases')).module.signatureBases
    server = http.createServer((req, res) => {
      readNodeBody(req, 1 << 20)
        .then((body) => captureRequest(req, body, join(dir, 'received.http')))
        .then(() => res.writeHead(204).end(), () => res.writeHead(500).end())
    })
    server.listen(await freePort(), '127.0.0.1')
    await listening(server)
    const address = server.address()
    origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  })
  afterAll(async () => {
    await close(server)
    await rm(dir, { recursive: true, force: true })
  })

  it('the signer\'s base equals `signet base` over the request as received', async () => {
    const signed = await clientSigner().sign(new Request(`${origin}/orders?status=open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' }))
    const signerSide = await signatureBases(signed.clone())
    expect((await fetch(signed)).status).toBe(204)
    const verifierSide = await signetBase(['--scheme', 'http', join(dir, 'received.http')])
    expect(verifierSide.code).toBe(0)
    expect(verifierSide.stdout).toBe(signerSide)
    expect(signerSide).toContain(`"@target-uri": ${origin}/orders?status=open\n`)
    expect(signerSide).toMatch(/^# sig1\n"@method": POST\n/)
  })

  it('a path rewritten on the way shows up as a differing @target-uri line', async () => {
    const signed = await clientSigner().sign(new Request(`${origin}/v1/orders`))
    const signerSide = await signatureBases(signed.clone())
    await fetch(new Request(`${origin}/orders`, { headers: signed.headers }))
    const verifierSide = (await signetBase(['--scheme', 'http', join(dir, 'received.http')])).stdout
    const differing = signerSide.split('\n').filter((line, i) => line !== verifierSide.split('\n')[i])
    expect(differing).toEqual([`"@target-uri": ${origin}/v1/orders`])
  })
})

describe('troubleshooting-client-base', () => {
  it('prints the base of the request it then sends, and that request verifies with the same base', async () => {
    const sent: Request[] = []
    vi.stubGlobal('fetch', async (request: Request) => {
      sent.push(request)
      return new Response(null, { status: 204 })
    })
    try {
      const { logs } = await runSnippet('troubleshooting-client-base', { SIGNET_KEY: clientKeyText })
      expect(sent).toHaveLength(1)
      const printed = String(logs[0]![0])
      expect(printed).toMatch(/^# sig1\n"@method": POST\n"@target-uri": https:\/\/api.example.com\/v1\/orders\?status=open\n"content-digest": sha-256=:/)
      const message = await fromFetchRequest(sent[0]!)
      const [verified] = await verifyMessage(message, { key: await importKey(JSON.parse(jwksText).keys[0]) })
      expect(verified!.keyid).toBe('acme-backend-1')
      const [parsed] = parseSignatures(message)
      expect(printed).toBe(`# sig1\n${await verifySignature(message, parsed!, await importKey(JSON.parse(jwksText).keys[0]))}\n`)
    } finally {
      vi.unstubAllGlobals()
    }
  })
})

describe('troubleshooting.md', () => {
  let page: string
  beforeAll(async () => {
    page = await readFile(join(root, 'docs', 'troubleshooting.md'), 'utf8')
  })

  /** The fenced block that follows `<!-- example: NAME -->`. */
  function example(name: string): string {
    const match = new RegExp(`<!-- example: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\n`).exec(page)
    expect(match, `example ${name}`).not.toBeNull()
    return match![1]!
  }

  it('the example output is what `signet base` prints for the example message', async () => {
    const message = example('signed-request')
    const output = example('signet-base-output')
    const result = await signetBase(['--scheme', 'https', '-'], message)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(output)
  })

  it('the status column of the error table is the server\'s', () => {
    const rows = [...page.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d{3}) \|/gm)]
    expect(rows.length).toBeGreaterThanOrEqual(10)
    for (const [, code, status] of rows) expect(Number(status), code).toBe(statusForCode(code!))
  })
})
