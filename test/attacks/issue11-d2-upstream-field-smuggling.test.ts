/**
 * Issue 11, defect 2: `signet serve --upstream` let a key holder pose as another key
 * (`Signet_Key_Id`, read by CGI/WSGI as `HTTP_SIGNET_KEY_ID`), forge its address
 * (`X_Forwarded_For`), smuggle uncovered fields (`X-HTTP-Method-Override`, `Authorization`,
 * `Cookie`), and strip the signed `Content-Type` with `Connection: content-type`.
 *
 * Only `signet serve` forwards requests, so this file runs it alone (one process, with a
 * loopback upstream that echoes what it received); the adapters hand the application the
 * request they verified and forward nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJwk, generateKey } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { serveInProcess, startUpstream } from '../../packages/cli/test/serve-harness.ts'
import type { ServeRunning, Upstream } from '../../packages/cli/test/serve-harness.ts'
import { rawRequest, signed } from './harness.ts'
import { connect } from 'node:net'

let key: SignetKey
let upstream: Upstream
let serve: ServeRunning

beforeAll(async () => {
  key = await generateKey('hmac-sha256', { kid: 'k-mallory' })
  const dir = mkdtempSync(join(tmpdir(), 'signet-attack-upstream-'))
  writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [{ ...(await exportJwk(key, { private: true })), kid: 'k-mallory' }] }))
  upstream = await startUpstream((req, res) => {
    req.resume()
    req.on('end', () => {
      const text = JSON.stringify(req.rawHeaders)
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
      res.end(text)
    })
  })
  const started = await serveInProcess(['serve', '--port', '0', '--jwks', 'keys.json', '--upstream', `http://127.0.0.1:${upstream.port}`], dir)
  if (!('port' in started)) throw new Error(`signet serve exited ${started.exit}: ${started.stderr.join('')}`)
  serve = started
})

afterAll(async () => {
  await serve?.stop()
  await upstream?.close()
})

/** Send raw bytes; return the status and, on 200, the field lines the upstream received (names lower-cased). */
function through(bytes: Buffer): Promise<{ status: number; fields: [string, string][] }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(serve.port, '127.0.0.1', () => void socket.write(bytes))
    socket.on('data', (c: Buffer) => void chunks.push(c))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      const body = text.slice(text.indexOf('\r\n\r\n') + 4)
      const raw = status === 200 ? (JSON.parse(body) as string[]) : []
      const fields: [string, string][] = []
      for (let i = 0; i + 1 < raw.length; i += 2) fields.push([(raw[i] as string).toLowerCase(), raw[i + 1] as string])
      resolve({ status, fields })
    })
  })
}

async function attack(extra: string[]): Promise<{ status: number; all: (name: string) => string[]; names: string[] }> {
  const m = await signed(key, { body: '{"transfer":100}' })
  const bytes = rawRequest(m)
  const text = bytes.toString('latin1').replace('\r\n', `\r\n${extra.map((line) => `${line}\r\n`).join('')}`)
  const { status, fields } = await through(Buffer.from(text, 'latin1'))
  return { status, names: fields.map(([n]) => n), all: (name) => fields.filter(([n]) => n === name).map(([, v]) => v) }
}

describe('issue 11 defect 2: fields smuggled past signet serve --upstream', () => {
  it('posing as another key with Signet_Key_Id (CGI: HTTP_SIGNET_KEY_ID) is stopped: the client field is dropped', async () => {
    const got = await attack(['Signet_Key_Id: k-admin', 'SIGNET_key-ID: k-admin'])
    expect(got.status).toBe(200)
    expect(got.names.filter((n) => n.replace(/_/g, '-') === 'signet-key-id')).toEqual(['signet-key-id'])
    expect(got.all('signet-key-id')).toEqual(['k-mallory'])
  })

  it('forging the client address with X_Forwarded_For or X_Real_IP is stopped: the client fields are dropped', async () => {
    const got = await attack(['X_Forwarded_For: 10.0.0.1', 'X_Real_IP: 10.0.0.1', 'X-Forwarded_Host: admin.internal'])
    expect(got.status).toBe(200)
    for (const name of got.names) expect(name).not.toContain('_')
    expect(got.all('x-forwarded-for')).toEqual(['127.0.0.1'])
  })

  it('uncovered X-HTTP-Method-Override, Authorization and Cookie are not forwarded', async () => {
    const got = await attack(['X-HTTP-Method-Override: DELETE', 'Authorization: Bearer admin', 'Cookie: role=admin'])
    expect(got.status).toBe(200)
    for (const name of ['x-http-method-override', 'authorization', 'cookie']) expect(got.all(name), name).toEqual([])
  })

  it('Connection: content-type cannot strip the signed Content-Type', async () => {
    const got = await attack(['Connection: content-type, content-digest'])
    expect(got.status).toBe(200)
    expect(got.all('content-type')).toEqual(['application/json'])
    expect(got.all('content-digest')).toHaveLength(1)
  })
})
