import { createVerifier, jwksKeys, MemoryNonceStore, withSignet } from '@signet/server'
import jwks from './jwks.json' with { type: 'json' }

const verifier = createVerifier({ keys: await jwksKeys(jwks), nonces: new MemoryNonceStore() })

// `deno serve` calls fetch(request, info); the adapter takes the caller's address from info.remoteAddr.
export default {
  fetch: withSignet(
    verifier,
    (request, caller) => Response.json({ caller: caller.owner, keyid: caller.keyid, path: new URL(request.url).pathname }),
    { requiredScopes: (request) => (request.method === 'GET' ? ['orders:read'] : ['orders:write']) },
  ),
}
