import { createSigner, signedFetch } from '@signet/client'
import type { SignedFetch } from '@signet/client'

interface Env {
  SIGNET_KEY: string // this Worker's private JWK, stored as a secret (wrangler secret put SIGNET_KEY)
  ORDERS_API: string // the upstream API's origin
}

let fetchSigned: SignedFetch | undefined

// A Worker that calls another API as itself: every upstream request is signed.
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    fetchSigned ??= signedFetch(createSigner({ key: JSON.parse(env.SIGNET_KEY) }))
    const url = new URL(request.url)
    return fetchSigned(`${env.ORDERS_API}/orders${url.search}`, { headers: { accept: 'application/json' } })
  },
}
