import { readFile } from 'node:fs/promises'
import { createSigner, signedFetch } from '@signet/client'

// An Ed25519 private JWK; its public half is published at the agent's directory.
const key = JSON.parse(await readFile(process.env.AGENT_KEY_FILE ?? 'agent.jwk', 'utf8'))
const fetchAsAgent = signedFetch(
  createSigner({
    key,
    signatureAgent: 'https://crawler.example', // Signature-Agent: sig1="https://crawler.example"
    expires: 60, // seconds; at most 86 400
  }),
)
const page = await fetchAsAgent(process.env.SITE_URL ?? 'https://site.example/articles/1')
console.log(page.status, await page.text())
