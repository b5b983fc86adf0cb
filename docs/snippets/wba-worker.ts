import { createVerifier, directoryKeys, verifyAgent } from '@signet/server'

// One verifier per isolate: the directory cache lives as long as the isolate does.
const verifier = createVerifier({
  keys: directoryKeys(), // fetches each agent's Signature-Agent directory, https only, cached
  policy: { tag: 'web-bot-auth', requiredComponents: ['@authority'] },
})

export default {
  async fetch(request: Request): Promise<Response> {
    const result = await verifyAgent(verifier, request)
    switch (result.outcome) {
      case 'verified': // result.agent is the directory URL: log it, rate-limit by it, allow it
        return new Response(`hello, agent of ${result.agent}`)
      case 'invalid': // a signature that fails: a forgery or a tampered request
        return new Response('forged or tampered signature', { status: 403 })
      case 'unverified': // browsers, unsigned bots, unknown keys, directories that are down
        return new Response('hello, visitor')
    }
  },
}
