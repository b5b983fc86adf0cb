/**
 * `signet verify`, `signet sign` and `signet base` against the published RFC 9421 examples
 * (Appendix B.2-B.4, sections 2.4, 3.2 and 4.3), read from test/vectors.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  appendFields,
  buildMessage,
  createdOf,
  errorReport,
  run,
  scratch,
  signedMessageText,
  vectorJwk,
  vectors,
} from './helpers.ts'
import type { VectorExample, VectorMessage } from './helpers.ts'

const work = scratch()
const cwd = work.dir

beforeAll(() => {
  const keys = Object.keys(vectors.keys).map((kid) => vectorJwk(kid))
  work.write('vectors.jwks', JSON.stringify({ keys }))
  for (const kid of Object.keys(vectors.keys)) work.write(`${kid}.jwk`, JSON.stringify(vectorJwk(kid)))
  for (const [name, message] of Object.entries(vectors.messages)) work.write(`${name}.http`, message.raw_crlf)
  for (const [kid, key] of Object.entries(vectors.keys)) {
    if (key.public_pem !== undefined) work.write(`${kid}.pub.pem`, key.public_pem)
    if (key.private_pem !== undefined) work.write(`${kid}.pem`, key.private_pem)
  }
})

/**
 * An RSA PEM says PSS only when it carries the RSASSA-PSS OID (the PSS private PKCS#8 does, the
 * rsaEncryption SPKI and PKCS#1 blocks do not): CLI.md requires --alg for the others.
 */
function pemAlgArgs(kid: string, which: 'public' | 'private'): string[] {
  if (kid === 'test-key-rsa') return ['--alg', 'rsa-v1_5-sha256']
  if (kid === 'test-key-rsa-pss' && which === 'public') return ['--alg', 'rsa-pss-sha512']
  return []
}

function writeSigned(example: VectorExample, text = signedMessageText(example)): string {
  return work.write(`${example.id}.signed.http`, text)
}

function requestArgs(example: VectorExample): string[] {
  return example.related_request === undefined ? [] : ['--request', `${example.related_request}.http`]
}

describe('signet verify accepts every RFC 9421 example', () => {
  for (const example of vectors.examples) {
    it(`${example.id} (${example.alg}) with --jwks`, async () => {
      const file = writeSigned(example)
      const now = String(createdOf(example.signature_params))
      const r = await run(['verify', '--jwks', 'vectors.jwks', '--label', example.label, '--now', now, ...requestArgs(example), file], { cwd })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const lines = r.stdout.split('\n')
      expect(lines.pop()).toBe('')
      expect(lines).toHaveLength(1)
      const out = JSON.parse(lines[0] as string) as Record<string, unknown>
      expect(Object.keys(out)).toEqual(['label', 'keyid', 'alg', 'components', 'params'])
      expect(out.label).toBe(example.label)
      expect(out.keyid).toBe(example.keyid)
      expect(out.alg).toBe(example.alg)
      expect(out.components).toEqual(example.covered_components)
      expect((out.params as Record<string, unknown>).created).toBe(createdOf(example.signature_params))
    })

    for (const backend of ['native', 'webcrypto', 'pure']) {
      it(`${example.id} (${example.alg}) with --backend ${backend}`, async () => {
        const now = String(createdOf(example.signature_params))
        const r = await run(
          ['verify', '--backend', backend, '--jwks', 'vectors.jwks', '--label', example.label, '--now', now, ...requestArgs(example), writeSigned(example)],
          { cwd },
        )
        expect(r.stderr).toBe('')
        expect(r.code).toBe(0)
      })
    }

    it(`${example.id} (${example.alg}) with --key, message on standard input`, async () => {
      const now = String(createdOf(example.signature_params))
      const r = await run(
        ['verify', '--now', now, '--label', example.label, ...requestArgs(example), '--key', `${example.keyid}.jwk`, '-'],
        { cwd, stdin: signedMessageText(example) },
      )
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    })

    if (vectors.keys[example.keyid]?.public_pem !== undefined) {
      it(`${example.id} (${example.alg}) with the public PEM`, async () => {
        const now = String(createdOf(example.signature_params))
        const r = await run(
          ['verify', '--key', `${example.keyid}.pub.pem`, ...pemAlgArgs(example.keyid, 'public'), '--label', example.label, '--now', now, ...requestArgs(example), writeSigned(example)],
          { cwd },
        )
        expect(r.stderr).toBe('')
        expect(r.code).toBe(0)
      })
    }

    it(`${example.id}: a flipped signature byte fails (exit 1)`, async () => {
      const sig = example.signature
      // Change one base64 character in the middle of this label's value (keeps the syntax valid).
      const at = sig.indexOf(`${example.label}=:`) + example.label.length + 12
      const flipped = sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1)
      const text = signedMessageText(example).replace(sig, flipped)
      expect(text).not.toBe(signedMessageText(example))
      const file = writeSigned(example, text)
      const now = String(createdOf(example.signature_params))
      const r = await run(['verify', '--jwks', 'vectors.jwks', '--label', example.label, '--now', now, ...requestArgs(example), file], { cwd })
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(errorReport(r).code).toMatch(/^ERR_/)
    })

    it(`${example.id}: the base printed by signet base is the RFC's`, async () => {
      const file = writeSigned(example)
      const r = await run(['base', '--label', example.label, ...requestArgs(example), file], { cwd })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toBe(`# ${example.label}\n${example.signature_base}\n`)
    })
  }
})

describe('tampered RFC examples are rejected', () => {
  const b22 = vectors.examples.find((e) => e.id === 'B.2.2') as VectorExample
  const s32 = vectors.examples.find((e) => e.id === 'S2.5+3.2') as VectorExample
  const b4 = vectors.examples.find((e) => e.id === 'B.4') as VectorExample

  it('a body change under a covered content-digest fails (digest recomputed)', async () => {
    const text = signedMessageText(s32).replace('{"hello": "world"}', '{"hello": "wORld"}')
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', work.write('s32-body.http', text)], { cwd })
    expect(r.code).toBe(1)
    expect(errorReport(r).code).toBe('ERR_DIGEST_MISMATCH')
  })

  it('a covered query parameter change fails', async () => {
    const text = signedMessageText(b22).replace('Pet=dog', 'Pet=cat')
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', work.write('b22-query.http', text)], { cwd })
    expect(r.code).toBe(1)
  })

  it('a changed covered field value fails', async () => {
    const text = signedMessageText(s32).replace('Content-Type: application/json', 'Content-Type: application/jsox')
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', work.write('s32-length.http', text)], { cwd })
    expect(r.code).toBe(1)
  })

  it('a changed keyid fails (the key selected is not the signer)', async () => {
    const text = signedMessageText(b22).replace('keyid="test-key-rsa-pss"', 'keyid="test-key-rsa"')
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', work.write('b22-keyid.http', text)], { cwd })
    expect(r.code).toBe(1)
  })

  for (const variant of b4.message_variants ?? []) {
    it(`B.4 variant ${variant.message}: ${variant.expect} (${variant.why})`, async () => {
      const r = await run(['verify', '--key', 'test-key-ed25519.jwk', '--now', '1618884473', `${variant.message}.http`], { cwd })
      expect(r.code).toBe(variant.expect === 'valid' ? 0 : 1)
    })
  }

  it('S4.3 final request: without --label every signature must verify (sig1 no longer does)', async () => {
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884480', 's4.3-final-request.http'], { cwd })
    expect(r.code).toBe(1)
    const ok = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884480', '--label', 'proxy_sig', 's4.3-final-request.http'], { cwd })
    expect(ok.code).toBe(0)
  })

  it('S4.3 proxy signature: expires is enforced against --now', async () => {
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884541', '--label', 'proxy_sig', 's4.3-final-request.http'], { cwd })
    expect(r.code).toBe(1)
    expect(errorReport(r).code).toBe('ERR_SIGNATURE_EXPIRED')
  })

  it('--max-age is applied only when given', async () => {
    const file = writeSigned(b22)
    const late = String(1618884473 + 3600)
    expect((await run(['verify', '--jwks', 'vectors.jwks', '--now', late, file], { cwd })).code).toBe(0)
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', late, '--max-age', '60', file], { cwd })
    expect(r.code).toBe(1)
    expect(errorReport(r).code).toBe('ERR_SIGNATURE_TOO_OLD')
    expect((await run(['verify', '--jwks', 'vectors.jwks', '--now', late, '--max-age', '7200', file], { cwd })).code).toBe(0)
  })

  it('--require names components that must be covered', async () => {
    const file = writeSigned(b22)
    const ok = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', '--require', '"@authority" "content-digest"', file], { cwd })
    expect(ok.code).toBe(0)
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', '--require', '"@method"', file], { cwd })
    expect(r.code).toBe(1)
    expect(errorReport(r).code).toBe('ERR_REQUIRED_COMPONENT')
  })

  it('--tag selects the signature with that tag', async () => {
    const file = writeSigned(b22)
    const ok = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', '--tag', 'header-example', file], { cwd })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout).params.tag).toBe('header-example')
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', '--tag', 'other', file], { cwd })
    expect(r.code).toBe(1)
  })

  it('--key whose kid differs from the keyid fails', async () => {
    work.write('ed-other-kid.jwk', JSON.stringify({ ...vectorJwk('test-key-ed25519'), kid: 'someone-else' }))
    const r = await run(['verify', '--key', 'ed-other-kid.jwk', '--now', '1618884473', 'b4-original.http'], { cwd })
    expect(r.code).toBe(1)
    expect(errorReport(r).code).toBe('ERR_KEY_ID_MISMATCH')
    const { kid: _kid, ...noKid } = vectorJwk('test-key-ed25519')
    work.write('ed-no-kid.jwk', JSON.stringify(noKid))
    expect((await run(['verify', '--key', 'ed-no-kid.jwk', '--now', '1618884473', 'b4-original.http'], { cwd })).code).toBe(0)
  })

  it('an RSA SPKI without the PSS OID needs --alg (exit 2)', async () => {
    const r = await run(['verify', '--key', 'test-key-rsa-pss.pub.pem', '--now', '1618884473', writeSigned(b22)], { cwd })
    expect(r.code).toBe(2)
    expect(errorReport(r).code).toBe('ERR_KEY_UNSUPPORTED')
  })

  it('--alg with --jwks completes RSA keys without alg and restricts the algorithm', async () => {
    const b26 = vectors.examples.find((e) => e.id === 'B.2.6') as VectorExample
    const keys = Object.values(vectors.keys).map((k) => k.jwk)
    work.write('no-alg.jwks', JSON.stringify({ keys }))
    const withoutAlg = await run(['verify', '--jwks', 'no-alg.jwks', '--now', '1618884473', writeSigned(b22)], { cwd })
    expect(withoutAlg.code).toBe(2)
    const pss = await run(['verify', '--jwks', 'no-alg.jwks', '--alg', 'rsa-pss-sha512', '--now', '1618884473', writeSigned(b22)], { cwd })
    expect(pss.stderr).toBe('')
    expect(pss.code).toBe(0)
    const other = await run(['verify', '--jwks', 'no-alg.jwks', '--alg', 'rsa-pss-sha512', '--now', '1618884473', writeSigned(b26)], { cwd })
    expect(other.code).toBe(1)
    expect(errorReport(other).code).toBe('ERR_ALG_NOT_ALLOWED')
  })

  it('a keyid missing from the JWKS fails with exit 1', async () => {
    work.write('partial.jwks', JSON.stringify({ keys: [vectorJwk('test-key-rsa-pss')] }))
    const r = await run(['verify', '--jwks', 'partial.jwks', '--now', '1618884473', 'b4-original.http'], { cwd })
    expect(r.code).toBe(1)
    expect(errorReport(r).code).toBe('ERR_KEY_NOT_FOUND')
  })

  it('the draft (wrong) Content-Digest of the B.2 test-response is caught', async () => {
    const b24 = vectors.examples.find((e) => e.id === 'B.2.4') as VectorExample
    const response = vectors.messages['test-response'] as VectorMessage & { draft_content_digest_wrong?: string }
    const wrong = response.draft_content_digest_wrong
    expect(typeof wrong).toBe('string')
    const good = (response.headers.find(([n]) => n === 'Content-Digest') as [string, string])[1]
    const text = signedMessageText(b24).replace(good, String(wrong).replace(/^Content-Digest:\s*/i, ''))
    const r = await run(['verify', '--jwks', 'vectors.jwks', '--now', '1618884473', work.write('b24-draft.http', text)], { cwd })
    expect(r.code).toBe(1)
  })
})

describe('signet sign re-creates every deterministic RFC example byte for byte', () => {
  const cases = vectors.examples
    .filter((e) => e.deterministic)
    .flatMap((e) => [
      { example: e, keyFile: `${e.keyid}.jwk`, keyArgs: [] as string[] },
      { example: e, keyFile: `${e.keyid}.jwk`, keyArgs: ['--backend', 'webcrypto'] },
      { example: e, keyFile: `${e.keyid}.jwk`, keyArgs: ['--backend', 'pure'] },
      ...(vectors.keys[e.keyid]?.private_pem === undefined
        ? []
        : [{ example: e, keyFile: `${e.keyid}.pem`, keyArgs: e.alg_source.startsWith('explicit') ? [] : pemAlgArgs(e.keyid, 'private') }]),
    ])
  for (const { example, keyFile, keyArgs } of cases) {
    it(`${example.id} (${example.alg}) with ${keyFile} ${keyArgs.join(' ')}`, async () => {
      const message = vectors.messages[example.message] as VectorMessage
      // The message before this signature: drop this label's members, keep any other signature.
      const headers: [string, string][] = []
      for (const [name, value] of message.headers) {
        const lower = name.toLowerCase()
        if (lower !== 'signature-input' && lower !== 'signature') {
          headers.push([name, value])
          continue
        }
        const kept = value.split(', ').filter((member) => !member.startsWith(`${example.label}=`))
        if (kept.length > 0) headers.push([name, kept.join(', ')])
      }
      const unsigned = buildMessage(message.start_line, headers, message.body)
      const file = work.write(`${example.id}.unsigned.http`, unsigned)
      // Parameters as flags, in the order the example lists them.
      const flags: string[] = []
      for (const m of example.signature_params.matchAll(/;([a-z]+)=("(?:[^"\\]|\\.)*"|[0-9]+)/g)) {
        const [, name, raw] = m as unknown as [string, string, string]
        const value = raw.startsWith('"') ? raw.slice(1, -1) : raw
        if (name === 'alg') flags.push('--alg', value)
        else flags.push(`--${name}`, value)
      }
      if (!/;nonce=/.test(example.signature_params)) flags.push('--nonce', 'none')
      const r = await run(
        [
          'sign',
          '--key',
          keyFile,
          ...keyArgs,
          '--label',
          example.label,
          '--components',
          example.covered_components.join(' '),
          ...flags,
          '--digest',
          'none',
          file,
        ],
        { cwd },
      )
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toBe(
        appendFields(unsigned, [
          ['Signature-Input', example.signature_input.split(', ').find((m) => m.startsWith(`${example.label}=`)) as string],
          ['Signature', example.signature.split(', ').find((m) => m.startsWith(`${example.label}=`)) as string],
        ]),
      )
    })
  }

  it('B.2.6 with the default digest: Content-Digest is replaced, the signature unchanged', async () => {
    const example = vectors.examples.find((e) => e.id === 'B.2.6') as VectorExample
    const r = await run(
      ['sign', '--key', 'test-key-ed25519.jwk', '--label', 'sig-b26', '--created', '1618884473', '--keyid', 'test-key-ed25519',
        '--nonce', 'none', '--components', example.covered_components.join(' '), 'test-request.http'],
      { cwd },
    )
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\r\n')
    expect(lines.filter((l) => l.toLowerCase().startsWith('content-digest:'))).toEqual([
      'Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
    ])
    expect(lines).toContain(`Signature: ${example.signature}`)
    expect(lines).toContain(`Signature-Input: ${example.signature_input}`)
  })
})
