import http from 'node:http'
import { agentOutcome, createVerifier, directoryKeys, verifyNodeRequest } from '@signet/server'

const verifier = createVerifier({
  keys: directoryKeys({ timeoutMs: 3000 }),
  policy: { tag: 'web-bot-auth', requiredComponents: ['@authority'] },
})

const server = http.createServer(async (req, res) => {
  let who: string
  try {
    const { identity } = await verifyNodeRequest(verifier, req)
    who = `agent of ${identity.owner}` // the directory the key came from
  } catch (error) {
    // 'invalid' (a forgery) or 'unverified' (no signature, no key, directory down)
    if (agentOutcome(error) === 'invalid') {
      res.writeHead(403).end('forged or tampered signature\n')
      return
    }
    who = 'visitor'
  }
  res.setHeader('content-type', 'text/plain')
  res.end(`hello, ${who}\n`)
})
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1')
export { server }
