import { beforeAll, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { SignetError, exportJwk, importKey, isSignetError, parseAcceptSignature } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { createVerifier } from '../src/verifier.ts'
import type { VerificationEvent, VerifierOptions } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import type { NonceStore } from '../src/nonce-store.ts'
import { memoryKeys } from '../src/resolvers/memory.ts'
import { problemFor } from '../src/problem.ts'
import { NOW_MS, NOW_S, ed25519Pair, freshNonce, hmacKey, record, rejection, replaceField, requestMessage, sign, withField } from './helpers.ts'

let hmac: SignetKey
let ed: { privateKey: SignetKey; publicKey: SignetKey }

beforeAll(async () => {
  hmac = (await hmacKey('k-hmac')).key
  ed = await ed25519Pair('k-ed')
})

function spyStore(): NonceStore & { calls: string[] } {
  const inner = new MemoryNonceStore({ now: () => NOW_MS })
  const calls: string[] = []
  return {
    calls,
    record(key, ttl) {
      calls.push(key)
      return inner.record(key, ttl)
    },
  }
}

function verifierWith(options: Partial<VerifierOptions> = {}) {
  const nonces = options.nonces ?? spyStore()
  return {
    nonces: nonces as ReturnType<typeof spyStore>,
    verifier: createVerifier({
      keys: [record('k-hmac', hmac, { owner: 'acme', scopes: ['orders:read'] }), record('k-ed', ed.publicKey, { owner: 'bob' })],
      clock: () => NOW_MS,
      ...options,
      nonces,
    }),
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return (await rejection(promise)).code
}

describe('createVerifier: accepted requests', () => {
  it('accepts a default-signed HMAC request and returns the identity', async () => {
    const { verifier, nonces } = verifierWith()
    const message = await sign(await requestMessage({ body: '{"a":1}' }), hmac, { components: ['@method', '@target-uri', 'content-digest', 'content-type'] })
    const id = await verifier.verify(message, { clientIp: '203.0.113.1', requiredScopes: ['orders:read'] })
    expect(id).toMatchObject({ keyid: 'k-hmac', owner: 'acme', scopes: ['orders:read'], label: 'sig1', alg: 'hmac-sha256', clientIp: '203.0.113.1' })
    expect(id.components).toEqual(['"@method"', '"@target-uri"', '"content-digest"', '"content-type"'])
    expect(id.params.created).toBe(NOW_S)
    expect(id.params.keyid).toBe('k-hmac')
    expect(nonces.calls).toHaveLength(1)
  })

  it('accepts an Ed25519 signature given as a Fetch Request', async () => {
    const { verifier } = verifierWith()
    const message = await sign(await requestMessage({ body: 'hello' }), ed.privateKey, { components: ['@method', '@target-uri', 'content-digest'] })
    const headers = new Headers()
    for (const f of message.fields) headers.append(f.name, f.value)
    const request = new Request('https://api.test/orders?id=7', { method: 'POST', headers, body: 'hello' })
    const id = await verifier.verify(request)
    expect(id.keyid).toBe('k-ed')
    expect(id.alg).toBe('ed25519')
    // The body was read once, from the request itself (issue 10): the identity carries it.
    expect(new TextDecoder().decode(id.body)).toBe('hello')
    expect(request.bodyUsed).toBe(true)
  })

  it('accepts @authority + @path + @query instead of @target-uri', async () => {
    const { verifier } = verifierWith()
    const message = await sign(await requestMessage(), hmac, { components: ['@method', '@authority', '@path', '@query'] })
    await expect(verifier.verify(message)).resolves.toMatchObject({ keyid: 'k-hmac' })
  })

  it('tries every signature when the policy names none, using the first that verifies', async () => {
    const { verifier, nonces } = verifierWith()
    const base = await requestMessage()
    const other = await hmacKey('k-unknown')
    const first = await sign(base, other.key, { label: 'a' })
    const both = await sign(first, hmac, { label: 'b' })
    const id = await verifier.verify(both)
    expect(id.label).toBe('b')
    expect(nonces.calls).toHaveLength(1)
    expect(nonces.calls[0]?.startsWith('k-hmac')).toBe(true)
  })
})

/**
 * An HMAC key whose secret is the Ed25519 public key's own bytes (`x`): what an attacker who
 * knows the public key would sign with if the verifier let the signature pick the algorithm
 * (RFC 9421 section 7.3.6). Its `kid` is the Ed25519 record's id.
 */
async function hmacFromPublicKey(): Promise<SignetKey> {
  const { x } = (await exportJwk(ed.publicKey)) as JsonWebKey & { x: string }
  return importKey({ kty: 'oct', k: x, kid: 'k-ed' }, { kid: 'k-ed' })
}

describe('createVerifier: every refusal has its code and status', () => {
  type V = ReturnType<typeof verifierWith>
  // `recorded`: how many nonces the refusal leaves in the case's store; null when the case
  // brings a store of its own. Cases that build their own verifier share the case's store
  // (`alike`), so "nothing recorded" is checked for them too.
  const cases: Array<[string, string, number, (v: V) => Promise<unknown>, number | null]> = []
  const add = (name: string, code: string, status: number, run: (v: V) => Promise<unknown>, recorded: number | null = 0) => cases.push([name, code, status, run, recorded])
  const alike = (v: V, options: Partial<VerifierOptions>) => verifierWith({ ...options, nonces: v.nonces }).verifier

  add('unsigned request', 'ERR_SIGNATURE_MISSING', 401, async ({ verifier }) => verifier.verify(await requestMessage()))
  add('Signature-Input without Signature', 'ERR_SIGNATURE_MISSING', 401, async ({ verifier }) =>
    verifier.verify(withField(await requestMessage(), 'signature-input', 'sig1=("@method");created=1;keyid="k-hmac"')))
  add('malformed Signature-Input', 'ERR_MALFORMED_FIELD', 400, async ({ verifier }) =>
    verifier.verify(withField(withField(await requestMessage(), 'signature-input', 'sig1=(@method'), 'signature', 'sig1=:AAAA:')))
  add('oversized Signature-Input', 'ERR_FIELD_TOO_LARGE', 400, async ({ verifier }) =>
    verifier.verify(withField(withField(await requestMessage(), 'signature-input', `sig1=("@method");keyid="${'x'.repeat(9000)}"`), 'signature', 'sig1=:AAAA:')))
  add('too many signatures', 'ERR_TOO_MANY_SIGNATURES', 400, async ({ verifier }) => {
    const labels = Array.from({ length: 9 }, (_, i) => `s${i}`)
    const m = withField(withField(await requestMessage(), 'signature-input', labels.map((l) => `${l}=("@method");keyid="k"`).join(', ')), 'signature', labels.map((l) => `${l}=:AAAA:`).join(', '))
    return verifier.verify(m)
  })
  add('too many components', 'ERR_TOO_MANY_COMPONENTS', 400, async ({ verifier }) => {
    const comps = Array.from({ length: 33 }, (_, i) => `"x-h${i}"`).join(' ')
    return verifier.verify(withField(withField(await requestMessage(), 'signature-input', `sig1=(${comps});keyid="k"`), 'signature', 'sig1=:AAAA:'))
  })
  add('label not found', 'ERR_LABEL_NOT_FOUND', 401, async (v) => {
    const verifier = alike(v, { policy: { label: 'api' } })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('label does not carry the required tag', 'ERR_TAG_MISMATCH', 401, async (v) => {
    const verifier = alike(v, { policy: { label: 'sig1', tag: 'app' } })
    return verifier.verify(await sign(await requestMessage(), hmac, { tag: 'other' }))
  })
  add('no signature carries the required tag', 'ERR_TAG_MISMATCH', 401, async (v) => {
    const verifier = alike(v, { policy: { tag: 'app' } })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('missing @target-uri', 'ERR_REQUIRED_COMPONENT', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { components: ['@method'] })))
  add('missing @method', 'ERR_REQUIRED_COMPONENT', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { components: ['@target-uri'] })))
  add('body without content-digest covered', 'ERR_REQUIRED_COMPONENT', 401, async ({ verifier }) =>
    verifier.verify(await sign(await requestMessage({ body: 'x' }), hmac, { components: ['@method', '@target-uri'] })))
  add('missing created', 'ERR_REQUIRED_PARAMETER', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { created: null })))
  add('missing keyid', 'ERR_REQUIRED_PARAMETER', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { keyid: null })))
  add('missing nonce with a nonce store', 'ERR_REQUIRED_PARAMETER', 401, async ({ verifier }) => {
    const m = await requestMessage()
    const { signMessage } = await import('@signet/core')
    const r = await signMessage(m, { key: hmac, created: NOW_S })
    return verifier.verify(withField(withField(m, 'signature-input', r.signatureInput), 'signature', r.signature))
  })
  add('required extra parameter', 'ERR_REQUIRED_PARAMETER', 401, async (v) => {
    const verifier = alike(v, { policy: { requiredParameters: ['expires'] } })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('nonce too long', 'ERR_INVALID_PARAMETER', 400, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { nonce: 'n'.repeat(300) })))
  add('unknown key id', 'ERR_KEY_NOT_FOUND', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), (await hmacKey('nobody')).key)))
  add('expired key', 'ERR_KEY_EXPIRED', 401, async (v) => {
    const verifier = alike(v, { keys: [record('k-hmac', hmac, { expires: NOW_S })] })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('key not yet valid', 'ERR_KEY_NOT_YET_VALID', 401, async (v) => {
    const verifier = alike(v, { keys: [record('k-hmac', hmac, { notBefore: NOW_S + 1 })] })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('disabled key', 'ERR_KEY_DISABLED', 401, async (v) => {
    const verifier = alike(v, { keys: [record('k-hmac', hmac, { state: 'disabled' })] })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('revoked key (even with a garbage signature: no crypto runs)', 'ERR_KEY_REVOKED', 401, async (v) => {
    const verifier = alike(v, { keys: [record('k-hmac', hmac, { state: 'revoked', expires: 1 })] })
    return verifier.verify(replaceField(await sign(await requestMessage(), hmac), 'signature', 'sig1=:AAAA:'))
  })
  add('alg="hmac-sha256" against an Ed25519 key, keyed with its public bytes', 'ERR_ALG_MISMATCH', 401, async ({ verifier }) =>
    verifier.verify(await sign(await requestMessage(), await hmacFromPublicKey(), { alg: true })))
  add('HMAC keyed with the Ed25519 public bytes, no alg parameter (downgrade)', 'ERR_SIGNATURE_INVALID', 401, async ({ verifier }) =>
    verifier.verify(await sign(await requestMessage(), await hmacFromPublicKey())))
  add('algorithm not allowed by policy', 'ERR_ALG_NOT_ALLOWED', 401, async (v) => {
    const verifier = alike(v, { policy: { algorithms: ['ed25519'] } })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('client IP outside the allow list', 'ERR_IP_DENIED', 403, async (v) => {
    const verifier = alike(v, { keys: [record('k-hmac', hmac, { allowIps: ['10.0.0.0/8'] })] })
    return verifier.verify(await sign(await requestMessage(), hmac), { clientIp: '192.0.2.1' })
  })
  add('client IP on the deny list (IPv4-mapped socket address)', 'ERR_IP_DENIED', 403, async (v) => {
    const verifier = alike(v, { keys: [record('k-hmac', hmac, { denyIps: ['192.0.2.0/24'] })] })
    return verifier.verify(await sign(await requestMessage(), hmac), { clientIp: '::ffff:192.0.2.1' })
  })
  add('spoofed X-Forwarded-For from an untrusted peer', 'ERR_IP_DENIED', 403, async (v) => {
    const verifier = alike(v, { keys: [record('k-hmac', hmac, { allowIps: ['10.1.1.1'] })], trustedProxies: ['127.0.0.1'], forwardedHeader: 'x-forwarded-for' })
    const m = withField(await requestMessage(), 'x-forwarded-for', '10.1.1.1')
    return verifier.verify(await sign(m, hmac), { clientIp: '198.51.100.9' })
  })
  add('created in the future beyond skew', 'ERR_CREATED_IN_FUTURE', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S + 31 })))
  add('signature older than max age + skew', 'ERR_SIGNATURE_TOO_OLD', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S - 331 })))
  add('expired signature', 'ERR_SIGNATURE_EXPIRED', 401, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S - 100, expires: NOW_S - 31 })))
  add('method changed after signing', 'ERR_SIGNATURE_INVALID', 401, async ({ verifier }) => verifier.verify({ ...(await sign(await requestMessage(), hmac)), method: 'DELETE' }))
  add('target changed after signing', 'ERR_SIGNATURE_INVALID', 401, async ({ verifier }) => verifier.verify({ ...(await sign(await requestMessage(), hmac)), target: '/orders?id=8' }))
  add('body changed after signing', 'ERR_DIGEST_MISMATCH', 401, async ({ verifier }) => {
    const m = await sign(await requestMessage({ body: '{"amount":1}' }), hmac)
    return verifier.verify({ ...m, body: new TextEncoder().encode('{"amount":9}') })
  })
  // The first verify records the nonce, the replay tries to and is refused.
  add('replayed nonce', 'ERR_NONCE_REPLAYED', 401, async ({ verifier }) => {
    const m = await sign(await requestMessage(), hmac)
    await verifier.verify(m)
    return verifier.verify(m)
  }, 2)
  // Scopes are checked after the nonce is recorded (DESIGN.md order): the signature held.
  add('missing scope', 'ERR_SCOPE_DENIED', 403, async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac), { requiredScopes: ['orders:write'] }), 1)
  add('nonce store unreachable', 'ERR_STORE_UNAVAILABLE', 503, async () => {
    const { verifier } = verifierWith({ nonces: { record: () => { throw new SignetError('ERR_STORE_UNAVAILABLE', 'down') } } })
    return verifier.verify(await sign(await requestMessage(), hmac))
  }, null)
  add('key store unreachable', 'ERR_STORE_UNAVAILABLE', 503, async (v) => {
    const verifier = alike(v, { keys: { resolve: async () => { throw new SignetError('ERR_STORE_UNAVAILABLE', 'down') } } })
    return verifier.verify(await sign(await requestMessage(), hmac))
  })
  add('nonce store full', 'ERR_RATE_LIMITED', 429, async () => {
    const { verifier } = verifierWith({ nonces: new MemoryNonceStore({ maxEntries: 1, now: () => NOW_MS }) })
    await verifier.verify(await sign(await requestMessage(), hmac))
    return verifier.verify(await sign(await requestMessage(), hmac))
  }, null)
  add('body over the limit', 'ERR_BODY_TOO_LARGE', 413, async (v) => {
    const verifier = alike(v, { limits: { maxBodyBytes: 4 } })
    return verifier.verify(await sign(await requestMessage({ body: 'too long' }), hmac))
  })

  for (const [name, code, status, run, recorded] of cases) {
    it(`${name} -> ${code} (${status})${recorded === 0 ? ', nothing recorded' : ''}`, async () => {
      const v = verifierWith()
      const error = await rejection(run(v))
      expect(isSignetError(error)).toBe(true)
      expect(error.code).toBe(code)
      expect(problemFor(error).status).toBe(status)
      if (recorded !== null) expect(v.nonces.calls).toHaveLength(recorded)
    })
  }

  it('the downgrade forgery is real: accepted where the record is that HMAC key, refused (and unrecorded) where it is Ed25519', async () => {
    const forged = await hmacFromPublicKey()
    for (const alg of [false, true]) {
      const message = await sign(await requestMessage(), forged, { alg })
      // Control: a verifier whose record for k-ed were the public bytes as an HMAC secret accepts it.
      const naive = verifierWith({ keys: [record('k-ed', forged)] })
      await expect(naive.verifier.verify(message)).resolves.toMatchObject({ keyid: 'k-ed', alg: 'hmac-sha256' })
      // The real record is the Ed25519 key, which fixes the algorithm.
      const v = verifierWith()
      expect(await codeOf(v.verifier.verify(message))).toBe(alg ? 'ERR_ALG_MISMATCH' : 'ERR_SIGNATURE_INVALID')
      expect(v.nonces.calls).toEqual([])
    }
  })
})

describe('createVerifier: replay store discipline', () => {
  it('records nothing when the signature, digest, key state or IP check fails', async () => {
    const attempts: Array<(v: ReturnType<typeof verifierWith>) => Promise<unknown>> = [
      async ({ verifier }) => verifier.verify(replaceField(await sign(await requestMessage(), hmac), 'signature', `sig1=:${Buffer.alloc(32).toString('base64')}:`)),
      async ({ verifier }) => verifier.verify({ ...(await sign(await requestMessage({ body: 'a' }), hmac)), body: new Uint8Array([98]) }),
      async ({ verifier }) => verifier.verify(await sign(await requestMessage(), (await hmacKey('nobody')).key)),
      async ({ verifier }) => verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S - 1000 })),
    ]
    for (const attempt of attempts) {
      const v = verifierWith()
      await rejection(attempt(v))
      expect(v.nonces.calls).toEqual([])
    }
    const v = verifierWith({ keys: [record('k-hmac', hmac, { allowIps: ['10.0.0.0/8'] })] })
    await rejection(v.verifier.verify(await sign(await requestMessage(), hmac), { clientIp: '192.0.2.1' }))
    expect(v.nonces.calls).toEqual([])
  })

  it('scopes keys by key id, and remembers a nonce for the whole signature window', async () => {
    let now = NOW_MS
    const store = new MemoryNonceStore({ now: () => now })
    const verifier = createVerifier({ keys: [record('k-hmac', hmac)], nonces: store, clock: () => now })
    const m = await sign(await requestMessage(), hmac, { created: NOW_S })
    await verifier.verify(m)
    now += 329_000 // still inside max age (300) + skew (30)
    expect((await rejection(verifier.verify(m))).code).toBe('ERR_NONCE_REPLAYED')
    now += 2_000 // now outside: refused by age, not by the store
    expect((await rejection(verifier.verify(m))).code).toBe('ERR_SIGNATURE_TOO_OLD')
  })

  it('accepts a signature created within the skew, and an unexpired one', async () => {
    const { verifier } = verifierWith()
    await expect(verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S + 30 }))).resolves.toBeTruthy()
    await expect(verifier.verify(await sign(await requestMessage(), hmac, { created: NOW_S - 330, expires: NOW_S + 10 }))).resolves.toBeTruthy()
  })

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    const { verifier } = verifierWith({ keys: [record('k-hmac', hmac, { allowIps: ['203.0.113.0/24'] })], trustedProxies: ['127.0.0.1'], forwardedHeader: 'x-forwarded-for' })
    const m = await sign(withField(await requestMessage(), 'x-forwarded-for', '203.0.113.50'), hmac)
    await expect(verifier.verify(m, { clientIp: '127.0.0.1' })).resolves.toMatchObject({ clientIp: '203.0.113.50' })
  })
})

describe('createVerifier: replay protection is on by default', () => {
  it('without a nonces option a memory store is used: a nonce is required and a replay refused', async () => {
    const verifier = createVerifier({ keys: [record('k-hmac', hmac)], clock: () => NOW_MS })
    const m = await sign(await requestMessage(), hmac)
    await verifier.verify(m)
    expect(await codeOf(verifier.verify(m))).toBe('ERR_NONCE_REPLAYED')
    expect(verifier.policy.requireNonce).toBe(true)
    expect(await codeOf(verifier.verify(await sign(await requestMessage(), hmac, { nonce: undefined as unknown as string, created: NOW_S }).then((x) => ({ ...x, fields: x.fields.map((f) => (f.name === 'signature-input' ? { name: f.name, value: f.value.replace(/;nonce="[^"]*"/, '') } : f)) })))))
      .toBe('ERR_REQUIRED_PARAMETER')
  })

  it('nonces: false turns it off', async () => {
    const verifier = createVerifier({ keys: [record('k-hmac', hmac)], clock: () => NOW_MS, nonces: false })
    const m = await sign(await requestMessage(), hmac)
    await verifier.verify(m)
    await expect(verifier.verify(m)).resolves.toMatchObject({ keyid: 'k-hmac' })
    expect(verifier.policy.requireNonce).toBe(false)
  })
})

describe('createVerifier: hooks', () => {
  it('reports accepted and rejected requests without awaiting or failing on the hooks', async () => {
    const verified: VerificationEvent[] = []
    const rejected: VerificationEvent[] = []
    const { verifier } = verifierWith({
      onVerified: (e) => {
        verified.push(e)
        throw new Error('broken sink')
      },
      onRejected: async (e) => {
        rejected.push(e)
        await new Promise(() => {}) // never settles: must not block the response
      },
    })
    await expect(verifier.verify(await sign(await requestMessage(), hmac), { clientIp: '192.0.2.4' })).resolves.toBeTruthy()
    const unknown = await sign(await requestMessage(), (await hmacKey('nobody')).key)
    expect((await rejection(verifier.verify(unknown, { clientIp: '192.0.2.5' }))).code).toBe('ERR_KEY_NOT_FOUND')
    await new Promise((r) => setTimeout(r, 0))
    expect(verified).toEqual([{ keyid: 'k-hmac', time: NOW_MS, label: 'sig1', ip: '192.0.2.4' }])
    expect(rejected).toEqual([{ keyid: 'nobody', time: NOW_MS, label: 'sig1', ip: '192.0.2.5', code: 'ERR_KEY_NOT_FOUND' }])
  })

  it('a body over the limit is reported with the client address', async () => {
    const rejected: VerificationEvent[] = []
    const { verifier } = verifierWith({ limits: { maxBodyBytes: 4 }, onRejected: (e) => void rejected.push(e) })
    expect(await codeOf(verifier.verify(await sign(await requestMessage({ body: 'too long' }), hmac), { clientIp: '192.0.2.6' }))).toBe('ERR_BODY_TOO_LARGE')
    await new Promise((r) => setTimeout(r, 0))
    expect(rejected).toEqual([{ time: NOW_MS, ip: '192.0.2.6', code: 'ERR_BODY_TOO_LARGE' }])
  })

  it('reject() hands an adapter\'s own refusal to onRejected in the same shape, after the current task', async () => {
    const rejected: VerificationEvent[] = []
    const { verifier } = verifierWith({
      onRejected: (e) => {
        rejected.push(e)
        throw new Error('broken sink')
      },
    })
    verifier.reject(new SignetError('ERR_BODY_TOO_LARGE', 'x'), { clientIp: '192.0.2.7' })
    verifier.reject(new SignetError('ERR_SCOPE_DENIED', 'x'), { clientIp: '192.0.2.8', keyid: 'k-hmac', label: 'sig1' })
    verifier.reject(new Error('not coded'))
    expect(rejected).toEqual([])
    await new Promise((r) => setTimeout(r, 0))
    expect(rejected).toEqual([
      { time: NOW_MS, ip: '192.0.2.7', code: 'ERR_BODY_TOO_LARGE' },
      { time: NOW_MS, keyid: 'k-hmac', label: 'sig1', ip: '192.0.2.8', code: 'ERR_SCOPE_DENIED' },
      { time: NOW_MS },
    ])
    // Without a hook there is nothing to call, and nothing throws.
    expect(() => verifierWith().verifier.reject(new SignetError('ERR_BODY_TOO_LARGE', 'x'))).not.toThrow()
  })
})

describe('createVerifier: options are validated at creation', () => {
  const keys = memoryKeys([])
  const bad: Array<[string, unknown]> = [
    ['no options', undefined],
    ['keys not a resolver', { keys: 5 }],
    ['nonces not a store', { keys, nonces: {} }],
    ['negative max age', { keys, policy: { maxAgeSeconds: -1 } }],
    ['skew not a number', { keys, policy: { clockSkewSeconds: '30' } }],
    ['bad component', { keys, policy: { requiredComponents: ['"@method'] } }],
    ['unknown algorithm', { keys, policy: { algorithms: ['md5'] } }],
    ['nonce required without a store', { keys, nonces: false, policy: { requireNonce: true } }],
    ['limits not positive', { keys, limits: { maxSignatures: 0 } }],
    ['clock not a function', { keys, clock: 5 }],
    ['hook not a function', { keys, onVerified: 'x' }],
    ['trusted proxy not an address', { keys, trustedProxies: ['proxy.local'] }],
  ]
  for (const [name, options] of bad) {
    it(name, () => {
      expect(() => createVerifier(options as VerifierOptions)).toThrow(expect.objectContaining({ name: expect.stringMatching(/^(TypeError|RangeError)$/) }))
    })
  }
  it('a malformed key record is refused when the resolver is built', async () => {
    expect(() => createVerifier({ keys: [{ id: '', key: hmac }] })).toThrow(TypeError)
    expect(() => createVerifier({ keys: [{ id: 'a', key: hmac, allowIps: 'x' as unknown as string[] }] })).toThrow(TypeError)
  })
})

describe('createVerifier: properties and bad inputs', () => {
  it('any one-byte change of the body is refused, and nothing is recorded', async () => {
    const signed = await sign(await requestMessage({ body: '{"order":42,"amount":"10.00"}' }), hmac)
    const body = signed.body as Uint8Array
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, delta) => {
        const v = verifierWith()
        const changed = body.slice()
        changed[index] = ((changed[index] as number) + delta) % 256
        const error = await rejection(v.verifier.verify({ ...signed, body: changed }))
        expect(error.code).toBe('ERR_DIGEST_MISMATCH')
        expect(v.nonces.calls).toEqual([])
      }),
      { numRuns: 40 },
    )
  })

  it('any one-character change of the signature is refused', async () => {
    const signed = await sign(await requestMessage(), hmac)
    const value = signed.fields.find((f) => f.name === 'signature')?.value as string
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 6, max: value.length - 3 }), fc.constantFrom(...alphabet), async (index, ch) => {
        fc.pre(value[index] !== ch && value[index] !== '=')
        // RFC 8941 section 4.2.7: non-zero pad bits are tolerated, so a change confined to them is no change.
        const b64 = (v: string) => Buffer.from(v.slice(v.indexOf(':') + 1, v.lastIndexOf(':')), 'base64').toString('hex')
        fc.pre(b64(value) !== b64(value.slice(0, index) + ch + value.slice(index + 1)))
        const v = verifierWith()
        const error = await rejection(v.verifier.verify(replaceField(signed, 'signature', value.slice(0, index) + ch + value.slice(index + 1))))
        expect(isSignetError(error)).toBe(true)
        expect(v.nonces.calls).toEqual([])
      }),
      { numRuns: 200 },
    )
  })

  it('random Signature-Input / Signature values never crash: always a coded error', async () => {
    const base = await requestMessage()
    const junk = ['', ',', '=', 'sig1', 'sig1=', 'sig1=()', 'sig1=("@method"', 'sig1=:AAAA:', 'sig1=("@method");created=x', 'sig1=("@method");created=1.5',
      'sig1=("@method");keyid=5', 'sig1=("@query-param")', 'sig1=("@method" "@method");keyid="k-hmac";created=1', 'Sig1=("@method")', 'sig1=("\u00e9")',
      'sig1=("@method");keyid="k-hmac";nonce=1', 'sig1=("@signature-params");keyid="k-hmac";created=1', 'sig1=(1 2 3)', 'sig1=?1', 'sig1=("@method";req);keyid="k-hmac";created=1']
    const sigJunk = ['sig1=:AAAA:', 'sig1=AAAA', 'sig1=:!!:', '', 'sig1=()', 'sig2=:AAAA:']
    for (const input of junk) {
      for (const sig of sigJunk) {
        const v = verifierWith()
        const error = await rejection(v.verifier.verify(withField(withField(base, 'signature-input', input), 'signature', sig)))
        expect(isSignetError(error), `${input} / ${sig}: ${String(error)}`).toBe(true)
        expect(v.nonces.calls).toEqual([])
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), async (input, sig) => {
        const v = verifierWith()
        const error = await rejection(v.verifier.verify(withField(withField(base, 'signature-input', input), 'signature', sig)))
        expect(isSignetError(error)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })
})

describe('problem responses', () => {
  it('401 carries Accept-Signature (parseable, stating the policy), WWW-Authenticate and Date', async () => {
    const { verifier } = verifierWith({ policy: { tag: 'app' } })
    const error = await rejection(verifier.verify(await requestMessage()))
    const p = problemFor(error, { policy: verifier.policy, now: NOW_MS })
    expect(p.status).toBe(401)
    expect(p.headers['content-type']).toBe('application/problem+json')
    expect(p.headers['www-authenticate']).toBe('Signature realm="signet"')
    expect(p.headers['date']).toBe(new Date(NOW_MS).toUTCString())
    const accept = parseAcceptSignature([p.headers['accept-signature'] as string]).get('sig1')
    expect(accept?.components.map((c) => c.name)).toEqual(['@method', '@target-uri', 'content-digest'])
    expect(accept?.params).toEqual({ created: true, nonce: true, keyid: true, tag: 'app' })
    expect(JSON.parse(p.body)).toMatchObject({ status: 401, code: 'ERR_SIGNATURE_MISSING', title: 'Unauthorized' })
  })

  it('403/429/503 carry no challenge; 503 and 429 carry Retry-After; non-Signet errors are a bare 500', () => {
    expect(problemFor(new SignetError('ERR_SCOPE_DENIED', 'x')).headers['accept-signature']).toBeUndefined()
    expect(problemFor(new SignetError('ERR_STORE_UNAVAILABLE', 'x')).headers['retry-after']).toBe('1')
    expect(problemFor(new SignetError('ERR_RATE_LIMITED', 'x')).status).toBe(429)
    const internal = problemFor(new Error('secret path /etc/x'))
    expect(internal.status).toBe(500)
    expect(internal.body).not.toContain('/etc/x')
  })

  it('the challenge follows a replaced component list', () => {
    const { verifier } = verifierWith({ policy: { requiredComponents: ['"@method"', '"@path"'], requireContentDigest: false } })
    const p = problemFor(new SignetError('ERR_SIGNATURE_MISSING', 'x'), { policy: verifier.policy })
    expect(p.headers['accept-signature']).toBe('sig1=("@method" "@path");created;nonce;keyid')
  })
})

describe('a spy on Date-free clocks', () => {
  it('uses the injected clock, not Date.now', async () => {
    const spy = vi.spyOn(Date, 'now')
    const { verifier } = verifierWith()
    await verifier.verify(await sign(await requestMessage(), hmac))
    expect(spy).not.toHaveBeenCalled()
    spy.mockRestore()
  })
})

void freshNonce
export type { HttpRequestMessage }

describe('Fetch Request bodies', () => {
  const streamOf = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text)
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7))
        controller.close()
      },
    })

  async function streamed(body: string, signedBody = body): Promise<Request> {
    const m = await sign(await requestMessage({ body: signedBody }), hmac)
    const headers = new Headers()
    for (const f of m.fields) headers.append(f.name, f.value)
    return new Request('https://api.test/orders?id=7', { method: 'POST', headers, body: streamOf(body), duplex: 'half' } as RequestInit)
  }

  it('reads a streamed body of unknown length up to the limit and verifies its digest', async () => {
    const { verifier } = verifierWith({ limits: { maxBodyBytes: 64 } })
    const request = await streamed('{"streamed":true,"n":12345}')
    expect(request.headers.get('content-length')).toBeNull()
    const identity = await verifier.verify(request)
    expect(identity.keyid).toBe('k-hmac')
    expect(new TextDecoder().decode(identity.body)).toBe('{"streamed":true,"n":12345}')
    const swapped = await streamed('{"streamed":true,"n":99999}', '{"streamed":true,"n":12345}')
    expect(await codeOf(verifier.verify(swapped))).toBe('ERR_DIGEST_MISMATCH')
  })

  it('stops reading a streamed body at the limit', async () => {
    const { verifier } = verifierWith({ limits: { maxBodyBytes: 16 } })
    expect(await codeOf(verifier.verify(await streamed('x'.repeat(100))))).toBe('ERR_BODY_TOO_LARGE')
  })

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const { verifier } = verifierWith({ limits: { maxBodyBytes: 16 } })
    const m = await sign(await requestMessage({ body: 'y'.repeat(40) }), hmac)
    const headers = new Headers()
    for (const f of m.fields) headers.append(f.name, f.value)
    headers.set('content-length', '40')
    expect(await codeOf(verifier.verify(new Request('https://api.test/orders?id=7', { method: 'POST', headers, body: 'y'.repeat(40) })))).toBe('ERR_BODY_TOO_LARGE')
  })
})

describe('Node hot path', () => {
  it('verifying a message model never reads the global Request (which loads undici on Node 20)', async () => {
    const { verifier } = verifierWith()
    const message = await sign(await requestMessage({ body: '{"a":1}' }), hmac)
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'Request') as PropertyDescriptor
    let touched = 0
    Object.defineProperty(globalThis, 'Request', {
      configurable: true,
      get() {
        touched++
        return descriptor.value ?? descriptor.get?.call(globalThis)
      },
    })
    try {
      await verifier.verify(message)
      await rejection(verifier.verify({ ...message, body: new Uint8Array([1]) }))
    } finally {
      Object.defineProperty(globalThis, 'Request', descriptor)
    }
    expect(touched).toBe(0)
  })

  it('refuses an input that is neither a Request nor a message with a TypeError', async () => {
    const { verifier } = verifierWith()
    for (const bad of [null, 5, 'GET / HTTP/1.1', {}, { kind: 'request' }]) {
      await expect(verifier.verify(bad as never)).rejects.toBeInstanceOf(TypeError)
    }
  })
})
