/**
 * `withSignet` with a verifier factory: a Worker's bindings come with each request, so the
 * verifier is built from `env` on the first request, once, and reused. A failed build answers
 * 500 (fail closed, cause not sent) and is tried again on the next request.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { SignetError } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { createVerifier } from '../src/verifier.ts'
import type { Verifier } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import { withSignet } from '../src/adapters/fetch.ts'
import type { VerifierFactory } from '../src/adapters/fetch.ts'
import { NOW_MS, hmacKey, record, requestMessage, sign } from './helpers.ts'

interface Env {
  readonly OWNER: string
}
interface Ctx {
  readonly id: number
}

let hmac: SignetKey

beforeAll(async () => {
  hmac = (await hmacKey('k-hmac')).key
})

function toRequest(message: HttpRequestMessage): Request {
  const headers = new Headers()
  for (const f of message.fields) headers.append(f.name, f.value)
  return new Request(`${message.scheme}://${message.authority}${message.target}`, { method: message.method, headers })
}

async function signedRequest(): Promise<Request> {
  return toRequest(await sign(await requestMessage({ authority: 'api.test', scheme: 'https' }), hmac))
}

function fromEnv(env: Env): Verifier {
  return createVerifier({ keys: [record('k-hmac', hmac, { owner: env.OWNER })], nonces: new MemoryNonceStore({ now: () => NOW_MS }), clock: () => NOW_MS })
}

describe('withSignet(factory, handler)', () => {
  it('builds the verifier from env on the first request, once, and hands env and ctx on', async () => {
    const seen: unknown[] = []
    const factory = (env: Env): Verifier => {
      seen.push(env)
      return fromEnv(env)
    }
    const fetch = withSignet(factory, (_request, identity, env, ctx: Ctx) => Response.json({ owner: identity.owner, env: env.OWNER, ctx: ctx.id }))
    expect(seen).toHaveLength(0)
    const env: Env = { OWNER: 'acme' }
    const first = await fetch(await signedRequest(), env, { id: 1 })
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ owner: 'acme', env: 'acme', ctx: 1 })
    const second = await fetch(await signedRequest(), { OWNER: 'other' }, { id: 2 })
    expect(await second.json()).toEqual({ owner: 'acme', env: 'other', ctx: 2 })
    const refused = await fetch(new Request('https://api.test/orders'), env, { id: 3 })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('accept-signature')).toMatch(/"@method"/)
    // The refusal is dated by the built verifier's clock.
    expect(refused.headers.get('date')).toBe(new Date(NOW_MS).toUTCString())
    expect(seen).toEqual([env])
  })

  it('an async factory is awaited; concurrent first requests share one call', async () => {
    let calls = 0
    const factory: VerifierFactory<Env> = async (env) => {
      calls += 1
      await new Promise((resolve) => setTimeout(resolve, 10))
      return fromEnv(env)
    }
    const fetch = withSignet(factory, (_request, identity) => new Response(identity.owner))
    const env = { OWNER: 'acme' }
    const replies = await Promise.all([1, 2, 3, 4].map(async () => fetch(await signedRequest(), env)))
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200])
    expect(await Promise.all(replies.map((r) => r.text()))).toEqual(['acme', 'acme', 'acme', 'acme'])
    expect(calls).toBe(1)
  })

  it('a failing factory answers a bare 500 and is called again on the next request', async () => {
    let calls = 0
    const factory = (env: Env): Verifier => {
      calls += 1
      if (calls === 1) throw new Error('KV read failed: secret-path')
      if (calls === 2) throw new SignetError('ERR_KEY_INVALID', 'the JWK in CALLER_JWKS is malformed')
      return fromEnv(env)
    }
    let reached = 0
    const fetch = withSignet(factory, () => {
      reached += 1
      return new Response('ok')
    })
    const env = { OWNER: 'acme' }
    for (const hidden of ['secret-path', 'CALLER_JWKS']) {
      const failed = await fetch(await signedRequest(), env)
      expect(failed.status).toBe(500)
      const body = await failed.text()
      expect(JSON.parse(body)).toMatchObject({ status: 500, code: 'ERR_INTERNAL' })
      expect(body).not.toContain(hidden)
    }
    expect(reached).toBe(0)
    expect((await fetch(await signedRequest(), env)).status).toBe(200)
    expect((await fetch(await signedRequest(), env)).status).toBe(200)
    expect(calls).toBe(3)
  })

  it('a factory that returns something else than a verifier is a 500, never a pass', async () => {
    const fetch = withSignet((() => ({ policy: {} })) as unknown as VerifierFactory<Env>, () => new Response('ok'))
    const reply = await fetch(await signedRequest(), { OWNER: 'acme' })
    expect(reply.status).toBe(500)
  })

  it('options are still checked at creation', () => {
    expect(() => withSignet(fromEnv, () => new Response('ok'), { requiredScopes: 'read' as unknown as string[] })).toThrow(TypeError)
    expect(() => withSignet(fromEnv, 42 as unknown as () => Response)).toThrow(TypeError)
    expect(() => withSignet({} as Verifier, () => new Response('ok'))).toThrow(TypeError)
  })

  it('the verifier form is unchanged', async () => {
    const fetch = withSignet(fromEnv({ OWNER: 'fixed' }), (_request, identity) => new Response(identity.owner))
    const reply = await fetch(await signedRequest())
    expect(await reply.text()).toBe('fixed')
  })
})
