/**
 * Two points of the CLI.md contract for `sign` and `verify`, and the registry formats in key
 * files:
 * - `sign` writes `keyid` from the key's own `kid` only: a PEM key or a JWK without `kid` gets no
 *   `keyid` (never core's thumbprint, which for HMAC is a hash of the secret);
 * - `verify` checks `created` against `--max-age` only when given: a signer whose clock runs
 *   ahead is not refused without it; `expires` is enforced either way;
 * - a JWK from `signet keys create` with a mistyped `sgn_id_` kid or `sgn_sk_` secret is refused
 *   before anything is signed (exit 2), not by the server after a lookup.
 */
import { describe, expect, it } from 'vitest'
import { exportPem, generateKey } from '@signet/core'
import { generateKeyId, generateSecret, secretToJwk } from '@signet/registry'
import { errorReport, run, scratch, vectorJwk } from './helpers.ts'

const work = scratch()
const cwd = work.dir
const GET = 'GET /p HTTP/1.1\r\nHost: api.example.com\r\n\r\n'
work.write('get.http', GET)

function signatureInput(text: string): string {
  const line = text.split('\r\n').find((l) => l.toLowerCase().startsWith('signature-input:'))
  if (line === undefined) throw new Error(`no Signature-Input in ${JSON.stringify(text)}`)
  return line.slice('signature-input:'.length).trim()
}

describe('sign: keyid from the declared kid, else the thumbprint signet pubkey prints', () => {
  it('a JWK with kid signs with keyid; a PEM or a JWK without kid with its thumbprint; an HMAC key without kid with none', async () => {
    const withKid = vectorJwk('test-key-ed25519')
    const { kid: _kid, ...withoutKid } = withKid
    work.write('with-kid.jwk', JSON.stringify(withKid))
    work.write('without-kid.jwk', JSON.stringify(withoutKid))
    const generated = await generateKey('ecdsa-p256-sha256')
    work.write('p256.pem', await exportPem(generated, { private: true }))
    const hmac = vectorJwk('test-shared-secret')
    const { kid: _hmacKid, ...hmacWithoutKid } = hmac
    work.write('hmac-without-kid.jwk', JSON.stringify(hmacWithoutKid))

    const a = await run(['sign', '--key', 'with-kid.jwk', '--created', '1', '--nonce', 'none', 'get.http'], { cwd })
    expect(a.code, a.stderr).toBe(0)
    expect(signatureInput(a.stdout)).toBe('sig1=("@method" "@target-uri");created=1;keyid="test-key-ed25519"')
    for (const key of ['without-kid.jwk', 'p256.pem']) {
      const r = await run(['sign', '--key', key, '--created', '1', '--nonce', 'none', 'get.http'], { cwd })
      expect(r.code, `${key}: ${r.stderr}`).toBe(0)
      const pub = await run(['pubkey', key], { cwd })
      const kid = (JSON.parse(pub.stdout) as { kid: string }).kid
      expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(signatureInput(r.stdout), key).toBe(`sig1=("@method" "@target-uri");created=1;keyid="${kid}"`)
    }
    const hmacSigned = await run(['sign', '--key', 'hmac-without-kid.jwk', '--created', '1', '--nonce', 'none', 'get.http'], { cwd })
    expect(signatureInput(hmacSigned.stdout)).toBe('sig1=("@method" "@target-uri");created=1')
    // --keyid still names one explicitly.
    const named = await run(['sign', '--key', 'p256.pem', '--keyid', 'ops-1', '--created', '1', '--nonce', 'none', 'get.http'], { cwd })
    expect(signatureInput(named.stdout)).toBe('sig1=("@method" "@target-uri");keyid="ops-1";created=1')
  })
})

describe('verify: created checked only against --max-age', () => {
  it('a created in the future verifies without --max-age, and is refused with it; expires always holds', async () => {
    work.write('ed.jwk', JSON.stringify(vectorJwk('test-key-ed25519')))
    const signed = await run(['sign', '--key', 'ed.jwk', '--created', '1000', '--expires', '2000', 'get.http'], { cwd })
    expect(signed.code, signed.stderr).toBe(0)
    work.write('signed.http', signed.stdout)

    const ahead = await run(['verify', '--key', 'ed.jwk', '--now', '995', 'signed.http'], { cwd })
    expect(ahead.code, ahead.stderr).toBe(0)
    expect(JSON.parse(ahead.stdout)).toMatchObject({ label: 'sig1', params: { created: 1000, expires: 2000 } })

    const withMaxAge = await run(['verify', '--key', 'ed.jwk', '--now', '995', '--max-age', '60', 'signed.http'], { cwd })
    expect(withMaxAge.code).toBe(1)
    expect(errorReport(withMaxAge).code).toBe('ERR_CREATED_IN_FUTURE')

    const tooOld = await run(['verify', '--key', 'ed.jwk', '--now', '1100', '--max-age', '60', 'signed.http'], { cwd })
    expect(tooOld.code).toBe(1)
    expect(errorReport(tooOld).code).toBe('ERR_SIGNATURE_TOO_OLD')

    const expired = await run(['verify', '--key', 'ed.jwk', '--now', '2001', 'signed.http'], { cwd })
    expect(expired.code).toBe(1)
    expect(errorReport(expired).code).toBe('ERR_SIGNATURE_EXPIRED')
  })
})

describe('sign: registry formats in a key file', () => {
  /** The same text with its last character changed: the checksum no longer matches. */
  const typo = (text: string): string => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A')

  it('a registry JWK signs; a mistyped key id or secret is refused before signing', async () => {
    const keyid = generateKeyId()
    const secret = generateSecret()
    work.write('registry.jwk', JSON.stringify(secretToJwk(keyid, secret)))
    const ok = await run(['sign', '--key', 'registry.jwk', '--created', '1', '--nonce', 'none', 'get.http'], { cwd })
    expect(ok.code, ok.stderr).toBe(0)
    expect(signatureInput(ok.stdout)).toBe(`sig1=("@method" "@target-uri");created=1;keyid="${keyid}"`)

    const badSecret = { ...secretToJwk(keyid, secret), k: Buffer.from(typo(secret)).toString('base64url') }
    work.write('bad-secret.jwk', JSON.stringify(badSecret))
    const s = await run(['sign', '--key', 'bad-secret.jwk', 'get.http'], { cwd })
    expect(s.code).toBe(2)
    expect(s.stdout).toBe('')
    expect(errorReport(s).code).toBe('ERR_SECRET_MALFORMED')

    const badKid = { ...secretToJwk(keyid, secret), kid: typo(keyid) }
    work.write('bad-kid.jwk', JSON.stringify(badKid))
    const k = await run(['sign', '--key', 'bad-kid.jwk', 'get.http'], { cwd })
    expect(k.code).toBe(2)
    expect(k.stdout).toBe('')
    expect(errorReport(k).code).toBe('ERR_KEY_ID_MALFORMED')
    // Neither message nor report carries the secret.
    expect(s.stderr).not.toContain(secret)
  })
})
