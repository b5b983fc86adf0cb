import { createVerifier, DurableObjectNonceStore, jwksKeys, withSignet } from '@signet/server'
import type { DurableObjectNamespaceLike } from '@signet/server'
export { SignetNonces } from '@signet/server' // the Durable Object that records nonces

interface Env {
  CALLER_JWKS: string // your callers' public keys, as a JWK Set
  SIGNET_NONCES: DurableObjectNamespaceLike // bound to SignetNonces in wrangler.toml
}

export default {
  // Bindings arrive with the first request: the verifier is built then, once, from env.
  fetch: withSignet(
    async (env: Env) => createVerifier({
      keys: await jwksKeys(JSON.parse(env.CALLER_JWKS)),
      nonces: new DurableObjectNonceStore(env.SIGNET_NONCES), // one replay window for every isolate
      cfConnectingIp: true,
    }),
    (req, caller) => Response.json({ hello: caller.owner, scopes: caller.scopes }),
  ),
}
