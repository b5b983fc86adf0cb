/**
 * Two verifier processes on one Redis registry (issue 7, "Tests"): a revoked key is refused by
 * both within one second; during a rotation overlap both accept the old and the new key, and
 * after it both refuse the old one. Each process is a `@signet/server` verifier over
 * `openRegistryResolver`, which is what `signet serve --registry redis://...` runs.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNonce, importKey, parseHttpMessage, signMessage } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { connectRedisStore, generateMasterKey, openRegistry } from '@signet/registry'
import type { Registry } from '@signet/registry'
import { buildFixture, run } from './child.ts'
import type { Child } from './child.ts'
import { findRedisServer, startRedis } from './redis-server.ts'
import type { RedisHandle } from './redis-server.ts'

const binary = findRedisServer()
if (binary === undefined) {
  if (process.env['CI'] === 'true') throw new Error('redis-server is required in CI (apt-get install -y redis-server)')
  console.log('redis-server not found: two-verifier Redis tests skipped (set CI=true to make this a failure)')
}
const describeRedis = binary === undefined ? describe.skip : describe

async function send(port: number, signer: SignetKey): Promise<{ status: number; code?: string }> {
  const head = `GET /orders HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`
  const signed = await signMessage(parseHttpMessage(head, { scheme: 'http' }), { key: signer, nonce: createNonce() })
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/orders', method: 'GET',
      headers: { host: `127.0.0.1:${port}`, 'signature-input': signed.signatureInput, signature: signed.signature },
    }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => void (body += c)).on('end', () => {
        let code: string | undefined
        try {
          code = JSON.parse(body).code
        } catch {
          code = undefined
        }
        resolve(code === undefined ? { status: res.statusCode ?? 0 } : { status: res.statusCode ?? 0, code })
      })
    })
    req.on('error', reject)
    req.setTimeout(2000, () => req.destroy(new Error('timeout')))
    req.end()
  })
}

describeRedis('two verifier processes on one Redis registry', () => {
  let redis: RedisHandle
  let admin: Registry
  const servers: Child[] = []
  const ports: number[] = []
  const prefix = `signet-two-${process.pid}`

  beforeAll(async () => {
    redis = await startRedis(binary as string)
    const masterKey = generateMasterKey()
    admin = await openRegistry({ store: await connectRedisStore({ url: redis.url, prefix }), masterKey, actor: 'admin' })
    const file = await buildFixture('verifier-server')
    for (let i = 0; i < 2; i++) {
      const child = run(file, [redis.url], { SIGNET_MASTER_KEY: masterKey, SIGNET_TEST_PREFIX: prefix })
      servers.push(child)
      const line = await child.waitFor((l) => l.startsWith('listening '), 20_000)
      ports.push(Number(line.slice('listening '.length)))
    }
  }, 60_000)

  afterAll(async () => {
    for (const s of servers) s.proc.kill('SIGTERM')
    await Promise.all(servers.map((s) => s.exited))
    await admin?.close()
    redis?.stop()
  })

  it('a revoked key is refused by both within one second', async () => {
    const k = await admin.create({ owner: 'acme' })
    const signer = await importKey(k.jwk as JsonWebKey)
    for (const port of ports) {
      // Twice: the second answer comes from each process's cache.
      expect(await send(port, signer)).toEqual({ status: 200 })
      expect(await send(port, signer)).toEqual({ status: 200 })
    }
    const revokedAt = Date.now()
    await admin.revoke(k.keyid)
    const delays = await Promise.all(ports.map(async (port) => {
      for (;;) {
        const r = await send(port, signer)
        if (r.status === 401 && r.code === 'ERR_KEY_REVOKED') return Date.now() - revokedAt
        if (Date.now() - revokedAt > 2000) throw new Error(`port ${port} still answers ${JSON.stringify(r)}`)
      }
    }))
    console.log(`revocation refused by 2 verifier processes after ${delays.map((d) => `${d} ms`).join(' and ')} (including one signed request round trip)`)
    for (const d of delays) expect(d).toBeLessThan(1000)
    // Usage, recorded by both processes through their hooks, lands in Redis within a flush.
    await new Promise((r) => setTimeout(r, 1500))
    const usage = await admin.usage(k.keyid)
    expect(usage.requests).toBe(4)
    expect(usage.lastIp).toBe('127.0.0.1')
    expect(usage.rejections['ERR_KEY_REVOKED']).toBeGreaterThanOrEqual(2)
  }, 30_000)

  it('rotation: both accept old and new during the overlap, and refuse the old key after it', async () => {
    const old = await admin.create({ owner: 'acme' })
    const oldSigner = await importKey(old.jwk as JsonWebKey)
    for (const port of ports) expect(await send(port, oldSigner)).toEqual({ status: 200 })
    const next = await admin.rotate(old.keyid, { overlapSeconds: 2 })
    const newSigner = await importKey(next.jwk as JsonWebKey)
    for (const port of ports) {
      expect(await send(port, oldSigner)).toEqual({ status: 200 })
      expect(await send(port, newSigner)).toEqual({ status: 200 })
    }
    const endMs = next.previous.overlapUntil * 1000
    await new Promise((r) => setTimeout(r, Math.max(0, endMs - Date.now()) + 50))
    for (const port of ports) {
      expect(await send(port, oldSigner)).toEqual({ status: 401, code: 'ERR_KEY_EXPIRED' })
      expect(await send(port, newSigner)).toEqual({ status: 200 })
    }
  }, 30_000)
})

describe('two verifier processes on one registry file', () => {
  const servers: Child[] = []
  const ports: number[] = []
  let admin: Registry
  let usageOf: (id: string) => Promise<number>

  beforeAll(async () => {
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { FileStore } = await import('@signet/registry')
    const path = join(mkdtempSync(join(tmpdir(), 'signet-two-file-')), 'keys.signet')
    const masterKey = generateMasterKey()
    admin = await openRegistry({ store: new FileStore(path), masterKey, actor: 'admin' })
    await admin.create({ owner: 'bootstrap' }) // the file exists before the servers start
    usageOf = async (id) => (await admin.usage(id)).requests
    const file = await buildFixture('verifier-server')
    for (let i = 0; i < 2; i++) {
      const child = run(file, [path], { SIGNET_MASTER_KEY: masterKey })
      servers.push(child)
      ports.push(Number((await child.waitFor((l) => l.startsWith('listening '), 20_000)).slice('listening '.length)))
    }
  }, 60_000)

  afterAll(async () => {
    for (const s of servers) s.proc.kill('SIGTERM')
    await Promise.all(servers.map((s) => s.exited))
  })

  it('a key created and then revoked by the admin is accepted, then refused by both within one second', async () => {
    const k = await admin.create({ owner: 'acme' })
    const signer = await importKey(k.jwk as JsonWebKey)
    let accepted = 0
    for (const port of ports) {
      const started = Date.now()
      // A key created after the server started is found at the next refresh (200 ms).
      for (;;) {
        const r = await send(port, signer)
        if (r.status === 200) {
          accepted++
          break
        }
        if (Date.now() - started > 1000) throw new Error(`new key not accepted: ${JSON.stringify(r)}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    const revokedAt = Date.now()
    await admin.revoke(k.keyid)
    const delays = await Promise.all(ports.map(async (port) => {
      for (;;) {
        const r = await send(port, signer)
        if (r.status === 200) accepted++
        if (r.status === 401 && r.code === 'ERR_KEY_REVOKED') return Date.now() - revokedAt
        if (Date.now() - revokedAt > 2000) throw new Error(`port ${port} still answers ${JSON.stringify(r)}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }))
    console.log(`file registry: revocation refused by 2 verifier processes after ${delays.map((d) => `${d} ms`).join(' and ')}`)
    for (const d of delays) expect(d).toBeLessThan(1000)
    // Both processes flushed their usage into the same file without losing each other's counts.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await usageOf(k.keyid)).toBe(accepted)
  }, 30_000)
})
