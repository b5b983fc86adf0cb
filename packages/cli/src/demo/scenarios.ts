/**
 * The walkthrough as data: each scenario is one row of the final table, with what the request
 * is, what the server is expected to answer (status and, for a refusal, the stable error code),
 * why, and the function that makes the real request(s) over loopback.
 *
 * Scenarios run in table order and share one clock: the expiry and rotation rows move it forward
 * instead of waiting, so the rows after them live "later", which is harmless because every
 * signer dates its signatures from the same clock.
 *
 * Requests are made the ways a client of Signet makes them: `signedFetch`, ky with `kySigner`,
 * and `signer.sign()` followed by a plain `fetch` where the demo needs to hold on to a signed
 * request (to alter it, replay it, or send it late).
 *
 * @module
 */
import { signedFetch } from '@signet/client'
import { kySigner } from '@signet/client/ky'
import type { Signer, SignerOptions } from '@signet/client'
import type { SignetErrorCode } from '@signet/core'
import type { Registry } from '@signet/registry'
import ky from 'ky'
import type { DemoClock } from './clock.ts'
import type { DemoKey, DemoKeys } from './keys.ts'
import { OFFICE_NETWORK } from './keys.ts'

/** One expected answer: a status and, for a refusal, the problem+json `code`. */
export interface Expectation {
  readonly status: number
  readonly code?: SignetErrorCode | undefined
}

/** One answer the server gave. */
export interface Observation {
  readonly status: number
  /** The problem+json `code`, when the answer was a refusal. */
  readonly code?: string | undefined
  /** The problem+json `detail`. */
  readonly detail?: string | undefined
}

/** What running a scenario produced: the answers in order, and a note for the table. */
export interface ScenarioOutcome {
  readonly answers: readonly Observation[]
  readonly note?: string | undefined
}

/** Everything a scenario may use. */
export interface DemoContext {
  /** `http://127.0.0.1:PORT` of the demo API. */
  readonly origin: string
  readonly clock: DemoClock
  readonly registry: Registry
  readonly keys: DemoKeys
  /** Keys made during the run (the successor of a rotated key), by name. */
  readonly issued: Map<string, DemoKey>
  /**
   * A signer for a key, dated by the demo clock.
   *
   * @param key - the key to sign with
   * @param options - extra signer options; `clockErrorSeconds` shifts the signer's clock
   */
  signer(key: DemoKey, options?: Partial<SignerOptions> & { clockErrorSeconds?: number }): Signer
}

/** One row of the walkthrough. */
export interface Scenario {
  /** A stable name, for overrides and tests. */
  readonly id: string
  /** The request column. */
  readonly request: string
  /** The answers expected, in order (most rows make one request). */
  readonly expect: readonly Expectation[]
  /** The why column: what the row shows. */
  readonly why: string
  /** Make the request(s). Throwing counts as a row that differs. */
  run(context: DemoContext): Promise<ScenarioOutcome>
}

// The demo API's answers are a few hundred bytes: each is read to the end, which also lets the
// connection be reused. (Cancelling one branch of a cloned body would wait for the other.)
async function observe(response: Response): Promise<Observation> {
  const text = await response.text()
  const type = response.headers.get('content-type') ?? ''
  if (!type.startsWith('application/problem+json')) return { status: response.status }
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown }
    return {
      status: response.status,
      code: typeof problem.code === 'string' ? problem.code : undefined,
      detail: typeof problem.detail === 'string' ? problem.detail : undefined,
    }
  } catch {
    return { status: response.status }
  }
}

async function one(response: Promise<Response>): Promise<ScenarioOutcome> {
  return { answers: [await observe(await response)] }
}

function issued(context: DemoContext, name: string): DemoKey {
  const key = context.issued.get(name)
  if (key === undefined) throw new Error(`no key "${name}" was issued earlier in this run`)
  return key
}

const url = (context: DemoContext, path: string): string => `${context.origin}${path}`

/** How long a rotated key keeps verifying beside its successor, in seconds. */
const ROTATION_OVERLAP_SECONDS = 300

/** The default walkthrough, in order. */
export const DEFAULT_SCENARIOS: readonly Scenario[] = [
  {
    id: 'unsigned',
    request: 'GET /orders, unsigned (fetch)',
    expect: [{ status: 401, code: 'ERR_SIGNATURE_MISSING' }],
    why: 'every route needs a signature',
    run: (c) => one(fetch(url(c, '/orders'))),
  },
  {
    id: 'hmac-get',
    request: 'HMAC GET /orders (signedFetch)',
    expect: [{ status: 200 }],
    why: 'HMAC key from the registry, scope orders:read',
    run: (c) => one(signedFetch(c.signer(c.keys.hmac))(url(c, '/orders'))),
  },
  {
    id: 'ed25519-post',
    request: 'Ed25519 POST /orders JSON (ky)',
    expect: [{ status: 200 }],
    why: 'caller-made key; Content-Digest covers the body',
    run: async (c) => {
      const api = ky.create({ baseUrl: c.origin, ...kySigner(c.signer(c.keys.ed25519)), retry: 0, throwHttpErrors: false })
      return one(api.post('orders', { json: { item: 'green tea', quantity: 2 } }))
    },
  },
  {
    id: 'rsa-get',
    request: 'RSA GET /admin (signedFetch)',
    expect: [{ status: 200 }],
    why: 'rsa-pss-sha512 key, scope admin',
    run: (c) => one(signedFetch(c.signer(c.keys.rsa))(url(c, '/admin'))),
  },
  {
    id: 'tampered',
    request: 'Ed25519 POST, body changed after signing',
    expect: [{ status: 401, code: 'ERR_DIGEST_MISMATCH' }],
    why: 'body no longer matches the signed Content-Digest',
    run: async (c) => {
      const signed = await c.signer(c.keys.ed25519).sign(
        new Request(url(c, '/orders'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"green tea","quantity":2}' }),
      )
      // A party on the path rewrites the body and leaves every signed header as it was.
      const tampered = new Request(signed.url, { method: 'POST', headers: signed.headers, body: '{"item":"green tea","quantity":200}' })
      return one(fetch(tampered))
    },
  },
  {
    id: 'replayed',
    request: 'HMAC GET, same signed request twice',
    expect: [{ status: 200 }, { status: 401, code: 'ERR_NONCE_REPLAYED' }],
    why: 'a captured request cannot be replayed (nonce)',
    run: async (c) => {
      const signed = await c.signer(c.keys.hmac).sign(new Request(url(c, '/orders')))
      const first = await observe(await fetch(signed.clone()))
      const again = await observe(await fetch(signed))
      return { answers: [first, again] }
    },
  },
  {
    id: 'expired',
    request: 'HMAC GET, sent after its expires',
    expect: [{ status: 401, code: 'ERR_SIGNATURE_EXPIRED' }],
    why: 'valid for 30 s, sent 90 s later',
    run: async (c) => {
      const signed = await c.signer(c.keys.hmac, { expires: 30 }).sign(new Request(url(c, '/orders')))
      // 30 s of validity plus the verifier's 30 s of tolerated skew, then half a minute more.
      c.clock.advance(90)
      return one(fetch(signed))
    },
  },
  {
    id: 'clock-skew',
    request: 'HMAC GET, client clock 10 min slow',
    expect: [{ status: 401, code: 'ERR_SIGNATURE_TOO_OLD' }, { status: 200 }],
    why: 'learns the offset from Date, signs again',
    run: async (c) => {
      const signer = c.signer(c.keys.hmac, { clockErrorSeconds: -600 })
      const answers: Observation[] = []
      const watched = async (request: Request): Promise<Response> => {
        const response = await fetch(request)
        answers.push(await observe(response.clone()))
        return response
      }
      await (await signedFetch(signer, { fetch: watched })(url(c, '/orders'))).text()
      const offset = signer.clockOffsetSeconds
      return { answers, note: `learned offset ${offset >= 0 ? '+' : ''}${offset} s` }
    },
  },
  {
    id: 'wrong-ip',
    request: 'HMAC GET /orders from 127.0.0.1',
    expect: [{ status: 403, code: 'ERR_IP_DENIED' }],
    why: `key allowed from ${OFFICE_NETWORK} only`,
    run: (c) => one(signedFetch(c.signer(c.keys.office))(url(c, '/orders'))),
  },
  {
    id: 'missing-scope',
    request: 'HMAC GET /admin',
    expect: [{ status: 403, code: 'ERR_SCOPE_DENIED' }],
    why: 'key has orders:read, route needs admin',
    run: (c) => one(signedFetch(c.signer(c.keys.hmac))(url(c, '/admin'))),
  },
  {
    id: 'rotation-old',
    request: 'rotated: old key, in overlap',
    expect: [{ status: 200 }],
    why: `registry.rotate, ${ROTATION_OVERLAP_SECONDS / 60} min overlap: old key still good`,
    run: async (c) => {
      const next = await c.registry.rotate(c.keys.hmac.keyid, { overlapSeconds: ROTATION_OVERLAP_SECONDS })
      if (next.jwk === undefined) throw new Error('the registry returned no secret for the successor')
      c.issued.set('rotated-hmac', { ...c.keys.hmac, keyid: next.keyid, signingKey: next.jwk as JsonWebKey })
      return one(signedFetch(c.signer(c.keys.hmac))(url(c, '/orders')))
    },
  },
  {
    id: 'rotation-new',
    request: 'rotated: new key, in overlap',
    expect: [{ status: 200 }],
    why: 'the successor works at once',
    run: (c) => one(signedFetch(c.signer(issued(c, 'rotated-hmac')))(url(c, '/orders'))),
  },
  {
    id: 'rotation-old-after',
    request: 'rotated: old key, overlap over',
    expect: [{ status: 401, code: 'ERR_KEY_EXPIRED' }],
    why: 'clock moved past the end of the overlap',
    run: (c) => {
      c.clock.advance(ROTATION_OVERLAP_SECONDS + 1)
      return one(signedFetch(c.signer(c.keys.hmac))(url(c, '/orders')))
    },
  },
  {
    id: 'rotation-new-after',
    request: 'rotated: new key, overlap over',
    expect: [{ status: 200 }],
    why: 'the successor carries on',
    run: (c) => one(signedFetch(c.signer(issued(c, 'rotated-hmac')))(url(c, '/orders'))),
  },
  {
    id: 'revoked',
    request: 'Ed25519 GET, revoke, GET again',
    expect: [{ status: 200 }, { status: 401, code: 'ERR_KEY_REVOKED' }],
    why: 'registry.revoke: refused from the next request',
    run: async (c) => {
      const send = signedFetch(c.signer(c.keys.ed25519))
      const before = await observe(await send(url(c, '/orders')))
      await c.registry.revoke(c.keys.ed25519.keyid)
      const after = await observe(await send(url(c, '/orders')))
      return { answers: [before, after] }
    },
  },
]

/**
 * Whether a scenario's answers are exactly the expected ones (status, and code where expected).
 *
 * @param expect - the expected answers
 * @param answers - the answers observed
 * @returns true when every answer matches, in order, and there are as many
 */
export function matches(expect: readonly Expectation[], answers: readonly Observation[]): boolean {
  if (expect.length !== answers.length) return false
  return expect.every((e, i) => {
    const a = answers[i] as Observation
    return a.status === e.status && (e.code === undefined || a.code === e.code)
  })
}
