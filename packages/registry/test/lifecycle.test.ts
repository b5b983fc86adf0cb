import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exportJwk, generateKey, publicKey } from '@signet/core'
import {
  DEFAULT_LIFETIME_SECONDS, FileStore, MemoryStore, generateKeyId, generateMasterKey, isKeyId, isSecret, openRegistry,
} from '@signet/registry'
import type { Registry, RegistryStore } from '@signet/registry'
import { clock, codeOf, roundTrip, signerOf } from './helpers.ts'
import type { Clock } from './helpers.ts'

async function fresh(c: Clock = clock(), store: RegistryStore = new MemoryStore()): Promise<{ registry: Registry; c: Clock; store: RegistryStore; masterKey: string }> {
  const masterKey = generateMasterKey()
  const registry = await openRegistry({ store, masterKey, now: c.now, actor: 'alice@test' })
  return { registry, c, store, masterKey }
}

describe('create', () => {
  it('issues an HMAC key: id, secret and JWK shown once, 90-day default expiry, verifies', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'acme', scopes: ['orders:read', 'orders:write'], allowIps: ['10.0.0.0/8'], denyIps: ['10.9.9.9'], labels: { name: 'checkout service' } })
    expect(isKeyId(k.keyid)).toBe(true)
    expect(isSecret(k.secret)).toBe(true)
    expect(k.jwk).toEqual({ kty: 'oct', kid: k.keyid, alg: 'HS256', k: Buffer.from(k.secret as string).toString('base64url') })
    expect(k).toMatchObject({ alg: 'hmac-sha256', type: 'hmac', owner: 'acme', state: 'active', expires: c.t + DEFAULT_LIFETIME_SECONDS, created: c.t })
    const record = await registry.resolve(k.keyid)
    expect(record).toMatchObject({ id: k.keyid, owner: 'acme', scopes: ['orders:read', 'orders:write'], allowIps: ['10.0.0.0/8'], denyIps: ['10.9.9.9'], state: 'active', expires: c.t + DEFAULT_LIFETIME_SECONDS, label: 'checkout service' })
    expect(record?.key.algorithm.name).toBe('hmac-sha256')
    expect(await roundTrip(registry, await signerOf(k), c.t)).toBe('ok')
    // Never shown again.
    const shown = JSON.stringify([await registry.get(k.keyid), await registry.list(), await registry.audit()])
    expect(shown).not.toContain(k.secret as string)
    expect(shown).not.toContain(k.jwk?.k as string)
  })

  it('expiry: default, explicit, never (explicit only), past refused', async () => {
    const { registry, c } = await fresh()
    const short = await registry.create({ owner: 'o', expiresIn: 60 })
    expect(short.expires).toBe(c.t + 60)
    const signer = await signerOf(short)
    expect(await roundTrip(registry, signer, c.t + 59)).toBe('ok')
    expect(await roundTrip(registry, signer, c.t + 60)).toBe('ERR_KEY_EXPIRED')
    const forever = await registry.create({ owner: 'o', expiresIn: null })
    expect(forever.expires).toBeNull()
    expect((await registry.resolve(forever.keyid))?.expires).toBeUndefined()
    expect(await roundTrip(registry, await signerOf(forever), c.t + 10 * 365 * 86400)).toBe('ok')
    const before = (await registry.list()).length
    expect(await codeOf(registry.create({ owner: 'o', expires: c.t - 1 }))).toBe('ERR_INVALID_EXPIRY')
    expect(await codeOf(registry.create({ owner: 'o', expires: c.t }))).toBe('ERR_INVALID_EXPIRY')
    expect(await codeOf(registry.create({ owner: 'o', expiresIn: -5 }))).toBe('ERR_INVALID_EXPIRY')
    expect(await codeOf(registry.create({ owner: 'o', expiresIn: 60, notBefore: c.t + 120 }))).toBe('ERR_INVALID_EXPIRY')
    expect((await registry.list()).length).toBe(before)
  })

  it('expiry is whole seconds at most 100 years ahead; only null means never; refusals write nothing', async () => {
    const { registry, c, store } = await fresh()
    const century = 100 * 365 * 86_400
    expect((await registry.create({ owner: 'o', expiresIn: century })).expires).toBe(c.t + century)
    expect((await registry.create({ owner: 'o', expires: c.t + century })).expires).toBe(c.t + century)
    const k = await registry.create({ owner: 'o' })
    const keys = (await registry.list()).length
    const audit = (await store.readAudit()).length
    const bad: [string, () => Promise<unknown>][] = [
      ['expiresIn 1e300', () => registry.create({ owner: 'o', expiresIn: 1e300 })],
      ['expiresIn century + 1', () => registry.create({ owner: 'o', expiresIn: century + 1 })],
      ['expiresIn max safe', () => registry.create({ owner: 'o', expiresIn: Number.MAX_SAFE_INTEGER })],
      ['expiresIn Infinity', () => registry.create({ owner: 'o', expiresIn: Infinity })],
      ['expiresIn NaN', () => registry.create({ owner: 'o', expiresIn: NaN })],
      ['expiresIn 1.5', () => registry.create({ owner: 'o', expiresIn: 1.5 })],
      ['expires 1e300', () => registry.create({ owner: 'o', expires: 1e300 })],
      ['expires century + 1', () => registry.create({ owner: 'o', expires: c.t + century + 1 })],
      ['expires fractional', () => registry.create({ owner: 'o', expires: c.t + 60.5 })],
      ['rotate expiresIn 1e300', () => registry.rotate(k.keyid, { expiresIn: 1e300 })],
      ['rotate expiresIn century + 1', () => registry.rotate(k.keyid, { expiresIn: century + 1 })],
    ]
    for (const [name, call] of bad) expect(await codeOf(call), name).toBe('ERR_INVALID_EXPIRY')
    expect((await registry.list()).length).toBe(keys)
    expect((await store.readAudit()).length).toBe(audit)
    expect((await registry.get(k.keyid)).replacedBy).toBeNull()
    // A default lifetime beyond the bound is refused when the registry is opened.
    expect(await codeOf(openRegistry({ store: new MemoryStore(), masterKey: generateMasterKey(), defaultLifetimeSeconds: century + 1 }))).toBe('RangeError')
  })

  it('not-before: refused before, accepted from then on', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'o', notBefore: c.t + 100 })
    const signer = await signerOf(k)
    expect(await roundTrip(registry, signer, c.t + 99)).toBe('ERR_KEY_NOT_YET_VALID')
    expect(await roundTrip(registry, signer, c.t + 100)).toBe('ok')
  })

  it('asymmetric keys: generated here (private key shown once) or registered from a public key', async () => {
    const { registry, c } = await fresh()
    for (const alg of ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384'] as const) {
      const k = await registry.create({ owner: 'o', alg })
      expect(k.privateKey).toBeDefined()
      expect(k.secret).toBeUndefined()
      expect(k.publicKey).toBeDefined()
      expect(JSON.stringify(k.publicKey)).not.toContain('"d"')
      expect(await roundTrip(registry, await signerOf(k), c.t)).toBe('ok')
      expect(JSON.stringify(await registry.get(k.keyid))).not.toContain((k.privateKey as { d: string }).d)
    }
    // The user generates the pair; only the public half is registered.
    const pair = await generateKey('ed25519')
    const registered = await registry.create({ owner: 'o', publicKey: await exportJwk(publicKey(pair)) })
    expect(registered.privateKey).toBeUndefined()
    expect(registered.type).toBe('ed25519')
    const userSigner = await generateKey('ed25519', { kid: registered.keyid })
    expect(await roundTrip(registry, userSigner, c.t)).toBe('ERR_SIGNATURE_INVALID') // another pair
    const own = await (await import('@signet/core')).importKey(await exportJwk(pair, { private: true }), { kid: registered.keyid })
    expect(await roundTrip(registry, own, c.t)).toBe('ok')
    // A private key is refused: it never leaves its owner.
    const before = (await registry.list()).length
    expect(await codeOf(registry.create({ owner: 'o', publicKey: await exportJwk(pair, { private: true }) }))).toBe('ERR_KEY_INVALID')
    expect(await codeOf(registry.create({ owner: 'o', publicKey: await exportJwk(publicKey(pair)), alg: 'ecdsa-p256-sha256' }))).toMatch(/^ERR_/)
    expect((await registry.list()).length).toBe(before)
  })

  it('RSA: a user-generated rsa-pss-sha512 public key is registered and verifies', async () => {
    const { registry, c } = await fresh()
    const pair = await generateKey('rsa-pss-sha512')
    const k = await registry.create({ owner: 'o', alg: 'rsa-pss-sha512', publicKey: await exportJwk(publicKey(pair)) })
    expect(k.type).toBe('rsa')
    const own = await (await import('@signet/core')).importKey(await exportJwk(pair, { private: true }), { kid: k.keyid, alg: 'rsa-pss-sha512' })
    expect(await roundTrip(registry, own, c.t)).toBe('ok')
  })

  it('RSA: a pair generated here (rsa-v1_5-sha256) shows its private key once and verifies', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'o', alg: 'rsa-v1_5-sha256' })
    expect(k.privateKey).toMatchObject({ kty: 'RSA', kid: k.keyid, alg: 'RS256' })
    expect(k.publicKey).not.toHaveProperty('d')
    expect(await roundTrip(registry, await signerOf(k), c.t)).toBe('ok')
  }, 30_000)

  it('several keys per owner, each with its own scopes and IP lists; list by owner', async () => {
    const { registry } = await fresh()
    const a1 = await registry.create({ owner: 'acme', scopes: ['read'] })
    const a2 = await registry.create({ owner: 'acme', scopes: ['write'], allowIps: ['2001:db8::/32'] })
    await registry.create({ owner: 'globex' })
    const mine = await registry.list({ owner: 'acme' })
    expect(mine.map((k) => k.keyid).sort()).toEqual([a1.keyid, a2.keyid].sort())
    expect((await registry.resolve(a1.keyid))?.scopes).toEqual(['read'])
    expect((await registry.resolve(a2.keyid))?.allowIps).toEqual(['2001:db8::/32'])
    expect((await registry.list()).length).toBe(3)
    expect(await registry.list({ owner: 'nobody' })).toEqual([])
  })
})

describe('state transitions', () => {
  it('disable and enable', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'o' })
    const signer = await signerOf(k)
    expect((await registry.disable(k.keyid)).state).toBe('disabled')
    expect(await roundTrip(registry, signer, c.t)).toBe('ERR_KEY_DISABLED')
    expect((await registry.enable(k.keyid)).state).toBe('active')
    expect(await roundTrip(registry, signer, c.t)).toBe('ok')
  })

  it('revoke is final: enable or disable after it is ERR_INVALID_STATE and writes nothing', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'o' })
    const signer = await signerOf(k)
    expect((await registry.revoke(k.keyid)).state).toBe('revoked')
    expect(await roundTrip(registry, signer, c.t)).toBe('ERR_KEY_REVOKED')
    const auditBefore = (await registry.audit()).length
    expect(await codeOf(registry.enable(k.keyid))).toBe('ERR_INVALID_STATE')
    expect(await codeOf(registry.disable(k.keyid))).toBe('ERR_INVALID_STATE')
    expect(await codeOf(registry.rotate(k.keyid))).toBe('ERR_INVALID_STATE')
    expect((await registry.audit()).length).toBe(auditBefore)
    expect((await registry.get(k.keyid)).state).toBe('revoked')
    expect((await registry.revoke(k.keyid)).state).toBe('revoked') // idempotent
  })

  it('expire makes a key stop verifying now', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'o' })
    const signer = await signerOf(k)
    await registry.expire(k.keyid)
    expect(await roundTrip(registry, signer, c.t)).toBe('ERR_KEY_EXPIRED')
    expect((await registry.get(k.keyid)).expired).toBe(true)
  })

  it('rotate: both verify during the overlap, the old one stops after it; successor copies owner, scopes, IP lists', async () => {
    const { registry, c } = await fresh()
    const old = await registry.create({ owner: 'acme', scopes: ['a', 'b'], allowIps: ['192.0.2.0/24'], denyIps: ['192.0.2.7'], labels: { env: 'prod' } })
    const oldSigner = await signerOf(old)
    const next = await registry.rotate(old.keyid, { overlapSeconds: 3600 })
    expect(next.keyid).not.toBe(old.keyid)
    expect(isSecret(next.secret)).toBe(true)
    expect(next.secret).not.toBe(old.secret)
    expect(next).toMatchObject({ owner: 'acme', scopes: ['a', 'b'], allowIps: ['192.0.2.0/24'], denyIps: ['192.0.2.7'], labels: { env: 'prod' }, replaces: old.keyid, state: 'active' })
    expect(next.previous).toEqual({ keyid: old.keyid, overlapUntil: c.t + 3600 })
    expect(await codeOf(registry.rotate(next.keyid, { publicKey: await exportJwk(publicKey(await generateKey('ed25519'))) }))).toBe('ERR_KEY_UNSUPPORTED')
    const newSigner = await signerOf(next)
    expect(await roundTrip(registry, oldSigner, c.t)).toBe('ok')
    expect(await roundTrip(registry, newSigner, c.t)).toBe('ok')
    expect(await roundTrip(registry, oldSigner, c.t + 3599)).toBe('ok')
    expect(await roundTrip(registry, oldSigner, c.t + 3600)).toBe('ERR_KEY_EXPIRED')
    expect(await roundTrip(registry, newSigner, c.t + 3600)).toBe('ok')
    expect((await registry.resolve(old.keyid))?.expires).toBe(c.t + 3600)
    expect((await registry.get(old.keyid))).toMatchObject({ replacedBy: next.keyid, overlapUntil: c.t + 3600 })
    // Rotating the old key again is refused; the successor can be rotated.
    expect(await codeOf(registry.rotate(old.keyid))).toBe('ERR_INVALID_STATE')
    await registry.rotate(next.keyid, { overlapSeconds: 0 })
    expect(await roundTrip(registry, newSigner, c.t)).toBe('ERR_KEY_EXPIRED')
  })

  it('rotate: the overlap never runs past the old key\'s own expiry', async () => {
    const { registry, c } = await fresh()
    const old = await registry.create({ owner: 'o', expiresIn: 600 })
    const next = await registry.rotate(old.keyid, { overlapSeconds: 86_400 })
    expect(next.previous.overlapUntil).toBe(c.t + 600)
    expect((await registry.resolve(old.keyid))?.expires).toBe(c.t + 600)
    expect(await roundTrip(registry, await signerOf(old), c.t + 600)).toBe('ERR_KEY_EXPIRED')
    // Issue 17.4: the successor inherits the remaining lifetime (it was given the default 90 days before).
    expect(next.expires).toBe(c.t + 600)
  })

  it('rotate: the overlap is at most 30 days, even for a key that never expires; more is ERR_INVALID_EXPIRY and the file is untouched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signet-overlap-'))
    try {
      const path = join(dir, 'keys.signet')
      const { registry, c } = await fresh(clock(), new FileStore(path))
      const old = await registry.create({ owner: 'o', expiresIn: null })
      const before = await readFile(path)
      const thirtyDays = 30 * 86_400
      for (const overlapSeconds of [thirtyDays + 1, 365 * 86_400, 100 * 365 * 86_400, Number.MAX_SAFE_INTEGER, -1, 1.5, Number.NaN, Infinity]) {
        expect(await codeOf(registry.rotate(old.keyid, { overlapSeconds })), String(overlapSeconds)).toBe('ERR_INVALID_EXPIRY')
        expect((await readFile(path)).equals(before), String(overlapSeconds)).toBe(true)
      }
      // Checked before the lookup: an unknown key id with a bad overlap is still ERR_INVALID_EXPIRY.
      expect(await codeOf(registry.rotate(generateKeyId(), { overlapSeconds: thirtyDays + 1 }))).toBe('ERR_INVALID_EXPIRY')
      expect((await registry.get(old.keyid))).toMatchObject({ replacedBy: null, overlapUntil: null, expires: null })
      expect((await registry.list()).length).toBe(1)
      expect((await registry.audit()).map((e) => e.action)).toEqual(['create'])
      // Exactly 30 days is accepted: the never-expiring old key stops verifying then.
      const next = await registry.rotate(old.keyid, { overlapSeconds: thirtyDays })
      expect(next.previous.overlapUntil).toBe(c.t + thirtyDays)
      expect((await registry.resolve(old.keyid))?.expires).toBe(c.t + thirtyDays)
      expect(await roundTrip(registry, await signerOf(old), c.t + thirtyDays - 1)).toBe('ok')
      expect(await roundTrip(registry, await signerOf(old), c.t + thirtyDays)).toBe('ERR_KEY_EXPIRED')
      expect(await roundTrip(registry, await signerOf(next), c.t + thirtyDays)).toBe('ok')
      await registry.close()
      // A registry default above the bound is refused when the registry is opened.
      const masterKey = generateMasterKey()
      expect(await codeOf(openRegistry({ store: new MemoryStore(), masterKey, defaultOverlapSeconds: thirtyDays + 1 }))).toBe('RangeError')
      const bounded = await openRegistry({ store: new MemoryStore(), masterKey, now: c.now, defaultOverlapSeconds: thirtyDays })
      const forever = await bounded.create({ owner: 'o', expiresIn: null })
      expect((await bounded.rotate(forever.keyid)).previous.overlapUntil).toBe(c.t + thirtyDays)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('get and list show whether an asymmetric pair was generated here (never a secret); rotation output too', async () => {
    const { registry } = await fresh()
    const hmac = await registry.create({ owner: 'o' })
    const made = await registry.create({ owner: 'o', alg: 'ed25519' })
    const pair = await generateKey('ecdsa-p256-sha256')
    const registered = await registry.create({ owner: 'o', publicKey: await exportJwk(publicKey(pair)) })
    expect((await registry.get(made.keyid)).generated).toBe(true)
    expect((await registry.get(registered.keyid)).generated).toBe(false)
    expect('generated' in (await registry.get(hmac.keyid))).toBe(false)
    const listed = Object.fromEntries((await registry.list()).map((k) => [k.keyid, k.generated]))
    expect(listed).toEqual({ [hmac.keyid]: undefined, [made.keyid]: true, [registered.keyid]: false })
    // As created and rotated: the flag follows the successor's material.
    expect([made.generated, registered.generated, hmac.generated]).toEqual([true, false, undefined])
    const nextPair = await generateKey('ecdsa-p256-sha256')
    expect((await registry.rotate(registered.keyid, { publicKey: await exportJwk(publicKey(nextPair)) })).generated).toBe(false)
    expect((await registry.rotate(made.keyid)).generated).toBe(true)
    // The summaries carry no private or secret material.
    const shown = JSON.stringify(await registry.list())
    expect(shown).not.toContain((made.privateKey as { d: string }).d)
    expect(shown).not.toContain(hmac.secret as string)
    expect(shown).not.toContain('"d"')
  })

  it('rotate: an asymmetric key gets a new pair (private key shown once) or a given public key', async () => {
    const { registry, c } = await fresh()
    const old = await registry.create({ owner: 'o', alg: 'ed25519' })
    const next = await registry.rotate(old.keyid)
    expect(next.privateKey).toBeDefined()
    expect(await roundTrip(registry, await signerOf(next), c.t)).toBe('ok')
    const pair = await generateKey('ed25519')
    const third = await registry.rotate(next.keyid, { publicKey: await exportJwk(publicKey(pair)) })
    expect(third.privateKey).toBeUndefined()
    const wrongAlg = await generateKey('ecdsa-p256-sha256')
    expect(await codeOf(registry.rotate(third.keyid, { publicKey: await exportJwk(publicKey(wrongAlg)) }))).toBe('ERR_ALG_MISMATCH')
  })

  it('rotate: a key registered from its owner\'s public key needs the successor\'s public key (no pair made here)', async () => {
    const { registry, c, store } = await fresh()
    const pair = await generateKey('ed25519')
    const registered = await registry.create({ owner: 'o', publicKey: await exportJwk(publicKey(pair)) })
    const keys = (await registry.list()).length
    const audit = (await registry.audit()).length
    expect(await codeOf(registry.rotate(registered.keyid))).toBe('ERR_USAGE')
    expect(await codeOf(registry.rotate(registered.keyid, { overlapSeconds: 60 }))).toBe('ERR_USAGE')
    expect((await registry.list()).length).toBe(keys)
    expect((await registry.audit()).length).toBe(audit)
    expect((await registry.get(registered.keyid)).replacedBy).toBeNull()
    // With the owner's next public key it rotates, and the successor is again the owner's.
    const nextPair = await generateKey('ed25519')
    const next = await registry.rotate(registered.keyid, { publicKey: await exportJwk(publicKey(nextPair)) })
    expect(next.privateKey).toBeUndefined()
    expect(await codeOf(registry.rotate(next.keyid))).toBe('ERR_USAGE')
    // A pair generated here rotates to another generated pair, as before.
    const made = await registry.create({ owner: 'o', alg: 'ecdsa-p256-sha256' })
    const madeNext = await registry.rotate(made.keyid)
    expect(madeNext.privateKey).toBeDefined()
    expect(await roundTrip(registry, await signerOf(madeNext), c.t)).toBe('ok')
    // Whether the pair was generated here is covered by the record's MAC: flipping or dropping it is detected.
    const stored = (await store.getKey(next.keyid))!
    expect(stored.generated).toBe(false)
    const { generated: _generated, ...withoutFlag } = stored
    for (const altered of [{ ...stored, generated: true }, withoutFlag]) {
      await store.transact([next.keyid], async () => ({ put: [altered], audit: [] }))
      expect(await codeOf(registry.rotate(next.keyid))).toBe('ERR_REGISTRY_CORRUPT')
    }
  })

  it('audit log records every management action with actor and time, never a secret', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'acme' })
    c.advance(10)
    await registry.disable(k.keyid)
    await registry.enable(k.keyid, { actor: 'bob@ops' })
    const next = await registry.rotate(k.keyid, { overlapSeconds: 60 })
    await registry.revoke(next.keyid)
    const log = await registry.audit()
    expect(log.map((e) => [e.action, e.keyid])).toEqual([
      ['create', k.keyid], ['disable', k.keyid], ['enable', k.keyid], ['rotate', k.keyid], ['create', next.keyid], ['revoke', next.keyid],
    ])
    expect(log[0]).toMatchObject({ actor: 'alice@test', owner: 'acme', time: c.t - 10 })
    expect(log[2]?.actor).toBe('bob@ops')
    expect(log[3]?.details).toMatchObject({ successor: next.keyid, overlapUntil: c.t + 60 })
    expect((await registry.audit({ since: c.t })).length).toBe(5)
    expect(JSON.stringify(log)).not.toContain(k.secret as string)
    expect(JSON.stringify(log)).not.toContain(next.secret as string)
  })
})

describe('master key rotation', () => {
  it('is audited: one registry-wide rewrap entry (empty keyid and owner) written with the new data key', async () => {
    const { registry, c, store } = await fresh()
    const k = await registry.create({ owner: 'acme' })
    c.advance(5)
    const next = generateMasterKey()
    await registry.rewrapMasterKey(next)
    await registry.rewrapMasterKey(generateMasterKey(), { actor: 'bob@ops' })
    const log = await registry.audit()
    expect(log.map((e) => e.action)).toEqual(['create', 'rewrap', 'rewrap'])
    expect(log[1]).toEqual({ time: c.t, actor: 'alice@test', action: 'rewrap', keyid: '', owner: '' })
    expect(log[2]?.actor).toBe('bob@ops')
    expect(JSON.stringify(log)).not.toContain(next)
    // A refused rewrap (malformed key) appends nothing.
    expect(await codeOf(registry.rewrapMasterKey('short'))).toBe('ERR_MASTER_KEY')
    // A compare-and-set that lost its race writes neither the data key nor the audit entry.
    const meta = (await store.loadMeta())!
    const entry = { time: c.t, actor: 'x', action: 'rewrap' as const, keyid: '', owner: '' }
    expect(await store.replaceMeta({ ...meta, dataKey: { ...meta.dataKey, ct: 'AAAA' } }, { ...meta, dataKey: { ...meta.dataKey, iv: 'BBBB' } }, [entry])).toBe(false)
    expect(await store.loadMeta()).toEqual(meta)
    expect((await registry.audit()).length).toBe(3)
    // The registry keeps working under the newest key.
    expect((await registry.get(k.keyid)).owner).toBe('acme')
  })
})

describe('bad input: coded errors, nothing written', () => {
  it('malformed ids are refused before any lookup', async () => {
    const store = new MemoryStore()
    let lookups = 0
    const spy = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getKey') lookups++
        const v = Reflect.get(target, prop, receiver)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
    const { registry } = await fresh(clock(), spy)
    const k = await registry.create({ owner: 'o' })
    lookups = 0
    const typo = k.keyid.slice(0, -1) + (k.keyid.endsWith('a') ? 'b' : 'a')
    for (const op of [() => registry.resolve(typo), () => registry.get(typo), () => registry.disable(typo), () => registry.revoke(typo),
      () => registry.rotate(typo), () => registry.usage(typo), () => registry.resolve('../../etc/passwd')]) {
      expect(await codeOf(op)).toBe('ERR_KEY_ID_MALFORMED')
    }
    expect(lookups).toBe(0)
  })

  it('unknown keys: ERR_KEY_NOT_FOUND for management, undefined for the resolver', async () => {
    const { registry } = await fresh()
    const { generateKeyId } = await import('@signet/registry')
    const unknown = generateKeyId()
    expect(await registry.resolve(unknown)).toBeUndefined()
    for (const op of [() => registry.get(unknown), () => registry.disable(unknown), () => registry.enable(unknown), () => registry.revoke(unknown), () => registry.rotate(unknown), () => registry.usage(unknown), () => registry.expire(unknown)]) {
      expect(await codeOf(op)).toBe('ERR_KEY_NOT_FOUND')
    }
    expect(await registry.audit()).toEqual([])
  })

  it('bad IP list entries and scopes', async () => {
    const { registry } = await fresh()
    for (const allowIps of [['10.0.0.0/33'], ['example.com'], ['10.0.0.1', 'nope'], ['']]) {
      expect(await codeOf(registry.create({ owner: 'o', allowIps }))).toBe('ERR_INVALID_IP_RANGE')
      expect(await codeOf(registry.create({ owner: 'o', denyIps: allowIps }))).toBe('ERR_INVALID_IP_RANGE')
    }
    expect(await codeOf(registry.create({ owner: 'o', scopes: ['has space'] }))).toBe('TypeError')
    expect(await codeOf(registry.create({ owner: '' }))).toBe('TypeError')
    expect(await codeOf(registry.create({ owner: 'o', alg: 'hmac-md5' as never }))).toBe('ERR_ALG_UNSUPPORTED')
    expect(await registry.list()).toEqual([])
    expect(await registry.audit()).toEqual([])
  })

  it('a wrong or malformed master key is refused', async () => {
    const { registry, store } = await fresh()
    await registry.create({ owner: 'o' })
    expect(await codeOf(openRegistry({ store, masterKey: generateMasterKey() }))).toBe('ERR_MASTER_KEY')
    expect(await codeOf(openRegistry({ store, masterKey: 'short' }))).toBe('ERR_MASTER_KEY')
    expect(await codeOf(openRegistry({ store, masterKey: new Uint8Array(16) }))).toBe('ERR_MASTER_KEY')
  })

  it('a record altered in storage fails its integrity check', async () => {
    const { registry, store } = await fresh()
    const k = await registry.create({ owner: 'o', allowIps: ['10.0.0.0/8'] })
    await registry.revoke(k.keyid)
    const stored = await store.getKey(k.keyid)
    // Someone with write access to the store, but not the master key, "un-revokes" the key.
    await store.transact([k.keyid], async () => ({ put: [{ ...stored!, state: 'active' }], audit: [] }))
    expect(await codeOf(registry.resolve(k.keyid))).toBe('ERR_REGISTRY_CORRUPT')
    await store.transact([k.keyid], async () => ({ put: [{ ...stored!, allowIps: [] }], audit: [] }))
    expect(await codeOf(registry.resolve(k.keyid))).toBe('ERR_REGISTRY_CORRUPT')
    // A secret moved onto another key id does not decrypt (key id bound as associated data).
    const other = await registry.create({ owner: 'o' })
    const otherStored = await store.getKey(other.keyid)
    await store.transact([other.keyid], async () => ({ put: [{ ...otherStored!, secret: (await store.getKey(k.keyid))!.secret }], audit: [] }))
    expect(await codeOf(registry.resolve(other.keyid))).toBe('ERR_REGISTRY_CORRUPT')
  })

  it('resolver results are cached but follow every change', async () => {
    const { registry, c } = await fresh()
    const k = await registry.create({ owner: 'o' })
    const a = await registry.resolve(k.keyid)
    expect(await registry.resolve(k.keyid)).toBe(a)
    await registry.disable(k.keyid)
    expect((await registry.resolve(k.keyid))?.state).toBe('disabled')
    expect(await roundTrip(registry, await signerOf(k), c.t)).toBe('ERR_KEY_DISABLED')
  })
})
