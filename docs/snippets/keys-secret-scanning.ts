import { readFile } from 'node:fs/promises'
import { openRegistryFromSpec, secretScanningHandler } from '@signet/registry'

const registry = await openRegistryFromSpec('keys.signet', { env: process.env })
// The provider's signing keys, in GitHub's layout: { "public_keys": [{ "key_identifier", "key", "is_current" }] }
const onAlert = secretScanningHandler(registry, await readFile('scanning-keys.json', 'utf8'))

export default {
  fetch(request: Request): Promise<Response> | Response {
    if (new URL(request.url).pathname === '/.well-known/signet/secret-scanning') return onAlert(request)
    return new Response('not found', { status: 404 })
  },
}
