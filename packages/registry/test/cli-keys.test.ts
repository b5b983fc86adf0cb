/**
 * `signet keys` in-process, through the CLI dispatcher (packages/cli/src/main.ts), as CLI.md
 * "Keys (`signet keys`)" describes it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exportJwk, exportPem, generateKey, importKey, parseHttpMessage, publicKey, verifyMessage } from '@signet/core'
import { freePort } from './redis-server.ts'
import { generateKeyId, generateMasterKey, openRegistryFromSpec } from '@signet/registry'
import { main } from '../../cli/src/main.ts'

interface Result {
  code: number
  out: string
  err: string
  json: () => any
  lines: () => any[]
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'signet-cli-keys-'))
  const masterKey = generateMasterKey()
  const registry = join(dir, 'keys.signet')
  const env: Record<string, string | undefined> = { SIGNET_MASTER_KEY: masterKey, SIGNET_ACTOR: 'ops@test' }
  const cli = async (args: string[], extraEnv: Record<string, string | undefined> = {}, stdin = ''): Promise<Result> => {
    let out = ''
    let err = ''
    const code = await main(args, {
      stdin: async () => new TextEncoder().encode(stdin),
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      env: { ...env, ...extraEnv },
      cwd: dir,
    })
    return { code, out, err, json: () => JSON.parse(out), lines: () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) }
  }
  return { dir, masterKey, registry, env, cli }
}

/** Exit 2, one JSON line `{ code, message }` on stderr, nothing on stdout. */
function expectFailure(r: Result, code: string): void {
  expect(r.code, r.err).toBe(2)
  expect(r.out).toBe('')
  const lines = r.err.split('\n').filter((l) => l !== '')
  expect(lines.length).toBe(1)
  const report = JSON.parse(lines[0] as string)
  expect(report.code).toBe(code)
  expect(typeof report.message).toBe('string')
}

describe('signet keys', () => {
  it('create (HMAC) prints keyid, alg, owner, expires, secret and a JWK that signet sign accepts', async () => {
    const { cli, registry, dir, env } = setup()
    const r = await cli(['keys', 'create', '--registry', registry, '--owner', 'acme', '--alg', 'hmac-sha256', '--scopes', 'orders:read orders:write', '--allow-ip', '10.0.0.0/8 2001:db8::/32', '--deny-ip', '10.9.9.9', '--expires-in', '30d'])
    expect(r.code, r.err).toBe(0)
    const k = r.json()
    expect(Object.keys(k).slice(0, 4)).toEqual(['keyid', 'alg', 'owner', 'expires'])
    expect(k).toMatchObject({ alg: 'hmac-sha256', owner: 'acme', scopes: ['orders:read', 'orders:write'], allowIps: ['10.0.0.0/8', '2001:db8::/32'], denyIps: ['10.9.9.9'], state: 'active' })
    expect(k.expires - Math.floor(Date.now() / 1000)).toBeGreaterThan(30 * 86400 - 60)
    expect(k.secret).toMatch(/^sgn_sk_[0-9A-Za-z]{49}$/)
    expect(k.jwk).toEqual({ kty: 'oct', kid: k.keyid, alg: 'HS256', k: Buffer.from(k.secret).toString('base64url') })
    // The printed JWK signs with `signet sign --key`, and the registry verifies it.
    writeFileSync(join(dir, 'k.jwk'), JSON.stringify(k.jwk))
    writeFileSync(join(dir, 'req.http'), 'GET /orders HTTP/1.1\r\nHost: api.example\r\n\r\n')
    const signed = await cli(['sign', '--key', 'k.jwk', 'req.http'])
    expect(signed.code, signed.err).toBe(0)
    expect(signed.out).toContain(`keyid="${k.keyid}"`)
    const reg = await openRegistryFromSpec(registry, { env })
    const verified = await verifyMessage(parseHttpMessage(signed.out), { key: async ({ keyid }) => (await reg.resolve(keyid as string))?.key })
    expect(verified[0]?.keyid).toBe(k.keyid)
    await reg.close()
    // Secrets are shown once: never by list or show, never in the file.
    const shown = (await cli(['keys', 'list', '--registry', registry])).out + (await cli(['keys', 'show', '--registry', registry, k.keyid])).out
    expect(shown).toContain(k.keyid)
    expect(shown).not.toContain(k.secret)
    expect(readFileSync(registry).indexOf(Buffer.from(k.secret))).toBe(-1)
  })

  it('create registers a public key (JWK or PEM) or generates a pair and shows the private key once', async () => {
    const { cli, registry, dir } = setup()
    const pair = await generateKey('ed25519')
    writeFileSync(join(dir, 'pub.jwk'), JSON.stringify(await exportJwk(publicKey(pair))))
    const a = await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--public-key', 'pub.jwk'])
    expect(a.code, a.err).toBe(0)
    expect(a.json()).toMatchObject({ alg: 'ed25519', type: 'ed25519' })
    expect(a.json().privateKey).toBeUndefined()
    const ec = await generateKey('ecdsa-p256-sha256')
    writeFileSync(join(dir, 'pub.pem'), await exportPem(publicKey(ec)))
    const b = await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--public-key', 'pub.pem'])
    expect(b.code, b.err).toBe(0)
    expect(b.json().alg).toBe('ecdsa-p256-sha256')
    const c = await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'ed25519'])
    expect(c.code, c.err).toBe(0)
    const privateKey = c.json().privateKey
    expect(privateKey).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: c.json().keyid })
    expect(typeof privateKey.d).toBe('string')
    expect((await importKey(privateKey)).type).toBe('private')
    const show = await cli(['keys', 'show', '--registry', registry, c.json().keyid])
    expect(show.out).not.toContain(privateKey.d)
    // A key registered from the user's public key is not rotated into a pair made here: the
    // successor's public key is required, and nothing is written without it.
    const registered = a.json().keyid
    const unchanged = readFileSync(registry)
    const refused = await cli(['keys', 'rotate', '--registry', registry, registered])
    expectFailure(refused, 'ERR_USAGE')
    expect(JSON.parse(refused.err).message).toContain('public key')
    expect(readFileSync(registry).equals(unchanged)).toBe(true)
    const nextPair = await generateKey('ed25519')
    writeFileSync(join(dir, 'next.jwk'), JSON.stringify(await exportJwk(publicKey(nextPair))))
    const rotated = await cli(['keys', 'rotate', '--registry', registry, registered, '--public-key', 'next.jwk'])
    expect(rotated.code, rotated.err).toBe(0)
    expect(rotated.json()).toMatchObject({ replaces: registered, alg: 'ed25519' })
    expect(rotated.json().privateKey).toBeUndefined()
    // A pair generated here still rotates to a new generated pair, shown once.
    const regenerated = await cli(['keys', 'rotate', '--registry', registry, c.json().keyid])
    expect(regenerated.code, regenerated.err).toBe(0)
    expect(regenerated.json().privateKey).toMatchObject({ kid: regenerated.json().keyid })
    // A private key given as --public-key is refused, and nothing is written.
    writeFileSync(join(dir, 'priv.jwk'), JSON.stringify(await exportJwk(pair, { private: true })))
    const before = readFileSync(registry)
    expectFailure(await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--public-key', 'priv.jwk']), 'ERR_KEY_INVALID')
    expect(readFileSync(registry).equals(before)).toBe(true)
  })

  it('list, show, rotate, disable, enable, revoke, usage, audit', async () => {
    const { cli, registry } = setup()
    const a = (await cli(['keys', 'create', '--registry', registry, '--owner', 'acme', '--alg', 'hmac-sha256', '--scopes', 'read'])).json()
    const b = (await cli(['keys', 'create', '--registry', registry, '--owner', 'acme', '--alg', 'hmac-sha256', '--scopes', 'write'])).json()
    await cli(['keys', 'create', '--registry', registry, '--owner', 'globex', '--alg', 'hmac-sha256'])
    const list = await cli(['keys', 'list', '--registry', registry, '--owner', 'acme'])
    expect(list.code).toBe(0)
    expect(list.json().map((k: { keyid: string }) => k.keyid).sort()).toEqual([a.keyid, b.keyid].sort())
    expect((await cli(['keys', 'list', '--registry', registry])).json().length).toBe(3)
    // Options in any order; the registry may also come first as a positional argument.
    const show = await cli(['keys', 'show', a.keyid, '--registry', registry])
    expect(show.json()).toMatchObject({ keyid: a.keyid, owner: 'acme', scopes: ['read'], state: 'active', lastUsed: null })
    expect((await cli(['keys', 'show', registry, a.keyid])).json().keyid).toBe(a.keyid)

    const rot = await cli(['keys', 'rotate', '--registry', registry, a.keyid, '--overlap', '1h'])
    expect(rot.code, rot.err).toBe(0)
    const next = rot.json()
    expect(Object.keys(next).slice(0, 4)).toEqual(['keyid', 'alg', 'owner', 'expires'])
    expect(next).toMatchObject({ owner: 'acme', scopes: ['read'], replaces: a.keyid })
    expect(next.secret).toMatch(/^sgn_sk_/)
    expect(next.jwk.kid).toBe(next.keyid)
    const now = Math.floor(Date.now() / 1000)
    expect(next.previous.overlapUntil - now).toBeGreaterThan(3600 - 60)
    expect((await cli(['keys', 'show', '--registry', registry, a.keyid])).json()).toMatchObject({ replacedBy: next.keyid, overlapUntil: next.previous.overlapUntil })

    expect((await cli(['keys', 'disable', '--registry', registry, b.keyid])).json().state).toBe('disabled')
    expect((await cli(['keys', 'enable', '--registry', registry, b.keyid])).json().state).toBe('active')
    expect((await cli(['keys', 'revoke', '--registry', registry, b.keyid])).json().state).toBe('revoked')
    const before = readFileSync(registry)
    expectFailure(await cli(['keys', 'enable', '--registry', registry, b.keyid]), 'ERR_INVALID_STATE')
    expect(readFileSync(registry).equals(before)).toBe(true)

    const usage = await cli(['keys', 'usage', '--registry', registry, a.keyid])
    expect(usage.code).toBe(0)
    // CLI.md "Additions": one JSON line per non-empty bucket; an unused key has none.
    expect(usage.lines()).toEqual([])

    const audit = await cli(['keys', 'audit', '--registry', registry])
    expect(audit.code).toBe(0)
    const entries = audit.lines()
    expect(entries.map((e) => e.action)).toEqual(['create', 'create', 'create', 'rotate', 'create', 'disable', 'enable', 'revoke'])
    expect(entries.every((e) => e.actor === 'ops@test' && typeof e.time === 'number')).toBe(true)
    expect((await cli(['keys', 'audit', '--registry', registry, '--since', String(now + 3600)])).out).toBe('')
    expect(audit.out).not.toContain(a.secret)
  })

  it('--scopes splits on whitespace only (a scope may hold a comma); IP lists also on commas', async () => {
    const { cli, registry } = setup()
    const r = await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--scopes', 'a,b  c', '--allow-ip', '10.0.0.0/8,192.0.2.1 2001:db8::/32'])
    expect(r.code, r.err).toBe(0)
    expect(r.json().scopes).toEqual(['a,b', 'c'])
    expect(r.json().allowIps).toEqual(['10.0.0.0/8', '192.0.2.1', '2001:db8::/32'])
  })

  it('an explicit lifetime is at most 100 years: longer is ERR_INVALID_EXPIRY and writes nothing', async () => {
    const { cli, registry } = setup()
    const k = (await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', '5214w'])).json()
    // 5214 weeks is just under 100 years of 365 days: accepted.
    expect(k.expires - Math.floor(Date.now() / 1000)).toBeGreaterThan(5214 * 604_800 - 60)
    const before = readFileSync(registry)
    for (const args of [
      ['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', '999999999w'],
      ['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'ed25519', '--expires-in', '5215w'],
      ['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', '36501d'],
      ['keys', 'rotate', '--registry', registry, k.keyid, '--expires-in', '999999999w'],
    ]) {
      expectFailure(await cli(args), 'ERR_INVALID_EXPIRY')
      expect(readFileSync(registry).equals(before), args.join(' ')).toBe(true)
    }
    expect((await cli(['keys', 'audit', '--registry', registry])).lines().length).toBe(1)
  })

  it('--overlap is at most 30d, even for a key that never expires: longer is ERR_INVALID_EXPIRY, unparsable ERR_USAGE; nothing written', async () => {
    const { cli, registry } = setup()
    const k = (await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', 'never'])).json()
    expect(k.expires).toBeNull()
    const before = readFileSync(registry)
    const cases: [string, string][] = [
      ['31d', 'ERR_INVALID_EXPIRY'], ['2592001s', 'ERR_INVALID_EXPIRY'], ['5w', 'ERR_INVALID_EXPIRY'], ['999999999w', 'ERR_INVALID_EXPIRY'],
      ['1.5d', 'ERR_USAGE'], ['-1d', 'ERR_USAGE'], ['forever', 'ERR_USAGE'], ['30', 'ERR_USAGE'],
    ]
    for (const [overlap, code] of cases) {
      expectFailure(await cli(['keys', 'rotate', '--registry', registry, k.keyid, '--overlap', overlap]), code)
      expect(readFileSync(registry).equals(before), overlap).toBe(true)
    }
    expect((await cli(['keys', 'show', '--registry', registry, k.keyid])).json()).toMatchObject({ replacedBy: null, overlapUntil: null })
    expect((await cli(['keys', 'audit', '--registry', registry])).lines().map((e) => e.action)).toEqual(['create'])
    // 30 days exactly is accepted, and bounds the never-expiring old key.
    const start = Math.floor(Date.now() / 1000)
    const rot = await cli(['keys', 'rotate', '--registry', registry, k.keyid, '--overlap', '30d'])
    expect(rot.code, rot.err).toBe(0)
    const end = Math.floor(Date.now() / 1000)
    expect(rot.json().previous.overlapUntil).toBeGreaterThanOrEqual(start + 30 * 86_400)
    expect(rot.json().previous.overlapUntil).toBeLessThanOrEqual(end + 30 * 86_400)
  })

  it('show and list print "generated" for asymmetric keys (false: rotation needs --public-key), never a secret', async () => {
    const { cli, registry, dir } = setup()
    const pair = await generateKey('ed25519')
    writeFileSync(join(dir, 'pub.jwk'), JSON.stringify(await exportJwk(publicKey(pair))))
    const registered = (await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--public-key', 'pub.jwk'])).json()
    const made = (await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'ecdsa-p256-sha256'])).json()
    const hmac = (await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256'])).json()
    const show = async (id: string) => {
      const r = await cli(['keys', 'show', '--registry', registry, id])
      expect(r.code, r.err).toBe(0)
      return r
    }
    expect((await show(registered.keyid)).json().generated).toBe(false)
    expect((await show(made.keyid)).json().generated).toBe(true)
    expect('generated' in (await show(hmac.keyid)).json()).toBe(false)
    const list = await cli(['keys', 'list', '--registry', registry])
    expect(list.code, list.err).toBe(0)
    expect(Object.fromEntries(list.json().map((k: { keyid: string; generated?: boolean }) => [k.keyid, k.generated ?? 'absent']))).toEqual({
      [registered.keyid]: false, [made.keyid]: true, [hmac.keyid]: 'absent',
    })
    // What the flag announces holds: the registered key needs --public-key, the generated one does not.
    expectFailure(await cli(['keys', 'rotate', '--registry', registry, registered.keyid]), 'ERR_USAGE')
    expect((await cli(['keys', 'rotate', '--registry', registry, made.keyid])).code).toBe(0)
    // Neither output carries secret or private material.
    const printed = list.out + (await show(made.keyid)).out + (await show(hmac.keyid)).out
    expect(printed).not.toContain(made.privateKey.d)
    expect(printed).not.toContain(hmac.secret)
    expect(printed).not.toContain('"d"')
  })

  it('--master-key-file instead of the environment; --expires-in never', async () => {
    const { cli, registry, dir, masterKey } = setup()
    writeFileSync(join(dir, 'master.key'), `${masterKey}\n`)
    const r = await cli(['keys', 'create', '--registry', registry, '--master-key-file', 'master.key', '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', 'never'], { SIGNET_MASTER_KEY: undefined })
    expect(r.code, r.err).toBe(0)
    expect(r.json().expires).toBeNull()
    expect((await cli(['keys', 'list', '--registry', registry])).json().length).toBe(1)
  })

  it('rewrap rotates the master key: the old key no longer opens the registry, the new one does, secrets unchanged', async () => {
    const { cli, registry, dir, masterKey } = setup()
    const k = (await cli(['keys', 'create', '--registry', registry, '--owner', 'acme', '--alg', 'hmac-sha256'])).json()
    const next = generateMasterKey()
    writeFileSync(join(dir, 'next.key'), `${next}\n`)
    const started = Math.floor(Date.now() / 1000)
    const r = await cli(['keys', 'rewrap', '--registry', registry, '--new-master-key-file', 'next.key'], { SIGNET_ACTOR: 'rotator@test' })
    expect(r.code, r.err).toBe(0)
    expect(r.json()).toMatchObject({ rewrapped: true })
    expect(r.out).not.toContain(next)
    // The rewrap is in the audit log: a registry-wide entry (no key, no owner), by its actor.
    const audit = await cli(['keys', 'audit', '--registry', registry], { SIGNET_MASTER_KEY: next })
    expect(audit.code, audit.err).toBe(0)
    const entries = audit.lines()
    expect(entries.map((e) => e.action)).toEqual(['create', 'rewrap'])
    expect(entries[1]).toEqual({ time: entries[1].time, actor: 'rotator@test', action: 'rewrap', keyid: '', owner: '' })
    expect(entries[1].time).toBeGreaterThanOrEqual(started)
    expect(audit.out).not.toContain(next)
    expect(audit.out).not.toContain(masterKey)
    expectFailure(await cli(['keys', 'list', '--registry', registry], { SIGNET_MASTER_KEY: masterKey }), 'ERR_MASTER_KEY')
    const shown = await cli(['keys', 'show', '--registry', registry, k.keyid], { SIGNET_MASTER_KEY: next })
    expect(shown.code, shown.err).toBe(0)
    expect(shown.json()).toMatchObject({ keyid: k.keyid, owner: 'acme', state: 'active' })
    // The secret still resolves to the key that was shown at creation.
    const opened = await openRegistryFromSpec(registry, { env: { SIGNET_MASTER_KEY: next } })
    try {
      const record = await opened.resolve(k.keyid)
      expect(record?.key.kid).toBe(k.keyid)
      const expected = await importKey(k.jwk, { alg: 'hmac-sha256' })
      expect(await exportJwk(record!.key, { private: true })).toEqual(await exportJwk(expected, { private: true }))
    } finally {
      await opened.close()
    }
  })

  describe('bad input: exit 2, one coded JSON line, nothing written', () => {
    it('refuses each bad input before writing', async () => {
      const { cli, registry, dir } = setup()
      const k = (await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256'])).json()
      const before = readFileSync(registry)
      const typo = k.keyid.slice(0, -1) + (k.keyid.endsWith('a') ? 'b' : 'a')
      writeFileSync(join(dir, 'garbage.jwk'), 'not a key')
      const cases: [string[], string][] = [
        [['keys', 'show', '--registry', registry, typo], 'ERR_KEY_ID_MALFORMED'],
        [['keys', 'revoke', '--registry', registry, 'sgn_id_short'], 'ERR_KEY_ID_MALFORMED'],
        [['keys', 'show', '--registry', registry, generateKeyId()], 'ERR_KEY_NOT_FOUND'],
        [['keys', 'disable', '--registry', registry, generateKeyId()], 'ERR_KEY_NOT_FOUND'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--allow-ip', '10.0.0.0/40'], 'ERR_INVALID_IP_RANGE'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--deny-ip', 'example.com'], 'ERR_INVALID_IP_RANGE'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', '1m', '--not-before', String(Math.floor(Date.now() / 1000) + 3600)], 'ERR_INVALID_EXPIRY'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', '-5d'], 'ERR_USAGE'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256', '--expires-in', '0d'], 'ERR_USAGE'],
        [['keys', 'create', '--registry', registry, '--alg', 'hmac-sha256'], 'ERR_USAGE'],
        [['keys', 'create', '--registry', registry, '--owner', 'o'], 'ERR_USAGE'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-md5'], 'ERR_USAGE'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--public-key', 'missing.jwk'], 'ERR_IO'],
        [['keys', 'create', '--registry', registry, '--owner', 'o', '--public-key', 'garbage.jwk'], 'ERR_KEY_INVALID'],
        [['keys', 'create', '--owner', 'o', '--alg', 'hmac-sha256'], 'ERR_USAGE'],
        [['keys', 'show', '--registry', registry], 'ERR_USAGE'],
        [['keys', 'show', '--registry', registry, k.keyid, 'extra'], 'ERR_USAGE'],
        [['keys', 'rotate', '--registry', registry, k.keyid, '--overlap', 'soon'], 'ERR_USAGE'],
        [['keys', 'audit', '--registry', registry, '--since', 'yesterday'], 'ERR_USAGE'],
        [['keys', 'frobnicate', '--registry', registry], 'ERR_USAGE'],
        [['keys'], 'ERR_USAGE'],
        [['keys', 'list', '--registry', registry, '--bogus'], 'ERR_USAGE'],
        [['keys', 'rewrap', '--registry', registry], 'ERR_USAGE'],
        [['keys', 'rewrap', '--registry', registry, '--new-master-key-file', 'missing.key'], 'ERR_IO'],
        [['keys', 'rewrap', '--registry', registry, '--new-master-key-file', 'garbage.jwk'], 'ERR_MASTER_KEY'],
      ]
      for (const [args, code] of cases) {
        const r = await cli(args)
        expectFailure(r, code)
        expect(readFileSync(registry).equals(before), args.join(' ')).toBe(true)
      }
      expect((await cli(['keys', 'audit', '--registry', registry])).lines().length).toBe(1)
    })

    it('refuses a wrong or missing master key, and a corrupt or foreign file', async () => {
      const { cli, registry, dir } = setup()
      await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256'])
      const before = readFileSync(registry)
      expectFailure(await cli(['keys', 'list', '--registry', registry], { SIGNET_MASTER_KEY: generateMasterKey() }), 'ERR_MASTER_KEY')
      expectFailure(await cli(['keys', 'create', '--registry', registry, '--owner', 'o', '--alg', 'hmac-sha256'], { SIGNET_MASTER_KEY: generateMasterKey() }), 'ERR_MASTER_KEY')
      expectFailure(await cli(['keys', 'list', '--registry', registry], { SIGNET_MASTER_KEY: undefined }), 'ERR_MASTER_KEY')
      expectFailure(await cli(['keys', 'list', '--registry', registry], { SIGNET_MASTER_KEY: 'bm90LWEta2V5' }), 'ERR_MASTER_KEY')
      expect(readFileSync(registry).equals(before)).toBe(true)
      for (const [name, content] of [['corrupt.signet', before.subarray(0, 100)], ['foreign.json', Buffer.from('{"compilerOptions":{}}')]] as const) {
        const path = join(dir, name)
        writeFileSync(path, content)
        expectFailure(await cli(['keys', 'create', '--registry', path, '--owner', 'o', '--alg', 'hmac-sha256']), 'ERR_REGISTRY_CORRUPT')
        expectFailure(await cli(['keys', 'list', '--registry', path]), 'ERR_REGISTRY_CORRUPT')
        expect(readFileSync(path).equals(Buffer.from(content))).toBe(true)
      }
      // A registry that does not exist is not created by a failing command.
      const absent = join(dir, 'absent.signet')
      expectFailure(await cli(['keys', 'create', '--registry', absent, '--owner', 'o', '--alg', 'hmac-sha256', '--allow-ip', 'x']), 'ERR_INVALID_IP_RANGE')
      expect(existsSync(absent)).toBe(false)
      // Nor does a rewrap: a mistyped path must not become a new, empty registry.
      writeFileSync(join(dir, 'next.key'), generateMasterKey())
      expectFailure(await cli(['keys', 'rewrap', '--registry', absent, '--new-master-key-file', 'next.key']), 'ERR_IO')
      expect(existsSync(absent)).toBe(false)
      // A rewrap under the wrong current master key changes nothing.
      expectFailure(await cli(['keys', 'rewrap', '--registry', registry, '--new-master-key-file', 'next.key'], { SIGNET_MASTER_KEY: generateMasterKey() }), 'ERR_MASTER_KEY')
      expect(readFileSync(registry).equals(before)).toBe(true)
    })

    it('refuses an unreachable Redis with ERR_STORE_UNAVAILABLE, promptly', async () => {
      const { cli } = setup()
      const port = await freePort()
      const started = Date.now()
      expectFailure(await cli(['keys', 'list', '--registry', `redis://127.0.0.1:${port}`]), 'ERR_STORE_UNAVAILABLE')
      expect(Date.now() - started).toBeLessThan(5000)
    })
  })
})
