import http from 'node:http'
import { openRegistryResolver } from '@signet/registry'
import { createVerifier, MemoryNonceStore, withSignetNode } from '@signet/server'

// The same registry file (or redis://host:port); SIGNET_MASTER_KEY decrypts the HMAC secrets.
const keys = await openRegistryResolver(process.env.SIGNET_REGISTRY ?? 'keys.signet', process.env)
const verifier = createVerifier({
  keys,
  nonces: new MemoryNonceStore(),
  onVerified: keys.recordUsage, // usage counts and last use, batched; never delays a request
  onRejected: keys.recordUsage,
})

const server = http.createServer(
  withSignetNode(verifier, (req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ caller: req.signet.owner, keyid: req.signet.keyid, scopes: req.signet.scopes }))
  }),
)
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1')
server.on('close', () => void keys.close())
export { server }
