import { Hono } from 'hono'
import type { MiddlewareHandler } from 'hono'
import { createVerifier, DurableObjectNonceStore, jwksKeys } from '@signet/server'
import type { DurableObjectNamespaceLike } from '@signet/server'
import { signetHono } from '@signet/server/hono'
export { SignetNonces } from '@signet/server'

type Env = { Bindings: { CALLER_JWKS: string; SIGNET_NONCES: DurableObjectNamespaceLike } }

const app = new Hono<Env>()
let signet: MiddlewareHandler | undefined

// Built once per isolate, on the first request: bindings are not available before.
app.use('/api/*', async (c, next) => {
  signet ??= signetHono(
    createVerifier({
      keys: await jwksKeys(JSON.parse(c.env.CALLER_JWKS)),
      nonces: new DurableObjectNonceStore(c.env.SIGNET_NONCES),
      cfConnectingIp: true,
    }),
    { requiredScopes: (c) => (c.req.method === 'GET' ? ['orders:read'] : ['orders:write']) },
  )
  return signet(c, next)
})
app.get('/api/orders', (c) => c.json({ caller: c.get('signet').owner, orders: [] }))
app.post('/api/orders', async (c) => c.json({ caller: c.get('signet').owner, order: await c.req.json() }, 201))

export default app
