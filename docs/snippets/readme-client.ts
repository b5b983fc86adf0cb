import { createSigner, signedFetch } from '@signet/client'

// SIGNET_KEY: the caller's private JWK (Ed25519 here); the API keeps only the public half.
const fetchSigned = signedFetch(createSigner({ key: JSON.parse(process.env.SIGNET_KEY!) }))

const response = await fetchSigned(`${process.env.API_URL}/orders`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sku: 'A-1', quantity: 2 }),
})
console.log(response.status, await response.json())
