/**
 * Properties: random sequences of lifecycle actions against a model of what each key should be,
 * and a shared list of bad inputs thrown at every public entry point.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isSignetError } from '@signet/core'
import { MemoryStore, generateMasterKey, openRegistry } from '@signet/registry'
import { assertUsable, clock } from './helpers.ts'

type Action =
  | { op: 'create'; lifetime: number | null }
  | { op: 'disable' | 'enable' | 'revoke' | 'expire'; key: number }
  | { op: 'rotate'; key: number; overlap: number }
  | { op: 'tick'; seconds: number }

interface ModelKey {
  id: string
  state: 'active' | 'disabled' | 'revoked'
  expires: number | null
  overlapUntil: number | null
  rotated: boolean
}

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), lifetime: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }) }),
  fc.record({ op: fc.constantFrom('disable' as const, 'enable' as const, 'revoke' as const, 'expire' as const), key: fc.nat(20) }),
  fc.record({ op: fc.constant('rotate' as const), key: fc.nat(20), overlap: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ op: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 2000 }) }),
)

function expectedVerdict(k: ModelKey, now: number): string {
  if (k.state === 'revoked') return 'ERR_KEY_REVOKED'
  if (k.state === 'disabled') return 'ERR_KEY_DISABLED'
  const until = k.overlapUntil === null ? k.expires : k.expires === null ? k.overlapUntil : Math.min(k.expires, k.overlapUntil)
  if (until !== null && now >= until) return 'ERR_KEY_EXPIRED'
  return 'ok'
}

describe('lifecycle model', () => {
  it('the resolver agrees with the model after any sequence of actions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        const c = clock()
        const registry = await openRegistry({ store: new MemoryStore(), masterKey: generateMasterKey(), now: c.now })
        const model: ModelKey[] = []
        for (const a of actions) {
          if (a.op === 'tick') {
            c.advance(a.seconds)
            continue
          }
          if (a.op === 'create') {
            const k = await registry.create({ owner: 'o', expiresIn: a.lifetime })
            model.push({ id: k.keyid, state: 'active', expires: k.expires, overlapUntil: null, rotated: false })
            continue
          }
          const m = model[a.key % Math.max(model.length, 1)]
          if (m === undefined) continue
          let code: string | undefined
          try {
            if (a.op === 'rotate') {
              const next = await registry.rotate(m.id, { overlapSeconds: a.overlap })
              const until = m.expires === null ? c.t + a.overlap : Math.min(c.t + a.overlap, m.expires)
              expect(next.previous.overlapUntil).toBe(until)
              m.overlapUntil = until
              m.rotated = true
              model.push({ id: next.keyid, state: 'active', expires: next.expires, overlapUntil: null, rotated: false })
            } else if (a.op === 'expire') {
              await registry.expire(m.id)
              if (m.expires === null || m.expires > c.t) m.expires = c.t
            } else {
              await registry[a.op](m.id)
              m.state = a.op === 'revoke' ? 'revoked' : a.op === 'disable' ? 'disabled' : 'active'
            }
          } catch (err) {
            code = isSignetError(err) ? err.code : String(err)
          }
          if (code !== undefined) {
            // Only these refusals are legitimate, and only in these states.
            expect(code).toBe('ERR_INVALID_STATE')
            expect(m.state === 'revoked' || (a.op === 'rotate' && m.rotated)).toBe(true)
          }
        }
        for (const m of model) {
          const r = await registry.resolve(m.id)
          expect(r).toBeDefined()
          let verdict = 'ok'
          try {
            assertUsable(r!, c.t)
          } catch (err) {
            verdict = (err as { code: string }).code
          }
          expect(verdict).toBe(expectedVerdict(m, c.t))
        }
      }),
      { numRuns: 60 },
    )
  }, 60_000)
})

describe('bad inputs at every entry point', () => {
  const bad: unknown[] = [
    undefined, null, '', ' ', 0, -1, NaN, Infinity, 1e300, 1.5, Number.MAX_SAFE_INTEGER, true, {}, [], () => 1, Symbol('x'), 10n,
    'x'.repeat(100_000), '\u0000', 'sgn_id_', 'sgn_id_' + '\u{1F600}'.repeat(14), '__proto__', 'constructor',
    { owner: '__proto__' }, { toString: () => { throw new Error('boom') } },
  ]

  it('each is a coded error, a TypeError or a RangeError: never a crash, a hang or a write', async () => {
    const store = new MemoryStore()
    const registry = await openRegistry({ store, masterKey: generateMasterKey() })
    const entry: [string, (v: unknown) => Promise<unknown>][] = [
      ['resolve', (v) => registry.resolve(v as string)],
      ['get', (v) => registry.get(v as string)],
      ['disable', (v) => registry.disable(v as string)],
      ['enable', (v) => registry.enable(v as string)],
      ['revoke', (v) => registry.revoke(v as string)],
      ['expire', (v) => registry.expire(v as string)],
      ['rotate', (v) => registry.rotate(v as string)],
      ['usage', (v) => registry.usage(v as string)],
      ['create', (v) => registry.create(v as never)],
      ['create owner', (v) => registry.create({ owner: v as string })],
      ['create scopes', (v) => registry.create({ owner: 'o', scopes: v as string[] })],
      ['create allowIps', (v) => registry.create({ owner: 'o', allowIps: v as string[] })],
      ['create allowIps entry', (v) => registry.create({ owner: 'o', allowIps: [v as string] })],
      ['create expires', (v) => registry.create({ owner: 'o', expires: v as number })],
      ['create expiresIn', (v) => registry.create({ owner: 'o', expiresIn: v as number })],
      ['create notBefore', (v) => registry.create({ owner: 'o', notBefore: v as number })],
      ['create alg', (v) => registry.create({ owner: 'o', alg: v as never })],
      ['create publicKey', (v) => registry.create({ owner: 'o', publicKey: v as string })],
      ['create labels', (v) => registry.create({ owner: 'o', labels: v as never })],
    ]
    const oks: string[] = []
    for (const [name, call] of entry) {
      for (const value of bad) {
        const label = `${name}(${String(value === null ? 'null' : typeof value === 'symbol' ? 'symbol' : typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : typeof value === 'number' ? value : typeof value)})`
        const keysBefore = (await store.listKeys()).length
        const auditBefore = (await store.readAudit()).length
        let outcome: string
        try {
          await Promise.race([call(value), new Promise((_, reject) => setTimeout(() => reject(new Error('hang')), 2000))])
          outcome = 'ok'
        } catch (err) {
          outcome = isSignetError(err) ? 'coded' : err instanceof TypeError || err instanceof RangeError ? 'misuse' : `crash: ${String(err)}`
        }
        // A few values are valid for some options (an empty list, no labels, no expiry...).
        expect(['coded', 'misuse', 'ok'], label).toContain(outcome)
        if (outcome === 'ok') oks.push(label)
        // A refused call writes nothing; an accepted create writes its one key and one audit entry.
        const wrote = outcome === 'ok' && name.startsWith('create') ? 1 : 0
        expect((await store.listKeys()).length, label).toBe(keysBefore + wrote)
        expect((await store.readAudit()).length, label).toBe(auditBefore + wrote)
      }
    }
    // An expiry is never accepted from a value that is not whole seconds: only "none given"
    // (undefined: the default lifetime) and null (never) pass.
    expect(oks.filter((l) => l.startsWith('create expires'))).toEqual([
      'create expires(undefined)', 'create expires(null)', 'create expiresIn(undefined)', 'create expiresIn(null)',
    ])
    // Only the valid calls wrote anything: every record in the store passes its checks.
    for (const k of await registry.list()) expect((await registry.resolve(k.keyid))?.id).toBe(k.keyid)
  }, 60_000)
})
