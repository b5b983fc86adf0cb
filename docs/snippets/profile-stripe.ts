import { createStripeVerifier } from '@signet/profiles/stripe'

// Both endpoint secrets during a roll; a replay of the same signature is refused.
const stripe = createStripeVerifier({ secrets: [process.env.STRIPE_WEBHOOK_SECRET!, process.env.STRIPE_WEBHOOK_SECRET_OLD!] })

export async function handle(request: Request): Promise<Response> {
  const raw = await request.clone().text()
  await stripe.verify(request) // throws a SignetError (ERR_SIGNATURE_INVALID, ERR_SIGNATURE_TOO_OLD, ...)
  const event = JSON.parse(raw) as { type: string }
  return Response.json({ received: event.type })
}
