// Memory flatness of the client's description path: sign 100k request descriptions in one
// process (HMAC POST, fresh nonce each) and compare heapUsed (after forced GC) at the start,
// after 10k and at the end. Run with --expose-gc; argv[2] is the @signet/client entry file.
import { pathToFileURL } from 'node:url'
import * as crypto from 'node:crypto'
import { BODY } from './fixtures.mjs'

const client = await import(pathToFileURL(process.argv[2]).href)
const total = Number(process.argv[3] ?? 100_000)
const signer = client.createSigner({ key: { kty: 'oct', k: crypto.randomBytes(32).toString('base64url') }, keyId: 'mem' })
const headers = Object.freeze({ 'content-type': 'application/json' })
const signOne = async (i) => {
  const out = await signer.sign({ method: 'POST', url: `https://api.example.com/v1/items/${i % 1000}`, headers, body: BODY })
  if (typeof out.headers.signature !== 'string') throw new Error('no signature')
}
const heap = () => {
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed
}
for (let i = 0; i < 2000; i++) await signOne(i)
const start = heap()
const t0 = performance.now()
for (let i = 0; i < 10_000; i++) await signOne(i)
const at10k = heap()
for (let i = 10_000; i < total; i++) await signOne(i)
const end = heap()
process.stdout.write(JSON.stringify({ total, startBytes: start, at10kBytes: at10k, endBytes: end, seconds: (performance.now() - t0) / 1000 }))
