import { createVerifier, jwksKeys, MemoryNonceStore, withSignet } from '@signet/server'

interface Env { CALLER_JWKS: string } // your callers' public keys, as a JWK Set

let handler: ((request: Request) => Promise<Response>) | undefined

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    handler ??= withSignet(
      createVerifier({ keys: await jwksKeys(JSON.parse(env.CALLER_JWKS)), nonces: new MemoryNonceStore(), cfConnectingIp: true }),
      (req, caller) => Response.json({ hello: caller.owner, scopes: caller.scopes }),
    )
    return handler(request)
  },
}
