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
import { secretScanningHandler } from '@signet/registry'
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

/** A fresh HMAC key for a limits row, issued with `options` and kept in `issued` under `name`. */
async function limitedKey(c: DemoContext, name: string, options: { rateLimit?: string; credits?: number }): Promise<DemoKey> {
  const created = await c.registry.create({ owner: `acme-${name}`, alg: 'hmac-sha256', scopes: ['orders:read'], labels: { name }, ...options })
  if (created.jwk === undefined) throw new Error('the registry returned no secret for an HMAC key')
  const key: DemoKey = { ...c.keys.hmac, keyid: created.keyid, signingKey: created.jwk as JsonWebKey }
  c.issued.set(name, key)
  return key
}

/**
 * A scanning provider's alert for `tokens`, signed as GitHub signs them: ECDSA P-256 over the
 * body, DER-encoded, with the key's identifier; and the provider's `public_keys` document.
 */
async function providerAlert(tokens: readonly string[]): Promise<{ keys: string; request: (origin: string) => Request }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey))
  const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(spki).toString('base64')}\n-----END PUBLIC KEY-----\n`
  const body = JSON.stringify(tokens.map((token) => ({ token, type: 'signet_secret', url: 'https://example.test/paste', source: 'content' })))
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(body)))
  // WebCrypto gives r || s; the provider sends DER: SEQUENCE { INTEGER r, INTEGER s }.
  const integer = (bytes: Uint8Array): number[] => {
    let i = 0
    while (i < bytes.length - 1 && bytes[i] === 0) i++
    const v = [...bytes.subarray(i)]
    return (v[0] as number) >= 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v]
  }
  const ints = [...integer(raw.subarray(0, 32)), ...integer(raw.subarray(32))]
  const der = Buffer.from([0x30, ints.length, ...ints]).toString('base64')
  return {
    keys: JSON.stringify({ public_keys: [{ key_identifier: 'demo-provider-1', key: pem, is_current: true }] }),
    request: (origin) => new Request(`${origin}/.well-known/signet/secret-scanning`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', 'github-public-key-identifier': 'demo-provider-1', 'github-public-key-signature': der },
    }),
  }
}

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
  {
    id: 'rate-limit',
    request: 'HMAC GET x3, key limited to 2/1m',
    expect: [{ status: 200 }, { status: 200 }, { status: 429, code: 'ERR_RATE_LIMITED' }],
    why: 'per-key rate limit (token bucket)',
    run: async (c) => {
      const send = signedFetch(c.signer(await limitedKey(c, 'limited', { rateLimit: '2/1m' })))
      const answers: Observation[] = []
      let fields = ''
      for (let i = 0; i < 3; i++) {
        const response = await send(url(c, '/orders'))
        if (response.status === 429) fields = `RateLimit: ${response.headers.get('ratelimit') ?? '-'}, Retry-After: ${response.headers.get('retry-after') ?? '-'}`
        answers.push(await observe(response))
      }
      return { answers, note: fields }
    },
  },
  {
    id: 'credits',
    request: 'HMAC GET x3, key with 2 credits',
    expect: [{ status: 200 }, { status: 200 }, { status: 429, code: 'ERR_CREDITS_EXHAUSTED' }],
    why: 'credits run out; refused requests use none',
    run: async (c) => {
      const send = signedFetch(c.signer(await limitedKey(c, 'metered', { credits: 2 })))
      const answers: Observation[] = []
      for (let i = 0; i < 3; i++) answers.push(await observe(await send(url(c, '/orders'))))
      return { answers }
    },
  },
  {
    id: 'leaked',
    request: 'HMAC GET, leak alert, GET again',
    expect: [{ status: 200 }, { status: 200 }, { status: 401, code: 'ERR_KEY_REVOKED' }],
    why: 'a signed secret-scanning alert revokes the secret',
    run: async (c) => {
      const created = await c.registry.create({ owner: 'acme-leaky', alg: 'hmac-sha256', scopes: ['orders:read'], labels: { name: 'leaked' } })
      if (created.jwk === undefined || created.secret === undefined) throw new Error('the registry returned no secret for an HMAC key')
      const send = signedFetch(c.signer({ ...c.keys.hmac, keyid: created.keyid, signingKey: created.jwk as JsonWebKey }))
      const before = await observe(await send(url(c, '/orders')))
      // The provider found the secret in a public paste and posts a signed alert.
      const alert = await providerAlert([created.secret])
      const answered = await secretScanningHandler(c.registry, alert.keys)(alert.request(c.origin))
      const results = (await answered.clone().json()) as { label?: string }[]
      const after = await observe(await send(url(c, '/orders')))
      return { answers: [before, await observe(answered), after], note: `alert answered ${results[0]?.label ?? '?'}` }
    },
  },
  {
    id: 'usage-buckets',
    request: 'usage buckets of the 2/1m key',
    expect: [],
    why: 'registry.usageBuckets: requests and refusals per minute',
    run: async (c) => {
      await c.registry.flushUsage()
      const buckets = await c.registry.usageBuckets(issued(c, 'limited').keyid, { by: 'minute' })
      return { answers: [], note: buckets.map((b) => JSON.stringify(b)).join(' ') }
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
