// Memory flatness: verify 100k requests in one process and compare heapUsed (after forced GC)
// at the start, after 10k and after 100k. Run with --expose-gc; argv[2] is the core entry file.
import { pathToFileURL } from 'node:url'
import * as crypto from 'node:crypto'
import { BODY } from './fixtures.mjs'

const core = await import(pathToFileURL(process.argv[2]).href)
const total = Number(process.argv[3] ?? 100_000)
const secret = crypto.randomBytes(32)
const key = await core.importKey({ kty: 'oct', k: secret.toString('base64url'), alg: 'HS256' }, { alg: 'hmac-sha256', kid: 'mem' })
const CREATED = 1_750_000_000

// 1000 distinct signed requests (distinct targets and nonces), verified round-robin, each
// through a freshly built message object, as a server builds one per request.
const signed = []
for (let i = 0; i < 1000; i++) {
  const fields = [
    { name: 'host', value: 'api.example.com' },
    { name: 'content-type', value: 'application/json' },
    { name: 'content-digest', value: await core.createContentDigest(BODY) },
  ]
  const message = { kind: 'request', method: 'POST', scheme: 'https', authority: 'api.example.com', target: `/v1/items/${i}`, fields, trailers: [], body: BODY }
  const r = await core.signMessage(message, { key, created: CREATED, nonce: `n${i}`, components: ['@method', '@target-uri', 'content-type', 'content-digest'] })
  signed.push({ target: message.target, fields: [...fields, { name: 'signature-input', value: r.signatureInput }, { name: 'signature', value: r.signature }] })
}

const heap = () => {
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed
}
const options = { key, now: () => CREATED + 1 }
const verifyOne = async (i) => {
  const s = signed[i % signed.length]
  const message = { kind: 'request', method: 'POST', scheme: 'https', authority: 'api.example.com', target: s.target, fields: s.fields.map((f) => ({ ...f })), trailers: [], body: BODY.slice() }
  const out = await core.verifyMessage(message, options)
  if (out.length !== 1) throw new Error('verification failed')
}
// Warm up (JIT, caches that are meant to exist) before the first reading.
for (let i = 0; i < 2000; i++) await verifyOne(i)
const start = heap()
const t0 = performance.now()
for (let i = 0; i < 10_000; i++) await verifyOne(i)
const at10k = heap()
for (let i = 10_000; i < total; i++) await verifyOne(i)
const end = heap()
const seconds = (performance.now() - t0) / 1000
process.stdout.write(JSON.stringify({ total, startBytes: start, at10kBytes: at10k, endBytes: end, seconds }))
