import { createSigner, exportPublicJwk, generateBrowserKey, loadKey, saveKey, signedFetch } from '@signet/client'

// Once per browser profile: a key pair whose private half script can use but never read,
// kept in IndexedDB. Its public JWK is registered with the API by a session-authenticated call.
let pair = await loadKey('api')
if (pair === undefined) {
  pair = await generateBrowserKey('ecdsa-p256-sha256')
  await saveKey('api', pair)
  await fetch(new URL('/keys', location.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(await exportPublicJwk(pair)),
    credentials: 'same-origin',
  })
}

// Every API call from now on is signed; the keyid is the public key's RFC 7638 thumbprint.
const fetchSigned = signedFetch(createSigner({ key: pair }))
const response = await fetchSigned(new URL('/api/orders', location.origin), {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sku: 'A-1', quantity: 2 }),
})
console.log(response.status, await response.json())
