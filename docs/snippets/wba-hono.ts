import { Hono } from 'hono'
import { createVerifier, directoryKeys, verifyAgent } from '@signet/server'

const verifier = createVerifier({
  keys: directoryKeys(),
  policy: { tag: 'web-bot-auth', requiredComponents: ['@authority'] },
})
const app = new Hono()

app.get('/articles/:id', async (c) => {
  const result = await verifyAgent(verifier, c.req.raw)
  if (result.outcome === 'invalid') return c.text('forged or tampered signature', 403)
  // Verified agents get the full text; everyone else the preview.
  const full = result.outcome === 'verified'
  return c.json({ id: c.req.param('id'), full, agent: full ? result.agent : null })
})

export default app
