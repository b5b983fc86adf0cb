/**
 * RFC 9421 Appendix B and sections 2.4, 3.2, 4.3 examples, verified through createVerifier.
 * Source: test/vectors/rfc9421-vectors.json (the repository's copy). The examples date from 2021,
 * so the clock is injected and the policy relaxed to what each example covers.
 */
import { readFileSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { importKey, parseHttpMessage, hasErrorCode } from '@signet/core'
import type { AlgorithmName, HttpMessage, HttpRequestMessage } from '@signet/core'
import { createVerifier } from '../src/verifier.ts'
import { MemoryNonceStore } from '../src/nonce-stores/memory.ts'
import type { KeyRecord } from '../src/key-record.ts'

const path = fileURLToPath(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url))
const present = existsSync(path)
if (!present) {
  if (process.env['CI']) throw new Error(`RFC 9421 vectors missing at ${path}`)
  console.log(`RFC 9421 vectors not found at ${path}: skipping the vector suite`)
}

interface VectorMessage { raw_crlf: string; scheme?: string; headers: [string, string][] }
interface VectorExample { id: string; message: string; label: string; keyid: string; alg: AlgorithmName; expect: string; signature_input: string; signature: string; related_request?: string; message_variants?: { message: string; expect: string; why: string }[] }
interface Vectors { keys: Record<string, { jwk: JsonWebKey & { kid: string }; usable_with: AlgorithmName[] }>; messages: Record<string, VectorMessage>; examples: VectorExample[] }

const vectors: Vectors = present ? JSON.parse(readFileSync(path, 'utf8')) : { keys: {}, messages: {}, examples: [] }
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']

async function recordFor(kid: string, alg: AlgorithmName): Promise<KeyRecord> {
  const entry = vectors.keys[kid]
  if (entry === undefined) throw new Error(`no key ${kid}`)
  const jwk: Record<string, unknown> = { ...entry.jwk }
  if (jwk['kty'] !== 'oct') for (const m of PRIVATE) delete jwk[m]
  return { id: kid, key: await importKey(jwk as JsonWebKey, { alg, kid }), owner: `owner-of-${kid}` }
}

function load(name: string, example: VectorExample): HttpMessage {
  const source = vectors.messages[name] as VectorMessage
  const related = example.related_request === undefined ? undefined : (parseHttpMessage(vectors.messages[example.related_request]!.raw_crlf, { scheme: 'https' }) as HttpRequestMessage)
  const parsed = parseHttpMessage(source.raw_crlf, related === undefined ? { scheme: source.scheme ?? 'https' } : { scheme: 'https', request: related })
  const carries = source.headers.some(([n, v]) => n.toLowerCase() === 'signature-input' && v.startsWith(`${example.label}=`))
  if (carries) return parsed
  // conventions.signed_messages: B.2.x print only the two fields; append them to the unsigned message.
  return { ...parsed, fields: [...parsed.fields, { name: 'signature-input', value: example.signature_input }, { name: 'signature', value: example.signature.replace(/\n/g, '') }] }
}

function verifierFor(rec: KeyRecord, label: string) {
  return createVerifier({
    keys: [rec],
    clock: () => 1618884473_000 + 10_000,
    nonces: new MemoryNonceStore(),
    policy: { requiredComponents: [], requireContentDigest: false, requireNonce: false, requireCreated: false, maxAgeSeconds: null, label },
  })
}

describe.runIf(present)('RFC 9421 examples through the verifier', () => {
  for (const example of vectors.examples) {
    it(`${example.id} (${example.alg}) verifies`, async () => {
      const rec = await recordFor(example.keyid, example.alg)
      const identity = await verifierFor(rec, example.label).verify(load(example.message, example))
      expect(identity).toMatchObject({ keyid: example.keyid, label: example.label, alg: example.alg, owner: `owner-of-${example.keyid}` })
    })

    it(`${example.id} is refused under the default (secure) policy or with another key`, async () => {
      const rec = await recordFor(example.keyid, example.alg)
      const message = load(example.message, example)
      // 2021 signatures are far older than the 300 s default max age (or lack the default components).
      const strict = createVerifier({ keys: [rec], clock: () => Date.now() })
      await expect(strict.verify(message)).rejects.toMatchObject({ name: 'SignetError' })
      const other = Object.keys(vectors.keys).find((k) => k !== example.keyid && vectors.keys[k]!.usable_with.includes(example.alg))
      if (other !== undefined) {
        const wrong = { ...(await recordFor(other, example.alg)), id: example.keyid }
        const error = await verifierFor(wrong, example.label).verify(message).catch((e: unknown) => e)
        expect(hasErrorCode(error, 'ERR_SIGNATURE_INVALID')).toBe(true)
      }
    })

    for (const variant of example.message_variants ?? []) {
      if (variant.message === example.message) continue
      it(`${example.id} variant ${variant.message}: ${variant.expect} (${variant.why})`, async () => {
        const rec = await recordFor(example.keyid, example.alg)
        const result = await verifierFor(rec, example.label).verify(load(variant.message, example)).then(() => 'valid', (e: { code?: string }) => e.code)
        if (variant.expect === 'valid') expect(result).toBe('valid')
        else expect(result).toBe('ERR_SIGNATURE_INVALID')
      })
    }
  }

  it('a replayed RFC example is refused by the nonce store (B.2.1 carries a nonce)', async () => {
    const example = vectors.examples.find((e) => e.id === 'B.2.1') as VectorExample
    const rec = await recordFor(example.keyid, example.alg)
    const verifier = verifierFor(rec, example.label)
    await verifier.verify(load(example.message, example))
    await expect(verifier.verify(load(example.message, example))).rejects.toMatchObject({ code: 'ERR_NONCE_REPLAYED' })
  })
})
