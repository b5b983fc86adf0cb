import express from 'express'
import { createVerifier, loadJwksFile, MemoryNonceStore, signetExpress } from '@signet/server'

const verifier = createVerifier({ keys: await loadJwksFile(process.env.SIGNET_JWKS ?? 'jwks.json'), nonces: new MemoryNonceStore() })
const app = express()

// Mount it before any body parser: it reads the raw body to check Content-Digest.
app.use('/api', signetExpress(verifier))
// signetExpress sets req.signet (the verified caller) and req.rawBody (the body as received).
app.post('/api/orders', signetExpress(verifier, { requiredScopes: ['orders:write'] }), (req, res) => {
  res.status(201).json({ caller: req.signet.owner, order: JSON.parse(new TextDecoder().decode(req.rawBody)) })
})

const server = app.listen(Number(process.env.PORT ?? 8080), '127.0.0.1')
export { server }
