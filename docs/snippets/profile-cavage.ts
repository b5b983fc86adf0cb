import { createCavageSigner, createCavageVerifier } from '@signet/profiles/cavage'
import { MemoryNonceStore, createVerifier, withSignet } from '@signet/server'

// Sending to a Mastodon inbox: rsa-sha256 over (request-target) host date digest.
const signer = createCavageSigner({ keyId: 'https://social.example/users/alice#main-key', key: process.env.ACTOR_PRIVATE_KEY_PEM! })
const follow = await signer.sign(
  new Request('https://mastodon.example/inbox', { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: '{"type":"Follow"}' }),
)

// Receiving: RFC 9421 and draft-cavage on one inbox ("double-knocking"); the cavage verifier
// records its signatures in the verifier's nonce store.
const nonces = new MemoryNonceStore()
const cavage = createCavageVerifier({ keys: [{ keyId: 'https://mastodon.example/users/bob#main-key', key: process.env.BOB_PUBLIC_KEY_PEM! }] })
const verifier = createVerifier({ keys: [], nonces, profiles: [cavage] }) // add your RFC 9421 key records to keys
export default withSignet(verifier, (_request, identity) => Response.json({ from: identity.keyid, scheme: identity.label }))
console.log(follow.headers.get('signature'))
