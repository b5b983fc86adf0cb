import { createStandardWebhooksSigner, createStandardWebhooksVerifier } from '@signet/profiles/standard-webhooks'
import { MemoryNonceStore } from '@signet/server'

// Sender: one signature per key (v1 with whsec_, v1a with whsk_), id and timestamp filled in.
const signer = createStandardWebhooksSigner({ key: process.env.WEBHOOK_SECRET! })
const delivery = await signer.sign(new Request('https://receiver.example/hooks', { method: 'POST', body: '{"type":"invoice.paid"}' }))

// Receiver: both secrets while rotating; the webhook id is recorded once in the replay store.
const verifier = createStandardWebhooksVerifier({
  keys: [process.env.WEBHOOK_SECRET!, process.env.WEBHOOK_SECRET_PREVIOUS!],
  toleranceSeconds: 300,
  replay: new MemoryNonceStore(),
})
const { params, keyIndex } = await verifier.verify(delivery)
console.log(params['webhook-id'], 'verified with key', keyIndex)
