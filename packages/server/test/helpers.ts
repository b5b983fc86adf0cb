/** Shared test helpers: keys, signed messages, key records. */
import { createContentDigest, generateKey, importKey, publicKey, signMessage, toBase64Url, randomBytes, utf8 } from '@signet/core'
import type { FieldLine, HttpRequestMessage, SignetKey } from '@signet/core'
import type { KeyRecord } from '../src/key-record.ts'

export const NOW_MS = 1_800_000_000_000
export const NOW_S = NOW_MS / 1000

export async function hmacKey(kid = 'k-hmac'): Promise<{ key: SignetKey; jwk: JsonWebKey }> {
  const jwk: JsonWebKey & { kid: string } = { kty: 'oct', k: toBase64Url(randomBytes(32)), kid }
  return { key: await importKey(jwk, { kid }), jwk }
}

export async function ed25519Pair(kid = 'k-ed'): Promise<{ privateKey: SignetKey; publicKey: SignetKey }> {
  const privateKey = await generateKey('ed25519', { kid })
  return { privateKey, publicKey: publicKey(privateKey) }
}

export interface RequestSpec {
  method?: string
  authority?: string
  target?: string
  scheme?: string
  fields?: FieldLine[]
  body?: string | Uint8Array
  digest?: boolean
}

export async function requestMessage(spec: RequestSpec = {}): Promise<HttpRequestMessage> {
  const authority = spec.authority ?? 'api.test'
  const fields: FieldLine[] = [{ name: 'host', value: authority }, ...(spec.fields ?? [])]
  const body = typeof spec.body === 'string' ? utf8(spec.body) : spec.body
  if (body !== undefined && body.length > 0) {
    if (!fields.some((f) => f.name === 'content-type')) fields.push({ name: 'content-type', value: 'application/json' })
    if (spec.digest !== false) fields.push({ name: 'content-digest', value: await createContentDigest(body) })
  }
  return {
    kind: 'request',
    method: spec.method ?? (body === undefined ? 'GET' : 'POST'),
    scheme: spec.scheme ?? 'https',
    authority,
    target: spec.target ?? '/orders?id=7',
    fields,
    trailers: [],
    body: body !== undefined && body.length > 0 ? body : undefined,
  }
}

export type SignSpec = Omit<Parameters<typeof signMessage>[1], 'key'>

let counter = 0
export function freshNonce(): string {
  counter += 1
  return `nonce-${counter}-${toBase64Url(randomBytes(8))}`
}

/** Sign a message; defaults: created = NOW_S, a fresh nonce. */
export async function sign(message: HttpRequestMessage, key: SignetKey, spec: SignSpec = {}): Promise<HttpRequestMessage> {
  const result = await signMessage(message, { created: NOW_S, nonce: freshNonce(), ...spec, key })
  return {
    ...message,
    fields: [...message.fields, { name: 'signature-input', value: result.signatureInput }, { name: 'signature', value: result.signature }],
  }
}

export function withField(message: HttpRequestMessage, name: string, value: string): HttpRequestMessage {
  return { ...message, fields: [...message.fields, { name, value }] }
}

export function replaceField(message: HttpRequestMessage, name: string, value: string): HttpRequestMessage {
  return { ...message, fields: message.fields.map((f) => (f.name === name ? { name, value } : f)) }
}

export function record(id: string, key: SignetKey, extra: Partial<KeyRecord> = {}): KeyRecord {
  return { id, key, ...extra }
}

/** Run a promise expected to reject; return the error. */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; name?: string; message?: string }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: string }
  }
  throw new Error('expected a rejection')
}
