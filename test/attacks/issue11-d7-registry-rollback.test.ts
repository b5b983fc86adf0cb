/**
 * Issue 11, defect 7: a rollback of a record (its earlier copy written back into storage, with
 * the MAC it had then) must be refused as corrupt, in the file store, in memory and on Redis.
 * Also: a format 1 file (written before records carried versions) still opens, is migrated by
 * its first write, and cannot be set back to format 1 afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileStore, MemoryStore, connectRedisStore, generateMasterKey, openRegistry } from '@signet/registry'
import type { RegistryStore, StoredKey } from '@signet/registry'
import { codeOf, roundTrip, signerOf } from '../../packages/registry/test/helpers.ts'
import { findRedisServer, startRedis } from '../../packages/registry/test/redis-server.ts'

const redisBinary = findRedisServer()

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function tempFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'signet-rollback-'))
  dirs.push(d)
  return join(d, 'keys.signet')
}
const now = (): number => Math.floor(Date.now() / 1000)

describe('issue 11 defect 7: record rollback', () => {
  it('file: a revoked key written back as its earlier active copy is refused as corrupt, by every reader', async () => {
    const path = tempFile()
    const masterKey = generateMasterKey()
    const admin = await openRegistry({ store: new FileStore(path), masterKey })
    const k = await admin.create({ owner: 'acme' })
    const other = await admin.create({ owner: 'acme' })
    const before = JSON.parse(readFileSync(path, 'utf8'))
    const activeCopy = before.keys[k.keyid]
    await admin.revoke(k.keyid)
    // A verifier that has been running all along.
    const verifier = await openRegistry({ store: new FileStore(path, { refreshIntervalMs: 0 }), masterKey })
    expect(await roundTrip(verifier, await signerOf(k), now())).toBe('ERR_KEY_REVOKED')

    // The attacker (no master key) writes the active copy back.
    const after = JSON.parse(readFileSync(path, 'utf8'))
    writeFileSync(path, JSON.stringify({ ...after, keys: { ...after.keys, [k.keyid]: activeCopy } }))
    expect(await roundTrip(verifier, await signerOf(k), now())).toBe('ERR_REGISTRY_CORRUPT')
    // A process started after the rollback refuses it too, and so do the management commands.
    const fresh = await openRegistry({ store: new FileStore(path), masterKey })
    expect(await codeOf(fresh.resolve(k.keyid))).toBe('ERR_REGISTRY_CORRUPT')
    expect(await codeOf(fresh.get(k.keyid))).toBe('ERR_REGISTRY_CORRUPT')
    expect(await codeOf(fresh.list())).toBe('ERR_REGISTRY_CORRUPT')
    expect(await codeOf(fresh.enable(k.keyid))).toBe('ERR_REGISTRY_CORRUPT')
    // The untouched key still verifies.
    expect(await roundTrip(fresh, await signerOf(other), now())).toBe('ok')

    // The whole earlier manifest written back with it: a running process has seen a later counter.
    writeFileSync(path, JSON.stringify({ ...after, manifest: before.manifest, keys: { ...after.keys, [k.keyid]: activeCopy } }))
    expect(await roundTrip(verifier, await signerOf(k), now())).toBe('ERR_REGISTRY_CORRUPT')
    // A forged manifest (listing the old version) fails its MAC.
    const forged = { ...after.manifest, versions: { ...after.manifest.versions, [k.keyid]: activeCopy.version } }
    writeFileSync(path, JSON.stringify({ ...after, manifest: forged, keys: { ...after.keys, [k.keyid]: activeCopy } }))
    expect(await codeOf(new Promise((r) => setTimeout(r, 5)).then(() => fresh.resolve(k.keyid)))).toBe('ERR_REGISTRY_CORRUPT')
    // Removing the manifest altogether: no record is listed any more.
    const { manifest: _m, ...bare } = after
    writeFileSync(path, JSON.stringify({ ...bare, keys: { ...after.keys, [k.keyid]: activeCopy } }))
    const third = await openRegistry({ store: new FileStore(path), masterKey })
    expect(await codeOf(third.resolve(k.keyid))).toBe('ERR_REGISTRY_CORRUPT')
    // Setting the format back to 1 (no manifest checks) no longer opens: the data key names format 2.
    writeFileSync(path, JSON.stringify({ ...bare, version: 1, keys: { ...after.keys, [k.keyid]: activeCopy } }))
    expect(await codeOf(openRegistry({ store: new FileStore(path), masterKey }))).toBe('ERR_REGISTRY_CORRUPT')
  })

  /** The rollback against any store that lets the test reach its raw record. */
  async function rollbackOn(store: RegistryStore, writeBack: (id: string, record: StoredKey) => Promise<void>): Promise<void> {
    const masterKey = generateMasterKey()
    const registry = await openRegistry({ store, masterKey })
    const k = await registry.create({ owner: 'acme' })
    const activeCopy = (await store.getKey(k.keyid)) as StoredKey
    await registry.disable(k.keyid)
    await registry.enable(k.keyid)
    await registry.revoke(k.keyid)
    expect(await roundTrip(registry, await signerOf(k), now())).toBe('ERR_KEY_REVOKED')
    await writeBack(k.keyid, activeCopy)
    expect(await roundTrip(registry, await signerOf(k), now())).toBe('ERR_REGISTRY_CORRUPT')
  }

  it('memory: the same rollback is refused', async () => {
    const store = new MemoryStore()
    await rollbackOn(store, async (id, record) => {
      // Reach under the registry: a transaction that bypasses it, as a tampering process would.
      await store.transact([id], async () => ({ put: [record], audit: [] }))
    })
  })

  it.skipIf(redisBinary === undefined && process.env['CI'] !== 'true')('redis: the same rollback (HSET of the earlier copy) is refused', async () => {
    const redis = await startRedis(redisBinary as string)
    const { Redis } = await import('ioredis')
    const raw = new Redis(redis.url)
    try {
      const store = await connectRedisStore({ url: redis.url, prefix: 'rollback' })
      try {
        await rollbackOn(store, async (id, record) => {
          await raw.hset('{rollback}:keys', id, JSON.stringify(record))
          await raw.publish('{rollback}:changed', id)
          await new Promise((r) => setTimeout(r, 50))
        })
      } finally {
        await store.close()
      }
    } finally {
      raw.disconnect()
      redis.stop()
    }
  })
})

describe('format 1 files (defect 7 migration)', () => {
  it('a write that changes nothing still migrates (enable an active key): the README\'s recipe', async () => {
    const path = tempFile()
    const masterKey = generateMasterKey()
    const { makeFormat1 } = await import('../../packages/registry/test/format1.ts')
    const { keyid, jwk } = await makeFormat1(path, masterKey)
    const registry = await openRegistry({ store: new FileStore(path), masterKey })
    await registry.enable(keyid)
    const migrated = JSON.parse(readFileSync(path, 'utf8'))
    expect(migrated.version).toBe(2)
    expect(migrated.audit.length).toBe(1) // no new entry: nothing changed
    expect(await roundTrip(registry, await signerOf({ jwk }), now())).toBe('ok')
  })

  it('a format 1 file opens, verifies, and is migrated to format 2 by its first write; its old copies then fail', async () => {
    const path = tempFile()
    const masterKey = generateMasterKey()
    // A format 1 registry, made the way the earlier code wrote it.
    const { makeFormat1 } = await import('../../packages/registry/test/format1.ts')
    const { keyid, jwk, record, audit } = await makeFormat1(path, masterKey)
    const registry = await openRegistry({ store: new FileStore(path), masterKey })
    const signer = await signerOf({ jwk })
    expect(await roundTrip(registry, signer, now())).toBe('ok')
    expect((await registry.audit()).map((e) => e.action)).toEqual(audit.map((e) => e.action))
    // The first write migrates: format 2, every record versioned, the audit log chained.
    await registry.revoke(keyid)
    const migrated = JSON.parse(readFileSync(path, 'utf8'))
    expect(migrated.version).toBe(2)
    expect(migrated.manifest.versions[keyid]).toBe(migrated.keys[keyid].version)
    expect(migrated.audit.every((e: { mac?: string }) => typeof e.mac === 'string')).toBe(true)
    expect((await registry.audit()).map((e) => e.action)).toEqual([...audit.map((e) => e.action), 'revoke'])
    // The format 1 copy of the record written back: refused.
    writeFileSync(path, JSON.stringify({ ...migrated, keys: { ...migrated.keys, [keyid]: record } }))
    const reader = await openRegistry({ store: new FileStore(path), masterKey })
    expect(await codeOf(reader.resolve(keyid))).toBe('ERR_REGISTRY_CORRUPT')
  })
})
