import { createVerifier, jwksKeys, MemoryNonceStore, withSignet } from '@signet/server'
import jwks from './jwks.json' with { type: 'json' }

const verifier = createVerifier({ keys: await jwksKeys(jwks), nonces: new MemoryNonceStore() })

// `bun run server.ts` serves the default export; Bun calls fetch(request, server), and the
// adapter takes the caller's address from server.requestIP(request).
export default {
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 3000),
  fetch: withSignet(verifier, async (request, caller) => {
    const order = request.method === 'POST' ? await request.json() : null
    return Response.json({ caller: caller.owner, keyid: caller.keyid, order }, { status: order === null ? 200 : 201 })
  }),
}
