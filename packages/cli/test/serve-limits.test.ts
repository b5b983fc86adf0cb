/**
 * `signet serve --registry` with issue 17's limits over real HTTP: 429 `ERR_RATE_LIMITED` and
 * `ERR_CREDITS_EXHAUSTED` with `RateLimit-Policy`, `RateLimit` and `Retry-After` (and the first
 * two on an accepted request too), refusals
 * counted in the key's usage buckets, `--owner-rate-limit`, and `--secret-scanning FILE`
 * revoking a leaked secret (a bad alert changes nothing).
 */
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importKey, parseHttpMessage, signMessage } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { generateMasterKey, openRegistryFromSpec } from '@signet/registry'
import { exchangeRaw, serveInProcess } from './serve-harness.ts'
import type { ServeRunning } from './serve-harness.ts'

async function signedRaw(port: number, key: SignetKey): Promise<string> {
  const raw = `GET /orders HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`
  const s = await signMessage(parseHttpMessage(`${raw}\r\n`, { scheme: 'http' }), { key, created: Math.floor(Date.now() / 1000), nonce: crypto.randomUUID() })
  return `${raw}Signature-Input: ${s.signatureInput}\r\nSignature: ${s.signature}\r\n\r\n`
}

const fieldOf = (head: string, name: string): string | undefined => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim()

describe('signet serve: limits, credits and leak alerts', () => {
  it('answers 429 with the RateLimit fields, counts refusals, and revokes a leaked secret on a signed alert', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-serve-limits-'))
    const env = { SIGNET_MASTER_KEY: generateMasterKey() }
    const registryPath = join(dir, 'keys.signet')
    const registry = await openRegistryFromSpec(registryPath, { env })
    const limited = await registry.create({ owner: 'acme', rateLimit: '2/1h' })
    const metered = await registry.create({ owner: 'globex', credits: 1 })
    const leaked = await registry.create({ owner: 'initech' })
    await registry.close()
    const provider = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(join(dir, 'scanning-keys.json'), JSON.stringify({ public_keys: [{ key_identifier: 'k1', key: provider.publicKey.export({ type: 'spki', format: 'pem' }), is_current: true }] }))

    const r = await serveInProcess(['serve', '--registry', 'keys.signet', '--port', '0', '--secret-scanning', 'scanning-keys.json', '--owner-rate-limit', 'initech=100/1m'], dir, env)
    if (!('port' in r)) throw new Error(`serve exited ${r.exit}: ${r.stderr.join('')}`)
    const server: ServeRunning = r
    try {
      const port = server.port
      const k1 = await importKey(limited.jwk as JsonWebKey)
      // An accepted request says what is left, so a client can pace itself before a 429.
      const first = await exchangeRaw(port, await signedRaw(port, k1))
      expect(first.status).toBe(200)
      expect(fieldOf(first.head, 'RateLimit-Policy')).toBe('"key";q=2;w=3600')
      expect(fieldOf(first.head, 'RateLimit')).toMatch(/^"key";r=1;t=\d+$/)
      expect((await exchangeRaw(port, await signedRaw(port, k1))).status).toBe(200)
      const over = await exchangeRaw(port, await signedRaw(port, k1))
      expect(over.status).toBe(429)
      expect(JSON.parse(over.body).code).toBe('ERR_RATE_LIMITED')
      expect(fieldOf(over.head, 'RateLimit-Policy')).toBe('"key";q=2;w=3600')
      expect(fieldOf(over.head, 'RateLimit')).toMatch(/^"key";r=0;t=\d+$/)
      expect(Number(fieldOf(over.head, 'Retry-After'))).toBeGreaterThan(1700)

      const k2 = await importKey(metered.jwk as JsonWebKey)
      expect((await exchangeRaw(port, await signedRaw(port, k2))).status).toBe(200)
      const spent = await exchangeRaw(port, await signedRaw(port, k2))
      expect(spent.status).toBe(429)
      expect(JSON.parse(spent.body).code).toBe('ERR_CREDITS_EXHAUSTED')
      expect(Number(fieldOf(spent.head, 'Retry-After'))).toBeGreaterThan(0)

      // A leak alert: a bad signature changes nothing, a good one revokes at once.
      const k3 = await importKey(leaked.jwk as JsonWebKey)
      expect((await exchangeRaw(port, await signedRaw(port, k3))).status).toBe(200)
      const body = JSON.stringify([{ token: leaked.secret, type: 'signet_secret', url: 'https://example.test', source: 'content' }])
      const alert = (signature: string): string =>
        `POST /.well-known/signet/secret-scanning HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `GITHUB-PUBLIC-KEY-IDENTIFIER: k1\r\nGITHUB-PUBLIC-KEY-SIGNATURE: ${signature}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
      const forged = nodeSign('sha256', Buffer.from(`${body}x`), provider.privateKey).toString('base64')
      expect((await exchangeRaw(port, alert(forged))).status).toBe(401)
      expect((await exchangeRaw(port, await signedRaw(port, k3))).status).toBe(200)
      const t0 = Date.now()
      const answered = await exchangeRaw(port, alert(nodeSign('sha256', Buffer.from(body), provider.privateKey).toString('base64')))
      expect(answered.status).toBe(200)
      expect(JSON.parse(answered.body)).toEqual([{ token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), token_type: 'signet_secret', label: 'true_positive' }])
      const after = await exchangeRaw(port, await signedRaw(port, k3))
      expect(after.status).toBe(401)
      expect(JSON.parse(after.body).code).toBe('ERR_KEY_REVOKED')
      expect(Date.now() - t0).toBeLessThan(1000)
    } finally {
      expect(await server.stop()).toBe(0)
    }
    // The refusals were counted in the keys' usage buckets (429s included).
    const reopened = await openRegistryFromSpec(registryPath, { env })
    try {
      const buckets = await reopened.usageBuckets(limited.keyid, { by: 'hour' })
      expect(buckets.reduce((n, b) => n + b.requests, 0)).toBe(2)
      expect(buckets.reduce((n, b) => n + (b.rejections['ERR_RATE_LIMITED'] ?? 0), 0)).toBe(1)
      const metering = await reopened.usageBuckets(metered.keyid, { by: 'day' })
      expect(metering.reduce((n, b) => n + (b.rejections['ERR_CREDITS_EXHAUSTED'] ?? 0), 0)).toBe(1)
    } finally {
      await reopened.close()
    }
  }, 30_000)

  it('refuses --secret-scanning or --owner-rate-limit without --registry, a malformed limit, and an unusable keys file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-serve-limits-bad-'))
    const env = { SIGNET_MASTER_KEY: generateMasterKey() }
    const registry = await openRegistryFromSpec(join(dir, 'keys.signet'), { env })
    await registry.create({ owner: 'acme' })
    await registry.close()
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [] }))
    writeFileSync(join(dir, 'not-keys.json'), JSON.stringify({ keys: [] }))
    const cases: [string[], string][] = [
      [['--jwks', 'jwks.json', '--secret-scanning', 'not-keys.json'], 'ERR_USAGE'],
      [['--jwks', 'jwks.json', '--owner-rate-limit', 'acme=1/1m'], 'ERR_USAGE'],
      [['--registry', 'keys.signet', '--owner-rate-limit', 'acme'], 'ERR_USAGE'],
      [['--registry', 'keys.signet', '--owner-rate-limit', 'acme=0/1m'], 'ERR_USAGE'],
      [['--registry', 'keys.signet', '--secret-scanning', 'not-keys.json'], 'ERR_KEY_INVALID'],
    ]
    for (const [args, code] of cases) {
      const r = await serveInProcess(['serve', '--port', '0', ...args], dir, env)
      if ('port' in r) {
        await r.stop()
        throw new Error(`serve started with ${args.join(' ')}`)
      }
      expect(r.exit, args.join(' ')).toBe(2)
      expect(JSON.parse(r.stderr.join('')).code, args.join(' ')).toBe(code)
    }
  })
})
