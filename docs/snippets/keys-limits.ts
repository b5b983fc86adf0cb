import { openRegistry, FileStore } from '@signet/registry'
import { createVerifier } from '@signet/server'

const registry = await openRegistry({
  store: new FileStore('keys.signet'),
  masterKey: process.env.SIGNET_MASTER_KEY!,
  ownerRateLimits: { acme: '1000/1h' }, // across all of acme's keys
})
const { keyid } = await registry.create({ owner: 'acme', rateLimit: '100/1m', credits: { amount: 10_000, refill: 'monthly' } })

const verifier = createVerifier({
  keys: registry.resolver(),
  admit: registry.admission(), // after signature, nonce and scopes: refusals never use quota
  onVerified: (event) => registry.recordUsage(event),
  onRejected: (event) => registry.recordUsage(event),
})

await registry.update(keyid, { scopes: ['orders:read', 'orders:write'], rateLimit: '500/1m', credits: 50_000 })
console.log(await registry.limits(keyid)) // { rateLimit: '500/1m', credits: { remaining: 50000, ... } }
for (const bucket of await registry.usageBuckets(keyid, { by: 'hour' })) console.log(bucket)
void verifier
