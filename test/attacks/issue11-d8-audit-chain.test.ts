/**
 * Issue 11, defect 8: the audit log is a hash chain under the master key. Every single-byte
 * change anywhere in the audit section of a small log, and the removal of any entry (in the
 * middle or at the end), is reported as a break: `ERR_REGISTRY_CORRUPT` naming the entry, from
 * `Registry.audit` and from `signet keys audit`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileStore, MemoryStore, generateMasterKey, openRegistry } from '@signet/registry'
import type { AuditEntry } from '@signet/registry'
import { main } from '../../packages/cli/src/main.ts'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function smallLog(): Promise<{ path: string; masterKey: string; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-audit-'))
  dirs.push(dir)
  const path = join(dir, 'keys.signet')
  const masterKey = generateMasterKey()
  const registry = await openRegistry({ store: new FileStore(path), masterKey, actor: 'ops' })
  const k = await registry.create({ owner: 'acme' })
  await registry.disable(k.keyid)
  await registry.enable(k.keyid, { actor: 'eve' })
  await registry.revoke(k.keyid)
  expect((await registry.audit()).map((e) => e.action)).toEqual(['create', 'disable', 'enable', 'revoke'])
  return { path, masterKey, text: readFileSync(path, 'latin1') }
}

async function auditOutcome(path: string, masterKey: string): Promise<{ code?: string; message?: string }> {
  try {
    const registry = await openRegistry({ store: new FileStore(path), masterKey })
    await registry.audit()
    return {}
  } catch (err) {
    return { code: (err as { code?: string }).code ?? String(err), message: (err as Error).message }
  }
}

describe('issue 11 defect 8: audit hash chain', () => {
  it('a single-byte change at every byte of the audit section is reported', async () => {
    const { path, masterKey, text } = await smallLog()
    const section = `"audit":${JSON.stringify(JSON.parse(text).audit)}`
    const start = text.indexOf(section)
    const end = start + section.length
    expect(start).toBeGreaterThan(0)
    expect(end).toBeGreaterThan(start)
    let named = 0
    for (let i = start; i < end; i++) {
      const flipped = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 0x01) + text.slice(i + 1)
      writeFileSync(path, flipped, 'latin1')
      const outcome = await auditOutcome(path, masterKey)
      expect(outcome.code, `byte ${i - start} (${JSON.stringify(text[i])}) of the audit section`).toBe('ERR_REGISTRY_CORRUPT')
      if (/audit log breaks at entry \d/.test(outcome.message ?? '')) named++
    }
    // Many flips keep the JSON valid and are caught by the chain itself, which says where.
    expect(named).toBeGreaterThan((end - start) / 3)
    writeFileSync(path, text, 'latin1')
    expect(await auditOutcome(path, masterKey)).toEqual({})
  })

  it('removing any entry, in the middle or at the end, is a break at that entry', async () => {
    const { path, masterKey, text } = await smallLog()
    const file = JSON.parse(text)
    const entries = file.audit as AuditEntry[]
    for (let i = 0; i < entries.length; i++) {
      writeFileSync(path, JSON.stringify({ ...file, audit: entries.filter((_, j) => j !== i) }))
      const outcome = await auditOutcome(path, masterKey)
      expect(outcome.code).toBe('ERR_REGISTRY_CORRUPT')
      expect(outcome.message).toMatch(new RegExp(`breaks at entry ${i} of ${entries.length - 1}`))
    }
    // Two entries swapped, and an entry appended by someone without the master key.
    writeFileSync(path, JSON.stringify({ ...file, audit: [entries[1], entries[0], ...entries.slice(2)] }))
    expect((await auditOutcome(path, masterKey)).message).toMatch(/breaks at entry 0/)
    writeFileSync(path, JSON.stringify({ ...file, audit: [...entries, { ...entries[3], actor: 'mallory' }] }))
    expect((await auditOutcome(path, masterKey)).message).toMatch(/breaks at entry 4/)
  })

  it('signet keys audit reports where the chain breaks (exit 2, the coded error)', async () => {
    const { path, masterKey, text } = await smallLog()
    const file = JSON.parse(text)
    file.audit[2].actor = 'ops' // eve's entry, rewritten
    writeFileSync(path, JSON.stringify(file))
    let err = ''
    const code = await main(['keys', 'audit', '--registry', path], {
      stdin: async () => new Uint8Array(0),
      stdout: () => undefined,
      stderr: (t) => void (err += t),
      env: { SIGNET_MASTER_KEY: masterKey },
      cwd: tmpdir(),
    })
    expect(code).toBe(2)
    expect(JSON.parse(err)).toMatchObject({ code: 'ERR_REGISTRY_CORRUPT', message: expect.stringMatching(/breaks at entry 2 of 4/) })
  })

  it('the memory store keeps the same chain', async () => {
    const store = new MemoryStore()
    const registry = await openRegistry({ store, masterKey: generateMasterKey() })
    const k = await registry.create({ owner: 'o' })
    await registry.revoke(k.keyid)
    expect((await registry.audit()).length).toBe(2)
    const log = await store.readAudit()
    expect(log.every((e) => typeof e.mac === 'string')).toBe(true)
  })
})
