/**
 * Issue 11, defect 9: secrets in errors. An operator pastes a secret where a key id belongs
 * (`signet keys show REG sgn_sk_...`), or names a Redis store with a password in its URL; a
 * client sends a secret as its `keyid`. No message, on any path, repeats the secret: the CLI's
 * reports, the registry's errors, and every target's problem+json answer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateMasterKey, openRegistryFromSpec } from '@signet/registry'
import { main } from '../../packages/cli/src/main.ts'
import { TARGETS, attackHarness, signed } from './harness.ts'

const dir = mkdtempSync(join(tmpdir(), 'signet-d9-'))
const masterKey = generateMasterKey()

/** Run `signet ...argv` in-process; the report on standard error and the exit code. */
async function signet(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdin: async () => new Uint8Array(0),
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { SIGNET_MASTER_KEY: masterKey },
    cwd: dir,
  })
  return { code, stdout, stderr }
}

const h = attackHarness()

describe('issue 11 defect 9: no error repeats a secret', () => {
  it('keys show with a secret pasted as the key id: ERR_USAGE-class refusal, the secret not echoed', async () => {
    const created = await signet(['keys', 'create', '--registry', 'reg.signet', '--owner', 'alice', '--alg', 'hmac-sha256'])
    expect(created.code, created.stderr).toBe(0)
    const secret = JSON.parse(created.stdout).secret as string
    expect(secret).toMatch(/^sgn_sk_/)
    const shown = await signet(['keys', 'show', '--registry', 'reg.signet', secret])
    expect(shown.code).toBe(2)
    expect(shown.stderr).not.toContain(secret)
    expect(shown.stderr).not.toContain(secret.slice(7, 30))
    // The registry API itself refuses without the secret in its message.
    const registry = await openRegistryFromSpec(join(dir, 'reg.signet'), { env: { SIGNET_MASTER_KEY: masterKey } })
    const error = await registry.get(secret).catch((e: unknown) => e as Error)
    expect(String((error as Error).message)).not.toContain(secret.slice(7))
    await registry.close()
  })

  it('serve --nonce-store with a password in the URL: the refusal names the host, not the password', async () => {
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1' }] }))
    const r = await signet(['serve', '--jwks', 'keys.json', '--port', '0', '--nonce-store', 'rediss://admin:hunter2-pw@127.0.0.1:1'])
    expect(r.code).toBe(2)
    expect(r.stderr).not.toContain('hunter2-pw')
    expect(r.stderr).toContain('127.0.0.1')
  })

  it('a malformed HMAC JWK: the refusal does not repeat k', async () => {
    writeFileSync(join(dir, 'short.jwk'), JSON.stringify({ kty: 'oct', k: 'c2hvcnQtc2VjcmV0LXZhbHVl' }))
    writeFileSync(join(dir, 'm.http'), 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n')
    const r = await signet(['sign', '--key', 'short.jwk', 'm.http'])
    expect(r.code).toBe(2)
    expect(r.stderr).not.toContain('c2hvcnQtc2VjcmV0LXZhbHVl')
  })

  it.each(TARGETS)('%s: a secret sent as the keyid is refused without being echoed', async (target) => {
    const secret = 'sgn_sk_' + 'A'.repeat(40)
    const m = await signed(h.keys.hmac, { params: { keyid: secret } })
    const outcome = await h.send(target, m)
    expect(outcome.status).toBe(401)
    expect(outcome.code).toBe('ERR_KEY_NOT_FOUND')
    expect(JSON.stringify(outcome)).not.toContain(secret)
  })
})
