/**
 * signMessage / verifyMessage against RFC 9421: every published signature verifies, the
 * deterministic ones (HMAC, Ed25519, RSA v1.5) re-sign byte for byte; then selection,
 * requirements, times, algorithms, digests, properties and bad inputs.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  exportJwk,
  generateKey,
  importKey,
  parseHttpMessage,
  publicKey,
  signMessage,
  verifyMessage,
  type AlgorithmName,
  type HttpMessage,
  type SignetErrorCode,
  type SignetKey,
} from '../src/entries/index.ts'
import { signedMessage, vectors, type VectorExample } from './rfc9421-vectors.ts'

const keys = new Map<string, SignetKey>()
async function keyFor(example: { keyid: string; alg: string }): Promise<SignetKey> {
  const cacheKey = example.keyid + ' ' + example.alg
  let key = keys.get(cacheKey)
  if (key === undefined) {
    key = await importKey(vectors.keys[example.keyid]!.jwk, { alg: example.alg as AlgorithmName })
    keys.set(cacheKey, key)
  }
  return key
}

function createdOf(example: VectorExample): number {
  return Number(/created=(\d+)/.exec(example.signature_params)![1])
}

/** A message without its Signature-Input and Signature fields. */
function unsigned(message: HttpMessage): HttpMessage {
  return { ...message, fields: message.fields.filter((f) => f.name !== 'signature-input' && f.name !== 'signature') }
}

/** A message with the result of a signMessage appended. */
function withSignature(message: HttpMessage, r: { signatureInput: string; signature: string }): HttpMessage {
  return {
    ...message,
    fields: [...message.fields, { name: 'signature-input', value: r.signatureInput }, { name: 'signature', value: r.signature }],
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    return (err as { code?: string }).code ?? `not coded: ${String(err)}`
  }
  return undefined
}

describe('every published signature verifies', () => {
  for (const example of vectors.examples) {
    it(`${example.id} (${example.alg})`, async () => {
      const message = signedMessage(example)
      const key = await keyFor(example)
      const [verified] = await verifyMessage(message, { key, label: example.label, now: () => createdOf(example) })
      expect(verified).toMatchObject({ label: example.label, keyid: example.keyid, alg: example.alg })
      expect(verified!.components).toEqual(example.covered_components)
      // The public half alone verifies too.
      if (!verified!.key.algorithm.symmetric) {
        await verifyMessage(message, { key: publicKey(key), label: example.label, now: () => createdOf(example) })
      }
    })
  }
  it('B.4 transformations: safe ones verify, unsafe ones do not', async () => {
    const example = vectors.examples.find((e) => e.id === 'B.4')!
    const key = await keyFor(example)
    for (const variant of example.message_variants!) {
      const result = verifyMessage(signedMessage(example, variant.message), { key, now: () => createdOf(example) })
      if (variant.expect === 'valid') await result
      else expect(await codeOf(result), variant.why).toBe('ERR_SIGNATURE_INVALID')
    }
  })
})

describe('deterministic signatures re-sign byte for byte', () => {
  const cases: [string, string, string[]][] = [
    ['B.2.5', 'test-request', ['created', 'keyid']],
    ['B.2.6', 'test-request', ['created', 'keyid']],
    ['B.4', 'b4-original', ['created', 'keyid']],
    ['S4.3-proxy', 's4.3-forwarded-request', ['created', 'keyid', 'alg', 'expires']],
  ]
  for (const [id, messageName, paramOrder] of cases) {
    it(id, async () => {
      const example = vectors.examples.find((e) => e.id === id)!
      const v = vectors.messages[messageName]!
      const message = unsigned(parseHttpMessage(v.raw_crlf, { scheme: v.scheme ?? 'https' }))
      const expires = /expires=(\d+)/.exec(example.signature_params)
      const result = await signMessage(message, {
        key: await keyFor(example),
        label: example.label,
        components: example.covered_components,
        created: createdOf(example),
        ...(expires === null ? {} : { expires: Number(expires[1]) }),
        alg: paramOrder.includes('alg'),
        keyid: example.keyid,
        paramOrder,
      })
      expect(result.base).toBe(example.signature_base)
      expect(result.signatureInput).toBe(`${example.label}=${example.signature_params}`)
      const b64 = example.signature_b64 ?? example.signature_value_block!
      expect(result.signature).toBe(`${example.label}=:${b64}:`)
    })
  }
  it('B.2.1 parameter order (created, keyid, nonce) with an RSA-PSS signature that verifies', async () => {
    const example = vectors.examples.find((e) => e.id === 'B.2.1')!
    const message = parseHttpMessage(vectors.messages['test-request']!.raw_crlf)
    const key = await keyFor(example)
    const result = await signMessage(message, {
      key,
      label: 'sig-b21',
      components: [],
      created: 1618884473,
      nonce: 'b3k2pp5k7z-50gnwp.yemd',
      keyid: 'test-key-rsa-pss',
      paramOrder: ['created', 'keyid', 'nonce'],
    })
    expect(result.signatureInput).toBe(example.signature_input)
    expect(result.base).toBe(example.signature_base)
    await verifyMessage(withSignature(message, result), { key, now: () => 1618884473 })
  })
})

describe('verification policy', () => {
  let hmac: SignetKey
  let ed: SignetKey
  const request = parseHttpMessage('POST /things?x=1 HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/json\r\nContent-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\r\n\r\n{"hello": "world"}')
  const now = 1_700_000_000
  beforeAll(async () => {
    hmac = await importKey({ kty: 'oct', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ', kid: 'h1' })
    ed = await generateKey('ed25519', { kid: 'e1' })
  })
  async function signed(options: Partial<Parameters<typeof signMessage>[1]> = {}, message: HttpMessage = request): Promise<HttpMessage> {
    return withSignature(message, await signMessage(message, { key: hmac, now: () => now, ...options }))
  }

  it('defaults: @method @target-uri content-digest content-type, created, keyid', async () => {
    const r = await signMessage(request, { key: hmac, now: () => now })
    expect(r.signatureInput).toBe(`sig1=("@method" "@target-uri" "content-digest" "content-type");created=${now};keyid="h1"`)
    expect(r.params).toEqual({ created: now, keyid: 'h1' })
    const res = parseHttpMessage('HTTP/1.1 200 OK\r\n\r\n')
    expect((await signMessage(res, { key: hmac, created: null, keyid: null })).signatureInput).toBe('sig1=("@status")')
  })
  it('a reused components array is prepared once, and a mutated one is noticed', async () => {
    const components = ['@method']
    expect((await signMessage(request, { key: hmac, components, created: 1 })).base).toBe('"@method": POST\n"@signature-params": ("@method");created=1;keyid="h1"')
    components.push('@path')
    expect((await signMessage(request, { key: hmac, components, created: 1 })).signatureInput).toBe('sig1=("@method" "@path");created=1;keyid="h1"')
  })
  it('a fractional clock is floored for created', async () => {
    expect((await signMessage(request, { key: hmac, components: [], now: () => 1700000000.9 })).params.created).toBe(1700000000)
  })
  it('explicit parameters follow paramOrder, defaults follow in the fixed order', async () => {
    const r = await signMessage(request, { key: hmac, now: () => now, tag: 't', nonce: 'n', expires: now + 60, alg: true, paramOrder: ['tag', 'nonce'], components: ['@method'] })
    expect(r.signatureInput).toBe(`sig1=("@method");tag="t";nonce="n";created=${now};expires=${now + 60};alg="hmac-sha256";keyid="h1"`)
  })
  it('the content digest is recomputed when covered and a body is present', async () => {
    const message = await signed()
    await verifyMessage(message, { key: hmac, now: () => now })
    const tampered = { ...message, body: new TextEncoder().encode('{"hello": "World"}') }
    expect(await codeOf(verifyMessage(tampered, { key: hmac, now: () => now }))).toBe('ERR_DIGEST_MISMATCH')
    // Not covered: the body is not the signature's business.
    const loose = await signed({ components: ['@method'] })
    await verifyMessage({ ...loose, body: new Uint8Array([1]) }, { key: hmac, now: () => now })
  })
  it('label and tag selection never trusts the label alone', async () => {
    const message = await signed({ label: 'a', tag: 'app' })
    await verifyMessage(message, { key: hmac, label: 'a', tag: 'app', now: () => now })
    await verifyMessage(message, { key: hmac, tag: 'app', now: () => now })
    expect(await codeOf(verifyMessage(message, { key: hmac, label: 'a', tag: 'other', now: () => now }))).toBe('ERR_TAG_MISMATCH')
    expect(await codeOf(verifyMessage(message, { key: hmac, tag: 'other', now: () => now }))).toBe('ERR_TAG_MISMATCH')
    expect(await codeOf(verifyMessage(message, { key: hmac, label: 'b', now: () => now }))).toBe('ERR_LABEL_NOT_FOUND')
  })
  it('without label or tag, every signature must verify', async () => {
    const one = await signed({ label: 'a' })
    const two = withSignature(one, await signMessage(one, { key: ed, label: 'b', now: () => now }))
    const lookup = ({ keyid }: { keyid?: string | undefined }) => (keyid === 'h1' ? hmac : keyid === 'e1' ? ed : undefined)
    expect((await verifyMessage(two, { key: lookup, now: () => now })).map((v) => v.label)).toEqual(['a', 'b'])
    expect(await codeOf(verifyMessage(two, { key: hmac, now: () => now }))).toBe('ERR_KEY_ID_MISMATCH')
    expect(await codeOf(verifyMessage(two, { key: () => undefined, now: () => now }))).toBe('ERR_KEY_NOT_FOUND')
    const broken = { ...two, fields: two.fields.map((f) => (f.name === 'signature' && f.value.startsWith('b=') ? { ...f, value: 'b=:' + 'A'.repeat(86) + '==:' } : f)) }
    expect(await codeOf(verifyMessage(broken, { key: lookup, now: () => now }))).toBe('ERR_SIGNATURE_INVALID')
    await verifyMessage(broken, { key: lookup, label: 'a', now: () => now })
  })
  it('signing a label already present is ERR_LABEL_EXISTS', async () => {
    const message = await signed()
    expect(await codeOf(signMessage(message, { key: hmac }))).toBe('ERR_LABEL_EXISTS')
    await signMessage(message, { key: hmac, label: 'sig2' })
  })
  it('required components and parameters', async () => {
    const message = await signed({ components: ['@method', '"@query-param";name="x"'] })
    await verifyMessage(message, { key: hmac, now: () => now, requiredComponents: ['@method', '"@query-param";name="x"'], requiredParameters: ['created'] })
    expect(await codeOf(verifyMessage(message, { key: hmac, now: () => now, requiredComponents: ['@target-uri'] }))).toBe('ERR_REQUIRED_COMPONENT')
    expect(await codeOf(verifyMessage(message, { key: hmac, now: () => now, requiredParameters: ['nonce'] }))).toBe('ERR_REQUIRED_PARAMETER')
  })
  it('times: expires always, created in the future, max age, skew', async () => {
    const message = await signed({ expires: now + 100 })
    const at = (t: number, extra = {}) => codeOf(verifyMessage(message, { key: hmac, now: () => t, ...extra }))
    expect(await at(now + 100)).toBeUndefined()
    expect(await at(now + 101)).toBe('ERR_SIGNATURE_EXPIRED')
    expect(await at(now - 1)).toBe('ERR_CREATED_IN_FUTURE')
    expect(await at(now - 30, { clockSkewSeconds: 30 })).toBeUndefined()
    expect(await at(now - 31, { clockSkewSeconds: 30 })).toBe('ERR_CREATED_IN_FUTURE')
    // allowCreatedInFuture lifts only the future check: expires and max age still hold.
    expect(await at(now - 1000, { allowCreatedInFuture: true })).toBeUndefined()
    expect(await at(now + 101, { allowCreatedInFuture: true })).toBe('ERR_SIGNATURE_EXPIRED')
    expect(await at(now + 50, { allowCreatedInFuture: true, maxAgeSeconds: 49 })).toBe('ERR_SIGNATURE_TOO_OLD')
    expect(await at(now + 50, { maxAgeSeconds: 49 })).toBe('ERR_SIGNATURE_TOO_OLD')
    expect(await at(now + 50, { maxAgeSeconds: 50 })).toBeUndefined()
    const noCreated = await signed({ created: null })
    expect(await codeOf(verifyMessage(noCreated, { key: hmac, now: () => now, maxAgeSeconds: 10 }))).toBe('ERR_REQUIRED_PARAMETER')
    const vector = vectors.examples.find((e) => e.id === 'S4.3-proxy')!
    expect(await codeOf(verifyMessage(signedMessage(vector), { key: await keyFor(vector), label: 'proxy_sig', now: () => 1618884541 }))).toBe('ERR_SIGNATURE_EXPIRED')
  })
  it('algorithm pinned to the key; allowed algorithms', async () => {
    const message = await signed({ alg: true, keyid: null })
    const otherHmacKeyNoKid = await importKey({ kty: 'oct', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ' })
    await verifyMessage(message, { key: otherHmacKeyNoKid, now: () => now })
    const edPublic = await exportJwk(ed, { private: false })
    const edOther = await importKey({ ...edPublic, kid: 'x' } as JsonWebKey)
    expect(await codeOf(verifyMessage(message, { key: () => edOther, now: () => now }))).toBe('ERR_ALG_MISMATCH')
    expect(await codeOf(verifyMessage(message, { key: hmac, algorithms: ['ed25519'], now: () => now }))).toBe('ERR_ALG_NOT_ALLOWED')
  })
  it('missing or malformed signature fields', async () => {
    expect(await codeOf(verifyMessage(request, { key: hmac }))).toBe('ERR_SIGNATURE_MISSING')
    const onlyInput = { ...request, fields: [...request.fields, { name: 'signature-input', value: 'sig1=()' }] }
    expect(await codeOf(verifyMessage(onlyInput, { key: hmac }))).toBe('ERR_SIGNATURE_MISSING')
    const mismatched = { ...onlyInput, fields: [...onlyInput.fields, { name: 'signature', value: 'sig2=:AAAA:' }] }
    expect(await codeOf(verifyMessage(mismatched, { key: hmac }))).toBe('ERR_MALFORMED_FIELD')
    const garbage = { ...request, fields: [...request.fields, { name: 'signature-input', value: 'sig1=(' }, { name: 'signature', value: 'sig1=:AAAA:' }] }
    expect(await codeOf(verifyMessage(garbage, { key: hmac }))).toBe('ERR_MALFORMED_FIELD')
    const tooMany = { ...request, fields: [...request.fields, { name: 'signature-input', value: 'sig1=()' }, { name: 'signature', value: 'sig1=:AAAA:' }] }
    expect(await codeOf(verifyMessage(tooMany, { key: hmac, limits: { maxFieldLength: 3 } }))).toBe('ERR_FIELD_TOO_LARGE')
  })
  it('signing refuses bad components with coded errors and bad options with TypeErrors', async () => {
    expect(await codeOf(signMessage(request, { key: hmac, components: ['@method', '@method'] }))).toBe('ERR_DUPLICATE_COMPONENT')
    expect(await codeOf(signMessage(request, { key: hmac, components: ['@nope'] }))).toBe('ERR_UNKNOWN_COMPONENT')
    expect(await codeOf(signMessage(request, { key: hmac, components: ['x-missing'] }))).toBe('ERR_MISSING_COMPONENT')
    expect(await codeOf(signMessage(request, { key: hmac, components: ['"@query-param";name="x"', '"@query-param";name="x"'] }))).toBe('ERR_DUPLICATE_COMPONENT')
    expect(await codeOf(signMessage(parseHttpMessage('GET /?x=1&x=2 HTTP/1.1\nHost: h'), { key: hmac, components: ['"@query-param";name="x"'] }))).toBe('ERR_AMBIGUOUS_QUERY_PARAM')
    expect(await codeOf(signMessage(request, { key: hmac, components: ['Bad Name'] }))).toBe('ERR_INVALID_COMPONENT')
    const obsText = parseHttpMessage(new Uint8Array([...new TextEncoder().encode('GET / HTTP/1.1\r\nHost: h\r\nX-L: caf'), 0xe9, 13, 10, 13, 10]))
    expect(await codeOf(signMessage(obsText, { key: hmac, components: ['x-l'] }))).toBe('ERR_INVALID_COMPONENT')
    expect((await signMessage(obsText, { key: hmac, components: ['"x-l";bs'], created: 1, keyid: null })).base).toBe('"x-l";bs: :Y2Fm6Q==:\n"@signature-params": ("x-l";bs);created=1')
    const forged = { ...request, fields: [...request.fields, { name: 'x-n', value: 'a\n"@method": GET' }] }
    expect(await codeOf(signMessage(forged, { key: hmac, components: ['x-n'] }))).toBe('ERR_INVALID_COMPONENT')
    await expect(signMessage(request, { key: hmac, label: 'Sig' })).rejects.toThrow(TypeError)
    await expect(signMessage(request, { key: hmac, created: 1.5 })).rejects.toThrow(TypeError)
    await expect(signMessage(request, { key: hmac, nonce: 'é' })).rejects.toThrow(TypeError)
    await expect(signMessage(request, { key: {} as SignetKey })).rejects.toThrow(TypeError)
  })
})

describe('properties', () => {
  let hmac: SignetKey
  beforeAll(async () => {
    hmac = await importKey({ kty: 'oct', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ' })
  })
  const token = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/)
  const messageArb = fc.record({
    method: fc.constantFrom('GET', 'POST', 'put', 'DELETE'),
    path: fc.stringMatching(/^(\/[a-zA-Z0-9._~%-]{0,8}){1,3}$/),
    query: fc.option(fc.stringMatching(/^[a-z0-9=&+%.-]{0,20}$/), { nil: undefined }),
    host: fc.stringMatching(/^[a-z0-9]{1,10}\.(com|org)(:[0-9]{2,4})?$/),
    fields: fc.array(fc.tuple(fc.constantFrom('x-a', 'x-b', 'accept'), fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/)), { maxLength: 4 }),
  })
  function build(m: { method: string; path: string; query: string | undefined; host: string; fields: [string, string][] }): string {
    return `${m.method} ${m.path}${m.query === undefined ? '' : '?' + m.query} HTTP/1.1\r\nHost: ${m.host}\r\n${m.fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`
  }
  it('verify(sign(m)) holds, and a one-byte change to a covered component fails', async () => {
    await fc.assert(
      fc.asyncProperty(messageArb, token, fc.nat(), async (m, label, at) => {
        const text = build(m)
        const message = parseHttpMessage(text)
        const components = ['@method', '@target-uri', ...new Set(m.fields.map(([n]) => n))]
        const r = await signMessage(message, { key: hmac, label: label.toLowerCase().replace(/^[^a-z]/, 'x'), components, created: 1 })
        await verifyMessage(withSignature(message, r), { key: hmac, now: () => 1 })
        // Change one byte of the start line or of a covered field value.
        const lineEnd = text.indexOf('\r\n\r\n')
        const i = at % lineEnd
        const c = text[i]!
        if (c === ' ' || c === '\r' || c === '\n' || c === ':' || text.slice(0, i).endsWith(':')) return
        const replacement = c === 'a' ? 'b' : 'a'
        let changed
        try {
          changed = parseHttpMessage(text.slice(0, i) + replacement + text.slice(i + 1))
        } catch {
          return
        }
        const names = changed.fields.map((f) => f.name).join()
        if (names !== message.fields.map((f) => f.name).join()) return // a field name changed: not a covered value
        const result = await codeOf(verifyMessage(withSignature(changed, r), { key: hmac, now: () => 1 }))
        expect(result).toBe('ERR_SIGNATURE_INVALID')
      }),
      { numRuns: 150 },
    )
  })
})
