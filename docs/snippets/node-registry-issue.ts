import { FileStore, openRegistry } from '@signet/registry'

// The master key (32 random bytes, base64url) wraps every HMAC secret; it never enters the file.
const registry = await openRegistry({
  store: new FileStore(process.env.SIGNET_REGISTRY ?? 'keys.signet'),
  masterKey: process.env.SIGNET_MASTER_KEY!,
})

// An HMAC key for a customer, valid 30 days (default 90), usable only from the listed networks.
const issued = await registry.create({
  owner: 'acme',
  scopes: ['orders:read', 'orders:write'],
  allowIps: ['127.0.0.1', '203.0.113.0/24'],
  expiresIn: 30 * 24 * 3600,
})
// Shown this once: hand the JWK (its kid is the key id, its k the secret) to the customer.
console.log(JSON.stringify({ keyid: issued.keyid, expires: issued.expires, jwk: issued.jwk }))
await registry.close()
