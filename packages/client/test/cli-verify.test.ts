/**
 * Requests the client signs verify with `signet verify` (issue 4, "done when"): each signed
 * `Request` is written out as HTTP/1.1 text (origin-form target, `Host`, its field lines, the
 * body bytes) and checked by the CLI in process (packages/cli/src/main.ts) with `--key`, as
 * CLI.md describes: exit 0 and one JSON line per signature; a tampered copy exits 1 with the
 * coded failure on stderr.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main.ts'
import { createSigner } from '../src/index.ts'
import { createSigner as createLeanSigner } from '../src/sign.ts'
import { ed25519Jwk, hmacJwk, publicJwk } from './keys.ts'

const dir = mkdtempSync(join(tmpdir(), 'signet-client-cli-'))
writeFileSync(join(dir, 'ed25519.pub.jwk'), JSON.stringify({ ...publicJwk(ed25519Jwk), kid: ed25519Jwk.kid }))
writeFileSync(join(dir, 'hmac.jwk'), JSON.stringify(hmacJwk))

interface Result {
  readonly code: number
  readonly out: string
  readonly err: string
}

async function cli(args: string[]): Promise<Result> {
  let out = ''
  let err = ''
  const code = await main(args, {
    stdin: async () => new Uint8Array(0),
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env: {},
    cwd: dir,
  })
  return { code, out, err }
}

/** A Fetch request as HTTP/1.1 text: what a server on the request's origin would receive. */
async function toHttp(request: Request): Promise<Uint8Array> {
  const url = new URL(request.url)
  const body = new Uint8Array(await request.arrayBuffer())
  let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`
  if (body.length > 0) head += `Content-Length: ${body.length}\r\n`
  const headBytes = new TextEncoder().encode(head + '\r\n')
  const out = new Uint8Array(headBytes.length + body.length)
  out.set(headBytes)
  out.set(body, headBytes.length)
  return out
}

function jsonRequest(): Request {
  return new Request('https://api.example.com/v1/orders?status=open', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' },
    body: JSON.stringify({ sku: 'A-1', quantity: 2, note: 'café ✓' }),
  })
}

function formRequest(): Request {
  const form = new FormData()
  form.append('sku', 'A-1')
  form.append('file', new Blob([Uint8Array.from([0, 1, 2, 255])], { type: 'application/octet-stream' }), 'a.bin')
  return new Request('https://api.example.com/v1/uploads', { method: 'PUT', body: form })
}

function getRequest(): Request {
  return new Request('https://api.example.com/v1/orders/7?fields=id,total', { headers: { accept: 'application/json' } })
}

const signers: [string, (request: Request) => Promise<Request>, string, string, string][] = [
  ['createSigner, Ed25519', (r) => createSigner({ key: ed25519Jwk }).sign(r), 'ed25519.pub.jwk', 'test-key-ed25519', 'ed25519'],
  ['createSigner, HMAC', (r) => createSigner({ key: hmacJwk }).sign(r), 'hmac.jwk', 'test-shared-secret', 'hmac-sha256'],
  ['lean createSigner, Ed25519', (r) => createLeanSigner({ key: ed25519Jwk }).sign(r), 'ed25519.pub.jwk', 'test-key-ed25519', 'ed25519'],
  ['lean createSigner, HMAC', (r) => createLeanSigner({ key: hmacJwk }).sign(r), 'hmac.jwk', 'test-shared-secret', 'hmac-sha256'],
]

const requests: [string, () => Request, string[]][] = [
  ['JSON POST', jsonRequest, ['"@method"', '"@target-uri"', '"content-digest"', '"content-type"']],
  ['FormData PUT', formRequest, ['"@method"', '"@target-uri"', '"content-digest"', '"content-type"']],
  ['GET', getRequest, ['"@method"', '"@target-uri"']],
]

describe('client-signed requests verify with `signet verify --key`', () => {
  for (const [signerName, sign, keyFile, keyid, alg] of signers) {
    for (const [requestName, make, components] of requests) {
      it(`${signerName}: ${requestName} verifies (exit 0, one JSON line); tampered copies exit 1`, async () => {
        const bytes = await toHttp(await sign(make()))
        const file = `${signerName}-${requestName}.http`.replace(/[^\w.-]/g, '_')
        writeFileSync(join(dir, file), bytes)

        const ok = await cli(['verify', '--key', keyFile, '--max-age', '300', file])
        expect(ok.code, ok.err).toBe(0)
        expect(ok.err).toBe('')
        const lines = ok.out.split('\n').filter((l) => l !== '')
        expect(lines).toHaveLength(1)
        const report = JSON.parse(lines[0] as string) as { label: string; keyid: string; alg: string; components: string[]; params: Record<string, unknown> }
        expect(report).toMatchObject({ label: 'sig1', keyid, alg, components })
        expect(typeof report.params.created).toBe('number')
        expect(report.params.nonce).toMatch(/^[\w-]{22}$/)

        // Requiring the components the server would require passes too.
        const required = await cli(['verify', '--key', keyFile, '--require', components.join(' '), file])
        expect(required.code, required.err).toBe(0)

        // The head is ASCII, so its text offsets are byte offsets.
        const bodyStart = new TextDecoder().decode(bytes).indexOf('\r\n\r\n') + 4
        const head = new TextDecoder().decode(bytes.subarray(0, bodyStart))
        const retargeted = new TextEncoder().encode(head.replace(' /v1/', ' /v2/'))
        const tampered: [string, Uint8Array, string][] = [
          // Another target on the same host, same body: the signature no longer holds.
          ['target', Uint8Array.from([...retargeted, ...bytes.subarray(bodyStart)]), 'ERR_SIGNATURE_INVALID'],
        ]
        if (bodyStart < bytes.length) {
          // One body byte changed: the signature holds, the digest no longer matches.
          const body = bytes.slice()
          body[bodyStart + 1] = (body[bodyStart + 1] as number) ^ 0x01
          tampered.push(['body', body, 'ERR_DIGEST_MISMATCH'])
        }
        for (const [what, copy, code] of tampered) {
          writeFileSync(join(dir, `tampered-${what}-${file}`), copy)
          const bad = await cli(['verify', '--key', keyFile, `tampered-${what}-${file}`])
          expect(bad.code, `${what}: ${bad.err}`).toBe(1)
          expect(bad.out).toBe('')
          expect((JSON.parse(bad.err.trim()) as { code: string }).code).toBe(code)
        }
      })
    }
  }
})
