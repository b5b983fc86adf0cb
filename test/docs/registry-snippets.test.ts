/**
 * The registry snippets of the Node guide: issue an HMAC key into an encrypted registry file,
 * serve an API that resolves keys from that file, and call it with the issued JWK; then the
 * key's revocation reaches the running server, and the usage is recorded.
 */
import type { Server } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSigner } from '@signet/client'
import { FileStore, generateMasterKey, openRegistry } from '@signet/registry'
import { close, freePort, listening, runSnippet } from './helpers.ts'

describe('node-registry-issue and node-registry-server', () => {
  let dir: string
  let server: Server | undefined
  let env: Record<string, string>
  let issued: { keyid: string; expires: number; jwk: JsonWebKey & { kid: string } }
  let api: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-docs-registry-'))
    env = { SIGNET_REGISTRY: join(dir, 'keys.signet'), SIGNET_MASTER_KEY: generateMasterKey() }
    const { logs } = await runSnippet('node-registry-issue', env)
    issued = JSON.parse(String(logs[0]![0])) as typeof issued
    const port = await freePort()
    api = `http://127.0.0.1:${port}`
    server = (await runSnippet<{ server: Server }>('node-registry-server', { ...env, PORT: String(port) })).module.server
    await listening(server)
  })
  afterAll(async () => {
    if (server !== undefined) await close(server)
    await rm(dir, { recursive: true, force: true })
  })

  it('issues an HMAC key with a checksummed key id, an expiry and a JWK for the client', () => {
    expect(issued.keyid).toMatch(/^sgn_id_[0-9A-Za-z]{28}$/)
    expect(issued.jwk).toMatchObject({ kty: 'oct', kid: issued.keyid, alg: 'HS256' })
    const now = Date.now() / 1000
    expect(issued.expires).toBeGreaterThan(now + 29 * 24 * 3600)
    expect(issued.expires).toBeLessThan(now + 31 * 24 * 3600)
  })

  it('the API accepts a request signed with the issued JWK, then refuses it once the key is revoked', async () => {
    const signer = createSigner({ key: issued.jwk })
    const response = await fetch(await signer.sign(new Request(`${api}/orders`)))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ caller: 'acme', keyid: issued.keyid, scopes: ['orders:read', 'orders:write'] })

    const registry = await openRegistry({ store: new FileStore(env.SIGNET_REGISTRY!), masterKey: env.SIGNET_MASTER_KEY! })
    try {
      await registry.revoke(issued.keyid)
      // The running server sees the file change (checked at most every 200 ms).
      let code = ''
      for (let i = 0; i < 40 && code !== 'ERR_KEY_REVOKED'; i++) {
        const refused = await fetch(await signer.sign(new Request(`${api}/orders`)))
        code = refused.status === 200 ? '' : ((await refused.json()) as { code: string }).code
        if (code !== 'ERR_KEY_REVOKED') await new Promise((r) => setTimeout(r, 100))
      }
      expect(code).toBe('ERR_KEY_REVOKED')
    } finally {
      await registry.close()
    }
  }, 20_000)

  it('usage is recorded through the verifier hooks', async () => {
    const registry = await openRegistry({ store: new FileStore(env.SIGNET_REGISTRY!), masterKey: env.SIGNET_MASTER_KEY! })
    try {
      let usage = await registry.usage(issued.keyid)
      for (let i = 0; i < 40 && (usage.requests < 1 || usage.rejections['ERR_KEY_REVOKED'] === undefined); i++) {
        await new Promise((r) => setTimeout(r, 100))
        usage = await registry.usage(issued.keyid)
      }
      expect(usage.requests).toBeGreaterThanOrEqual(1)
      expect(usage.lastIp).toBe('127.0.0.1')
      expect(usage.rejections['ERR_KEY_REVOKED']).toBeGreaterThanOrEqual(1)
    } finally {
      await registry.close()
    }
  }, 20_000)
})
