/**
 * Issue 17 item 6: `secretScanningHandler` takes GitHub-style alerts (ECDSA P-256 over the body,
 * the key found by identifier among every listed key), revokes every live registry secret in
 * them, answers `[{ token_hash, token_type, label }]`, and changes nothing for an alert that
 * fails verification. A second verifier (another store instance) sees the revocation within 1 s.
 */
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FileStore, MemoryStore, connectRedisStore, generateMasterKey, generateSecret, openRegistry, secretScanningHandler } from '@signet/registry'
import type { Registry } from '@signet/registry'
import { roundTrip, signerOf } from './helpers.ts'
import { findRedisServer, startRedis } from './redis-server.ts'
import type { RedisHandle } from './redis-server.ts'

const redisBinary = findRedisServer()

function provider(): { keys: string; sign: (body: string, id: string) => Record<string, string>; current: string; previous: string } {
  const old = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const cur = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const previous = 'a'.repeat(64)
  const current = 'b'.repeat(64)
  const keys = JSON.stringify({
    public_keys: [
      { key_identifier: previous, key: old.publicKey.export({ type: 'spki', format: 'pem' }), is_current: false },
      { key_identifier: current, key: cur.publicKey.export({ type: 'spki', format: 'pem' }), is_current: true },
    ],
  })
  return {
    keys, current, previous,
    sign: (body, id) => ({
      'github-public-key-identifier': id,
      // A DER signature, as the provider sends it.
      'github-public-key-signature': nodeSign('sha256', Buffer.from(body), id === previous ? old.privateKey : cur.privateKey).toString('base64'),
    }),
  }
}

const post = (body: string, headers: Record<string, string>): Request =>
  new Request('http://localhost/.well-known/signet/secret-scanning', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

async function scenario(a: Registry, b: Registry): Promise<void> {
  const p = provider()
  const leaked = await a.create({ owner: 'acme' })
  const other = await a.create({ owner: 'acme' })
  const handler = secretScanningHandler(a, p.keys)
  const now = Math.floor(Date.now() / 1000)
  // A file reader re-reads the file at most every 200 ms: wait until it sees both keys.
  for (let i = 0; i < 50 && (await b.resolve(other.keyid)) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  expect(await roundTrip(b, await signerOf(leaked), now)).toBe('ok')
  const body = JSON.stringify([
    { token: leaked.secret, type: 'signet_secret', url: 'https://example.test/leak', source: 'content' },
    { token: generateSecret(), type: 'signet_secret', url: 'https://example.test/leak', source: 'content' },
    { token: 'sgn_sk_not-a-secret', type: 'signet_secret', url: 'https://example.test/leak', source: 'content' },
  ])

  // Failing alerts change nothing: a wrong signature, an unknown identifier, no headers, a
  // signature by another listed key than the one named.
  const bad = [
    post(body, { ...p.sign(body, p.current), 'github-public-key-signature': p.sign(`${body} `, p.current)['github-public-key-signature'] as string }),
    post(body, { ...p.sign(body, p.current), 'github-public-key-identifier': 'c'.repeat(64) }),
    post(body, {}),
    post(body, { ...p.sign(body, p.previous), 'github-public-key-identifier': p.current }),
    post(`${body} `, p.sign(body, p.current)),
  ]
  for (const request of bad) expect((await handler(request)).status).toBe(401)
  expect((await a.get(leaked.keyid)).state).toBe('active')
  expect((await a.audit()).some((e) => e.action === 'revoke')).toBe(false)

  // Signed with a key that is listed but no longer current: still accepted.
  const t0 = Date.now()
  const response = await handler(post(body, p.sign(body, p.previous)))
  expect(response.status).toBe(200)
  const results = (await response.json()) as unknown[]
  expect(results).toEqual([
    { token_hash: sha256(leaked.secret as string), token_type: 'signet_secret', label: 'true_positive' },
    { token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), token_type: 'signet_secret', label: 'false_positive' },
    { token_hash: sha256('sgn_sk_not-a-secret'), token_type: 'signet_secret', label: 'false_positive' },
  ])
  expect(JSON.stringify(results)).not.toContain('sgn_sk_')
  // The other verifier refuses the leaked key within 1 s; the other key still works.
  let code = 'ok'
  while (Date.now() - t0 < 1000 && code === 'ok') {
    code = await roundTrip(b, await signerOf(leaked), now)
    if (code === 'ok') await new Promise((resolve) => setTimeout(resolve, 20))
  }
  expect(code).toBe('ERR_KEY_REVOKED')
  expect(Date.now() - t0).toBeLessThan(1000)
  expect(await roundTrip(b, await signerOf(other), now)).toBe('ok')
  const revoke = (await a.audit()).find((e) => e.action === 'revoke')
  expect(revoke).toMatchObject({ keyid: leaked.keyid, actor: 'secret-scanning' })
  // A repeat alert for a revoked secret is still a true positive and changes nothing more.
  const again = await handler(post(body, p.sign(body, p.current)))
  expect(((await again.json()) as { label: string }[])[0]?.label).toBe('true_positive')
  expect((await a.audit()).filter((e) => e.action === 'revoke')).toHaveLength(1)
  // Malformed alerts (signed, but not an array of tokens) are 400.
  const notAlert = '{"token":"x"}'
  expect((await handler(post(notAlert, p.sign(notAlert, p.current)))).status).toBe(400)
  expect((await handler(new Request('http://localhost/', { method: 'GET' }))).status).toBe(405)
}

describe('secretScanningHandler', () => {
  it('refuses keys that are not in the public_keys layout', async () => {
    const registry = await openRegistry({ store: new MemoryStore(), masterKey: generateMasterKey() })
    expect(() => secretScanningHandler(registry, { keys: [] })).toThrow(TypeError)
    expect(() => secretScanningHandler(registry, { public_keys: [{ key_identifier: 'x', key: 'not a pem' }] })).toThrow(TypeError)
  })

  it('on the memory store', async () => {
    const store = new MemoryStore()
    const mk = generateMasterKey()
    await scenario(await openRegistry({ store, masterKey: mk }), await openRegistry({ store, masterKey: mk }))
  })

  it('on the encrypted file, seen by a second reader of the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signet-leak-'))
    try {
      const path = join(dir, 'keys.signet')
      const mk = generateMasterKey()
      const a = await openRegistry({ store: new FileStore(path), masterKey: mk })
      await a.create({ owner: 'setup' })
      await scenario(a, await openRegistry({ store: new FileStore(path), masterKey: mk }))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  describe.runIf(redisBinary !== undefined)('on Redis', () => {
    let redis: RedisHandle | undefined
    beforeAll(async () => {
      redis = await startRedis(redisBinary as string)
    })
    afterAll(() => redis?.stop())
    it('seen by a second process through pub/sub', async () => {
      const url = (redis as RedisHandle).url
      const mk = generateMasterKey()
      const a = await openRegistry({ store: await connectRedisStore({ url, prefix: 'leak' }), masterKey: mk })
      await a.create({ owner: 'setup' })
      const b = await openRegistry({ store: await connectRedisStore({ url, prefix: 'leak' }), masterKey: mk })
      try {
        await scenario(a, b)
      } finally {
        await a.close()
        await b.close()
      }
    })
  })
})
