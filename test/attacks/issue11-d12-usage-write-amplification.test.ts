/**
 * Issue 11, defect 12: usage-write amplification. 24k requests with bad signatures that name
 * real key ids once caused about 50 full rewrites of the registry file in 5 s (a flush per 500
 * events, each rewriting the whole file under the writers' lock). Now usage is written at most
 * once per flush interval, coalesced per key, into its own file: the registry file is not
 * rewritten at all, and every refusal is still counted.
 */
import { watch } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importKey, parseHttpMessage, signMessage } from '@signet/core'
import type { HttpMessage } from '@signet/core'
import { FileStore, generateMasterKey, openRegistry } from '@signet/registry'
import { createVerifier } from '@signet/server'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('issue 11 defect 12: usage writes under a flood of refused requests', () => {
  it('24k bad-signature requests naming real key ids: no registry rewrite, a bounded number of usage writes, every refusal counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-usage-'))
    dirs.push(dir)
    const path = join(dir, 'keys.signet')
    const masterKey = generateMasterKey()
    const admin = await openRegistry({ store: new FileStore(path), masterKey })
    const keys = await Promise.all([1, 2, 3, 4].map(() => admin.create({ owner: 'acme' })))
    await admin.close()

    const flushIntervalMs = 250
    const registry = await openRegistry({ store: new FileStore(path), masterKey, usage: { flushIntervalMs } })
    const verifier = createVerifier({
      keys: registry.resolver(),
      nonces: false,
      policy: { requiredComponents: ['@method'] },
      onRejected: (e) => registry.recordUsage(e),
    })
    // Each request names a real key id, signed with a key that is not its key.
    const now = Math.floor(Date.now() / 1000)
    const wrongSecret = 'c2lnbmV0LXdyb25nLXNlY3JldC1mb3ItdXNhZ2UtdGVzdC0zMmI'
    const requests: HttpMessage[] = []
    for (const k of keys) {
      const forged = await importKey({ kty: 'oct', k: wrongSecret, alg: 'HS256', kid: k.keyid })
      const raw = 'GET /orders HTTP/1.1\r\nHost: api.example\r\n'
      const s = await signMessage(parseHttpMessage(`${raw}\r\n`), { key: forged, created: now })
      requests.push(parseHttpMessage(`${raw}Signature-Input: ${s.signatureInput}\r\nSignature: ${s.signature}\r\n\r\n`))
    }

    const renamed = new Map<string, number>()
    const watcher = watch(dir, (event, name) => {
      if (event === 'rename' && name !== null) renamed.set(String(name), (renamed.get(String(name)) ?? 0) + 1)
    })
    const store = registry.store as FileStore
    const started = Date.now()
    const total = 24_000
    let refused = 0
    for (let i = 0; i < total; i++) {
      try {
        await verifier.verify(requests[i % requests.length] as HttpMessage)
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_SIGNATURE_INVALID') refused++
      }
      // Let timers run now and then, as a server's event loop would between requests.
      if (i % 200 === 199) await new Promise((r) => setImmediate(r))
    }
    const elapsedMs = Date.now() - started
    await registry.flushUsage()
    await new Promise((r) => setTimeout(r, 50))
    watcher.close()

    expect(refused).toBe(total)
    // The registry file itself is never rewritten by counting.
    expect(renamed.get('keys.signet') ?? 0).toBe(0)
    expect(store.stats.writes).toBe(0)
    // Usage: at most one write per interval (plus the final flush), never one per 500 events.
    const bound = Math.ceil(elapsedMs / flushIntervalMs) + 2
    console.log(`${total} refused requests in ${elapsedMs} ms: ${store.stats.usageWrites} usage writes (bound ${bound}), 0 registry rewrites`)
    expect(store.stats.usageWrites).toBeLessThanOrEqual(bound)
    expect(store.stats.usageWrites).toBeLessThan(total / 500)
    // Nothing was lost to the batching.
    let counted = 0
    for (const k of keys) counted += (await registry.usage(k.keyid)).rejections['ERR_SIGNATURE_INVALID'] ?? 0
    expect(counted).toBe(total)
    await registry.close()
  }, 120_000)
})
