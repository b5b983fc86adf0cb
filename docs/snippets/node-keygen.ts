import { exportJwk, generateKey, publicKey } from '@signet/core'

// One key pair per calling service. The private JWK stays with the caller (a secret manager,
// a 0600 file); the public JWK goes into the API's JWK Set, with the caller's owner and scopes.
const key = await generateKey('ed25519', { kid: 'acme-backend-1' })
const privateJwk = await exportJwk(key, { private: true })
const publicJwk = { ...(await exportJwk(publicKey(key))), owner: 'acme', scopes: ['orders:read', 'orders:write'] }

console.log(JSON.stringify(privateJwk)) // -> private.jwk, for the client
console.log(JSON.stringify({ keys: [publicJwk] })) // -> jwks.json, for the server
