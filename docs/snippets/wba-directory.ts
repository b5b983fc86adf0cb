import { importKey } from '@signet/core'
import { DIRECTORY_PATH, directoryResponse } from '@signet/server'

type Env = { AGENT_KEY: string } // the agent's private JWK, as a secret binding

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname !== DIRECTORY_PATH) return new Response('not found', { status: 404 })
    const key = await importKey(JSON.parse(env.AGENT_KEY))
    // Signed per request: each signature covers the authority the directory was fetched under.
    return directoryResponse([key], { request, expiresInSeconds: 7 * 86_400, maxAgeSeconds: 3600 })
  },
}
