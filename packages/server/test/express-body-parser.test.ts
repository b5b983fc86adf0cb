/**
 * A body parser mounted before Signet drains the request; the adapter must answer at once with
 * a coded error instead of waiting for an 'end' event that already fired.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createNonce, fromFetchRequest, generateKey, signMessage } from '@signet/core'
import { createVerifier, signetExpress } from '@signet/server'

let server: import('node:http').Server
let origin: string
let key: Awaited<ReturnType<typeof generateKey>>

beforeAll(async () => {
  key = await generateKey('hmac-sha256', { kid: 'k1' })
  const verifier = createVerifier({ keys: [{ id: 'k1', key }] })
  const app = express()
  app.use(express.json())
  app.use(signetExpress(verifier))
  app.post('/orders', (_req, res) => {
    res.json({ ok: true })
  })
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve())
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

test('a body drained by an earlier parser is refused at once with ERR_BODY_USED', async () => {
  const body = JSON.stringify({ item: 'book' })
  const unsigned = new Request(`${origin}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const message = await fromFetchRequest(unsigned.clone())
  const signed = await signMessage(message, { key, nonce: createNonce() })
  const headers = new Headers(unsigned.headers)
  headers.set('content-digest', message.fields.find((f) => f.name === 'content-digest')?.value ?? '')
  headers.set('signature-input', signed.signatureInput)
  headers.set('signature', signed.signature)
  const started = Date.now()
  const response = await fetch(`${origin}/orders`, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) })
  expect(Date.now() - started).toBeLessThan(4000)
  expect(response.status).toBe(500)
  expect(((await response.json()) as { code: string }).code).toBe('ERR_BODY_USED')
})
