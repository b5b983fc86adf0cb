/**
 * Issue 17 through `signet keys`: `--rate-limit`/`--credits` on create, `keys update` (audited,
 * checked before anything is written), `rotate` keeping the lifetime, `keys usage --by --since`
 * as JSON lines, and `signet keys --help` listing every new option.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseHttpMessage, signMessage, importKey } from '@signet/core'
import { openRegistryFromSpec } from '@signet/registry'
import { createVerifier } from '@signet/server'
import { main } from '../../cli/src/main.ts'

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'signet-cli-limits-'))
  const env: Record<string, string | undefined> = { SIGNET_MASTER_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', SIGNET_ACTOR: 'ops@test' }
  const registry = join(dir, 'keys.signet')
  const cli = async (args: string[]) => {
    let out = ''
    let err = ''
    const code = await main(args, { stdin: async () => new Uint8Array(), stdout: (t) => void (out += t), stderr: (t) => void (err += t), env, cwd: dir })
    return { code, out, err, json: () => JSON.parse(out), lines: () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) }
  }
  return { dir, env, registry, cli }
}

describe('signet keys: limits, credits, update, usage', () => {
  it('--help lists every new option', async () => {
    const { cli } = setup()
    const help = await cli(['keys', '--help'])
    expect(help.code).toBe(0)
    for (const word of ['update', '--rate-limit', '--credits', '--credits-refill', '--label', '--by', '--since', 'N/PERIOD', 'ERR_CREDITS_EXHAUSTED']) expect(help.out).toContain(word)
    const update = await cli(['keys', 'update', '--help'])
    for (const option of ['--scopes', '--allow-ip', '--deny-ip', '--expires-in', '--label', '--rate-limit', '--credits', '--credits-refill']) expect(update.out).toContain(option)
    const usage = await cli(['keys', 'usage', '--help'])
    for (const option of ['--since', '--by']) expect(usage.out).toContain(option)
  })

  it('create with limits, update them (audited), rotate keeps the lifetime, usage prints buckets', async () => {
    const { cli, registry, env, dir } = setup()
    const created = await cli(['keys', 'create', registry, '--owner', 'acme', '--alg', 'hmac-sha256', '--rate-limit', '2/1h', '--credits', '10', '--credits-refill', 'monthly', '--expires-in', '30d'])
    expect(created.code, created.err).toBe(0)
    const k = created.json()
    expect(k).toMatchObject({ rateLimit: '2/1h', credits: { amount: 10, refill: 'monthly' } })

    // Bad input is refused before anything is written.
    for (const bad of [['--rate-limit', '2/1y'], ['--credits', '-1'], ['--credits-refill', 'weekly', '--credits', '3'], []]) {
      const r = await cli(['keys', 'update', registry, k.keyid, ...bad])
      expect(r.code, bad.join(' ')).toBe(2)
      expect(JSON.parse(r.err).code).toBe('ERR_USAGE')
    }
    const updated = await cli(['keys', 'update', registry, k.keyid, '--scopes', 'orders:read orders:write', '--label', 'checkout', '--rate-limit', '5/1m', '--credits', '3', '--deny-ip', '192.0.2.0/24'])
    expect(updated.code, updated.err).toBe(0)
    expect(updated.json()).toMatchObject({ scopes: ['orders:read', 'orders:write'], labels: { name: 'checkout' }, rateLimit: '5/1m', credits: { amount: 3, refill: 'none' }, denyIps: ['192.0.2.0/24'] })
    const shown = await cli(['keys', 'show', registry, k.keyid])
    expect(shown.json()).toMatchObject({ creditsRemaining: 3 })
    const audit = (await cli(['keys', 'audit', registry])).lines()
    expect(audit.map((e) => e.action)).toEqual(['create', 'update'])
    expect(audit[1]).toMatchObject({ actor: 'ops@test', details: { rateLimit: '5/1m', credits: 3 } })
    const removed = await cli(['keys', 'update', registry, k.keyid, '--rate-limit', 'none', '--credits', 'none'])
    expect(removed.json().rateLimit).toBeUndefined()
    expect(removed.json().credits).toBeUndefined()

    // Usage: requests through a verifier on the same registry, then the buckets.
    const opened = await openRegistryFromSpec(registry, { env, cwd: dir })
    try {
      const v = createVerifier({ keys: opened.resolver(), nonces: false, admit: opened.admission(), onVerified: (e) => opened.recordUsage(e), onRejected: (e) => opened.recordUsage(e) })
      const key = await importKey(k.jwk)
      for (const ip of ['203.0.113.1', '203.0.113.1', '192.0.2.1']) {
        const raw = 'GET /x HTTP/1.1\r\nHost: api.example\r\n'
        const s = await signMessage(parseHttpMessage(`${raw}\r\n`), { key, created: Math.floor(Date.now() / 1000) })
        await v.verify(parseHttpMessage(`${raw}Signature-Input: ${s.signatureInput}\r\nSignature: ${s.signature}\r\n\r\n`), { clientIp: ip }).catch(() => undefined)
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
      await opened.flushUsage()
    } finally {
      await opened.close()
    }
    const since = String(Math.floor(Date.now() / 1000) - 3600)
    for (const by of ['minute', 'hour', 'day']) {
      const usage = await cli(['keys', 'usage', registry, k.keyid, '--by', by, '--since', since])
      expect(usage.code, usage.err).toBe(0)
      const lines = usage.lines()
      expect(lines.length).toBeGreaterThanOrEqual(1)
      expect(Object.keys(lines[0]).sort()).toEqual(['rejections', 'requests', 'start'])
      expect(lines.reduce((n: number, l: { requests: number }) => n + l.requests, 0)).toBe(2)
      expect(lines.reduce((n: number, l: { rejections: Record<string, number> }) => n + (l.rejections['ERR_IP_DENIED'] ?? 0), 0)).toBe(1)
    }
    expect((await cli(['keys', 'usage', registry, k.keyid, '--by', 'week'])).code).toBe(2)

    // Rotation keeps the remaining lifetime unless --expires-in is given.
    const rotated = await cli(['keys', 'rotate', registry, k.keyid])
    expect(rotated.code, rotated.err).toBe(0)
    expect(rotated.json().expires).toBe(k.expires)
    const given = await cli(['keys', 'rotate', registry, rotated.json().keyid, '--expires-in', '1h'])
    expect(given.json().expires).toBeLessThan(k.expires)
  })
})
