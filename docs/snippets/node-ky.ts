import ky from 'ky'
import { createSigner } from '@signet/client'
import { kySigner } from '@signet/client/ky'

const signer = createSigner({ key: JSON.parse(process.env.SIGNET_KEY!) })

// kySigner: hooks that sign each request and re-sign each retry (new created and nonce), and a
// fetch that follows redirects without carrying the signature to another origin.
const api = ky.create({ prefix: process.env.API_URL ?? 'http://127.0.0.1:8080', retry: 2, ...kySigner(signer) })

const order = await api.post('orders', { json: { sku: 'A-1', quantity: 2 } }).json()
console.log(order)
