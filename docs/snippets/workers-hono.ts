import { Hono } from 'hono'
import { createVerifier, jwksKeys, MemoryNonceStore, signetHono } from '@signet/server'
import type { Verifier } from '@signet/server'

type Env = { Bindings: { CALLER_JWKS: string } }

let verifier: Verifier | undefined
const app = new Hono<Env>()

// The verifier is built once per isolate, on the first request (bindings are not available before).
app.use('/api/*', async (c, next) => {
  verifier ??= createVerifier({ keys: await jwksKeys(JSON.parse(c.env.CALLER_JWKS)), nonces: new MemoryNonceStore(), cfConnectingIp: true })
  return signetHono(verifier)(c, next)
})
app.get('/api/orders', (c) => c.json({ caller: c.get('signet').owner, orders: [] }))
app.post('/api/orders', async (c) => {
  if (!c.get('signet').scopes.includes('orders:write')) return c.json({ code: 'ERR_SCOPE_DENIED' }, 403)
  return c.json({ caller: c.get('signet').owner, order: await c.req.json() }, 201)
})

export default app
