import { createVerifier } from '@signet/server'
import type { VerificationEvent } from '@signet/server'
import { openRegistryResolver } from '@signet/registry'

// The shape of an OpenTelemetry Meter (`metrics.getMeter('api')` from @opentelemetry/api);
// any metrics client with counters fits.
interface Counter { add(value: number, attributes?: Record<string, string>): void }
declare const meter: { createCounter(name: string, options?: { description?: string }): Counter }

const requests = meter.createCounter('signet.requests', { description: 'signed requests by key and outcome' })
const count = (outcome: 'accepted' | 'rejected') => (event: VerificationEvent): void => {
  requests.add(1, { outcome, keyid: event.keyid ?? 'unknown', code: event.code ?? 'OK' })
}

const keys = await openRegistryResolver('keys.signet', process.env)
const verifier = createVerifier({
  keys,
  admit: keys.registry.admission(),
  onVerified: (event) => { keys.recordUsage(event); count('accepted')(event) },
  onRejected: (event) => { keys.recordUsage(event); count('rejected')(event) },
})
void verifier
