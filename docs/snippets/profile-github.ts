import { createGitHubVerifier } from '@signet/profiles/github'
import { MemoryNonceStore } from '@signet/server'

// The X-GitHub-Delivery GUID is the once-only value; several secrets for rotation.
const github = createGitHubVerifier({ secrets: [process.env.GITHUB_WEBHOOK_SECRET!], replay: new MemoryNonceStore() })

export async function handle(request: Request): Promise<Response> {
  const { params } = await github.verify(request)
  return new Response(`accepted ${String(params['x-github-event'])}`)
}
