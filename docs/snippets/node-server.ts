import http from 'node:http'
import { createVerifier, loadJwksFile, MemoryNonceStore, withSignetNode } from '@signet/server'

const verifier = createVerifier({
  keys: await loadJwksFile(process.env.SIGNET_JWKS ?? 'jwks.json'), // public keys, with owner and scopes
  nonces: new MemoryNonceStore(), // each nonce accepted once (one process; see RedisNonceStore for several)
})

const server = http.createServer(
  withSignetNode(
    verifier,
    (req, res) => {
      // Only verified requests get here; req.rawBody holds the body whose digest was checked.
      const body = req.rawBody.length > 0 ? JSON.parse(new TextDecoder().decode(req.rawBody)) : null
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ caller: req.signet.owner, keyid: req.signet.keyid, method: req.method, body }))
    },
    { requiredScopes: (req) => (req.method === 'GET' ? ['orders:read'] : ['orders:write']) },
  ),
)
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1')
export { server }
