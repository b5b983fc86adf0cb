import { createVerifier, DurableObjectNonceStore, setWorkersKeyState, withSignet, workersKvKeys } from '@signet/server'
import type { DurableObjectNamespaceLike, KVNamespaceLike, Verifier } from '@signet/server'
export { SignetKeyState, SignetNonces } from '@signet/server'

interface Env {
  SIGNET_KEYS: KVNamespaceLike // key material: one JWK record per key id
  SIGNET_KEY_STATE: DurableObjectNamespaceLike // revocations and disables, one object per key id
  SIGNET_NONCES: DurableObjectNamespaceLike // replay protection
}

// Built once per isolate for each route; both routes' nonces meet in the same SignetNonces objects.
const verifier = (env: Env): Verifier => createVerifier({
  keys: workersKvKeys({ kv: env.SIGNET_KEYS, state: env.SIGNET_KEY_STATE }),
  nonces: new DurableObjectNonceStore(env.SIGNET_NONCES, { shards: 16 }),
  cfConnectingIp: true,
})

const api = withSignet(verifier, (req, caller) => Response.json({ hello: caller.owner }))

// POST /admin/keys/state {"keyid", "state": "revoked" | "disabled" | "active"}, signed by a key
// with the keys:admin scope. The change is in force on every isolate's next request.
const admin = withSignet(
  verifier,
  async (req, caller, env: Env) => {
    const { keyid, state } = (await req.json()) as { keyid: string; state: 'revoked' | 'disabled' | 'active' }
    await setWorkersKeyState(env.SIGNET_KEY_STATE, keyid, state)
    return Response.json({ keyid, state, by: caller.keyid })
  },
  { requiredScopes: ['keys:admin'] },
)

export default {
  fetch: (request: Request, env: Env): Promise<Response> =>
    new URL(request.url).pathname === '/admin/keys/state' ? admin(request, env) : api(request, env),
}
