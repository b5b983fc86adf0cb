import { createVerifier, jwksKeys, MemoryNonceStore, withSignet } from '@signet/server'

interface Env { CALLER_JWKS: string } // your callers' public keys, as a JWK Set

export default {
  // Bindings arrive with the first request: the verifier is built then, once, from env.
  fetch: withSignet(
    async (env: Env) => createVerifier({ keys: await jwksKeys(JSON.parse(env.CALLER_JWKS)), nonces: new MemoryNonceStore(), cfConnectingIp: true }),
    (req, caller) => Response.json({ hello: caller.owner, scopes: caller.scopes }),
  ),
}
