import { openRegistryFromSpec, openRegistryResolver, openRegistry, MemoryStore, FileStore, connectRedisStore } from '@signet/registry'
import { createVerifier } from '@signet/server'

const keys = await openRegistryResolver('redis://127.0.0.1:6379', process.env)
const verifier = createVerifier({ keys, onVerified: keys.recordUsage, onRejected: keys.recordUsage })

const registry = await openRegistry({ store: new FileStore('keys.signet'), masterKey: process.env.SIGNET_MASTER_KEY! })
const { keyid, secret, jwk } = await registry.create({ owner: 'acme', scopes: ['orders:read'] })
await registry.rotate(keyid, { overlapSeconds: 3600 })
await registry.revoke(keyid)
