import { createSigner } from '@signet/client'
import { signatureBases } from './troubleshooting-bases.ts'

const signer = createSigner({ key: JSON.parse(process.env.SIGNET_KEY!) })
const signed = await signer.sign(
  new Request('https://api.example.com/v1/orders?status=open', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sku: 'A-1', quantity: 2 }),
  }),
)
console.log(await signatureBases(signed.clone())) // the signer's base, before sending
await fetch(signed)
