import { readFile } from 'node:fs/promises'
import { createSigner, signedFetch } from '@signet/client'

const key = JSON.parse(await readFile(process.env.SIGNET_KEY_FILE ?? 'private.jwk', 'utf8'))
const fetchSigned = signedFetch(createSigner({ key }))
const api = process.env.API_URL ?? 'http://127.0.0.1:8080'

// A POST: the body is digested (Content-Digest) and the digest is signed with the method and URL.
const created = await fetchSigned(`${api}/orders`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sku: 'A-1', quantity: 2 }),
})
console.log(created.status, await created.json())

// A GET: method and URL (query included) are signed; every request gets a fresh created and nonce.
const open = await fetchSigned(`${api}/orders?status=open`)
console.log(open.status, await open.json())
