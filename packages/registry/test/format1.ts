/**
 * A registry file in format 1, byte for byte as the code before issue 11.7 wrote it: the data
 * key wrapped under the format 1 label, records without `version`, audit entries without links.
 */
import { writeFileSync } from 'node:fs'
import { authenticate, createDataKeys, sealSecret } from '../src/envelope.ts'
import { generateKeyId, generateSecret, secretToJwk } from '../src/formats.ts'
import { canonicalRecordText } from '../src/record.ts'
import type { AuditEntry, StoredKey, UnsignedKey } from '../src/record.ts'
import { parseMasterKey } from '../src/envelope.ts'

export async function makeFormat1(
  path: string,
  masterKey: string,
): Promise<{ keyid: string; jwk: JsonWebKey; record: StoredKey; audit: AuditEntry[] }> {
  const { wrapped, keys } = await createDataKeys(parseMasterKey(masterKey), 1)
  const keyid = generateKeyId()
  const secret = generateSecret()
  const now = Math.floor(Date.now() / 1000)
  const unsigned: UnsignedKey = {
    id: keyid, owner: 'legacy', type: 'hmac', algorithm: 'hmac-sha256', publicJwk: null,
    secret: await sealSecret(keys, keyid, secret), scopes: [], allowIps: [], denyIps: [], notBefore: null,
    expires: now + 86_400, state: 'active', created: now, updated: now, replaces: null, replacedBy: null,
    overlapUntil: null, labels: {},
  }
  const record: StoredKey = { ...unsigned, mac: await authenticate(keys, canonicalRecordText(unsigned)) }
  const audit: AuditEntry[] = [{ time: now, actor: 'old', action: 'create', keyid, owner: 'legacy', details: { alg: 'hmac-sha256', expires: now + 86_400 } }]
  const file = { format: 'signet-registry', version: 1, dataKey: wrapped, keys: { [keyid]: record }, usage: {}, audit }
  writeFileSync(path, `${JSON.stringify(file)}\n`, { mode: 0o600 })
  return { keyid, jwk: secretToJwk(keyid, secret) as unknown as JsonWebKey, record, audit }
}
