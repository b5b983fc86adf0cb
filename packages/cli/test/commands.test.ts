/**
 * `signet keygen`, `pubkey`, `sign`, `verify` and `base` in-process: defaults, parameter order,
 * byte-exact output, every algorithm and backend, and an exit code for every bad input.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { errorReport, joseOf, run, scratch, vectorJwk, vectors } from './helpers.ts'

const work = scratch()
const cwd = work.dir

const ALGS = ['hmac-sha256', 'ed25519', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384'] as const

const POST_CRLF =
  'POST /items?x=1 HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a": true}'
const GET_LF = 'GET /p?q=%20a HTTP/1.1\nHost: Example.COM:443\nAccept: */*\n\n'
const RESPONSE = 'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok'

work.write('post.http', POST_CRLF)
work.write('get.http', GET_LF)
work.write('response.http', RESPONSE)
work.write('ed.jwk', JSON.stringify(vectorJwk('test-key-ed25519')))
work.write('hmac.jwk', JSON.stringify(vectorJwk('test-shared-secret')))
work.write('keys.jwks', JSON.stringify({ keys: Object.keys(vectors.keys).map((kid) => vectorJwk(kid)) }))

function sha256b64(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64')
}

function field(text: string, name: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim())
}

async function keygen(alg: string, extra: string[] = []): Promise<Record<string, string>> {
  const r = await run(['keygen', '--alg', alg, ...extra], { cwd })
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.stdout.endsWith('\n')).toBe(true)
  expect(r.stdout.trimEnd()).not.toContain('\n')
  return JSON.parse(r.stdout) as Record<string, string>
}

describe('signet keygen and pubkey', () => {
  for (const alg of ALGS) {
    it(`${alg}: keygen -> pubkey -> sign -> verify`, async () => {
      const jwk = await keygen(alg)
      expect(jwk.alg).toBe(joseOf[alg])
      expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const privateFile = work.write(`gen-${alg}.jwk`, JSON.stringify(jwk))
      let verifyKey = privateFile
      if (alg === 'hmac-sha256') {
        const r = await run(['pubkey', privateFile], { cwd })
        expect(r.code).toBe(2)
        expect(r.stdout).toBe('')
        expect(errorReport(r).code).toMatch(/^ERR_/)
      } else {
        const r = await run(['pubkey', privateFile], { cwd })
        expect(r.code).toBe(0)
        const pub = JSON.parse(r.stdout) as Record<string, string>
        expect(pub.kid).toBe(jwk.kid)
        expect(pub.alg).toBe(joseOf[alg])
        expect(pub.d).toBeUndefined()
        expect(pub.p).toBeUndefined()
        verifyKey = work.write(`gen-${alg}.pub.jwk`, JSON.stringify(pub))
      }
      const signed = await run(['sign', '--key', privateFile, 'post.http'], { cwd })
      expect(signed.stderr).toBe('')
      expect(signed.code).toBe(0)
      const file = work.write(`gen-${alg}.signed.http`, signed.stdoutBytes)
      const v = await run(['verify', '--key', verifyKey, file], { cwd })
      expect(v.stderr).toBe('')
      expect(v.code).toBe(0)
      const out = JSON.parse(v.stdout) as { label: string; keyid: string; alg: string }
      expect(out).toMatchObject({ label: 'sig1', keyid: jwk.kid, alg })
    })
  }

  it('keygen --kid sets the kid; the default kid is the RFC 7638 thumbprint', async () => {
    expect((await keygen('ed25519', ['--kid', 'my-key'])).kid).toBe('my-key')
    const jwk = await keygen('ecdsa-p384-sha384')
    const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
    expect(jwk.kid).toBe(createHash('sha256').update(canonical).digest('base64url'))
    expect(jwk.d).toMatch(/^[A-Za-z0-9_-]{64}$/)
    const hmac = await keygen('hmac-sha256')
    expect(hmac).toMatchObject({ kty: 'oct', alg: 'HS256' })
    expect(hmac.kid).toBe(createHash('sha256').update(JSON.stringify({ k: hmac.k, kty: 'oct' })).digest('base64url'))
  })

  it('pubkey of a PEM gets the RFC 7638 thumbprint as kid', async () => {
    const pem = vectors.keys['test-key-ed25519']?.private_pem as string
    work.write('ed.pem', pem)
    const r = await run(['pubkey', 'ed.pem'], { cwd })
    expect(r.code).toBe(0)
    const pub = JSON.parse(r.stdout) as Record<string, string>
    expect(pub).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: vectors.keys['test-key-ed25519']?.jwk.x, alg: 'EdDSA' })
    // RFC 7638 section 3: SHA-256 over the required members in lexicographic order.
    const canonical = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x: pub.x })
    expect(pub.kid).toBe(createHash('sha256').update(canonical).digest('base64url'))
  })

  it('an RSA PEM needs --alg (exit 2 without)', async () => {
    work.write('rsa.pem', vectors.keys['test-key-rsa']?.private_pem as string)
    const r = await run(['pubkey', 'rsa.pem'], { cwd })
    expect(r.code).toBe(2)
    expect(errorReport(r).code).toMatch(/^ERR_/)
    const ok = await run(['pubkey', '--alg', 'rsa-v1_5-sha256', 'rsa.pem'], { cwd })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ kty: 'RSA', alg: 'RS256', n: vectors.keys['test-key-rsa']?.jwk.n })
    const sign = await run(['sign', '--key', 'rsa.pem', 'post.http'], { cwd })
    expect(sign.code).toBe(2)
  })

  it('the PSS PEM implies rsa-pss-sha512', async () => {
    work.write('pss.pem', vectors.keys['test-key-rsa-pss']?.private_pem as string)
    const r = await run(['pubkey', 'pss.pem'], { cwd })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).alg).toBe('PS512')
  })

  it('bad keygen input exits 2', async () => {
    for (const argv of [['keygen'], ['keygen', '--alg', 'rsa-sha1'], ['keygen', '--alg', 'ed25519', 'extra'], ['keygen', '--bogus']]) {
      const r = await run(argv, { cwd })
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.stdout).toBe('')
      errorReport(r)
    }
  })
})

describe('signet sign', () => {
  it('defaults: label, components, params order, digest, keyid; output is the input plus three lines', async () => {
    const before = Math.floor(Date.now() / 1000)
    const r = await run(['sign', '--key', 'ed.jwk', 'post.http'], { cwd })
    expect(r.code).toBe(0)
    const head = POST_CRLF.slice(0, POST_CRLF.indexOf('\r\n\r\n') + 2)
    expect(r.stdout.startsWith(head)).toBe(true)
    expect(r.stdout.endsWith('\r\n\r\n{"a": true}')).toBe(true)
    const added = r.stdout.slice(head.length, -'\r\n{"a": true}'.length).split('\r\n')
    expect(added.pop()).toBe('')
    expect(added.map((l) => l.slice(0, l.indexOf(':')))).toEqual(['Content-Digest', 'Signature-Input', 'Signature'])
    expect(added[0]).toBe(`Content-Digest: sha-256=:${sha256b64('{"a": true}')}:`)
    const input = added[1] as string
    const m = /^Signature-Input: sig1=\("@method" "@target-uri" "content-digest" "content-type"\);created=(\d+);nonce="([A-Za-z0-9_-]+)";keyid="test-key-ed25519"$/.exec(input)
    expect(m, input).not.toBeNull()
    const created = Number(m?.[1])
    expect(created).toBeGreaterThanOrEqual(before)
    expect(created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1)
    expect((m?.[2] as string).length).toBeGreaterThanOrEqual(22)
    expect(added[2]).toMatch(/^Signature: sig1=:[A-Za-z0-9+/]+=*:$/)
  })

  it('two runs use different nonces', async () => {
    const a = await run(['sign', '--key', 'ed.jwk', 'post.http'], { cwd })
    const b = await run(['sign', '--key', 'ed.jwk', 'post.http'], { cwd })
    const nonce = (t: string) => /nonce="([^"]+)"/.exec(t)?.[1]
    expect(nonce(a.stdout)).toBeDefined()
    expect(nonce(a.stdout)).not.toBe(nonce(b.stdout))
  })

  it('flag parameters come first in flag order, defaulted ones follow', async () => {
    const r = await run(
      ['sign', '--tag', 'app', '--key', 'ed.jwk', '--expires', '2000000000', '--keyid', 'k1', '--created', '1700000000', 'post.http'],
      { cwd },
    )
    expect(r.code).toBe(0)
    expect(field(r.stdout, 'Signature-Input')[0]).toMatch(
      /^sig1=\([^)]*\);tag="app";expires=2000000000;keyid="k1";created=1700000000;nonce="[A-Za-z0-9_-]+"$/,
    )
  })

  it('--alg adds the alg parameter, in flag order', async () => {
    const r = await run(['sign', '--key', 'ed.jwk', '--alg', 'ed25519', '--created', '1', '--nonce', 'n', 'get.http'], { cwd })
    expect(r.code).toBe(0)
    expect(field(r.stdout, 'Signature-Input')[0]).toBe('sig1=("@method" "@target-uri");alg="ed25519";created=1;nonce="n";keyid="test-key-ed25519"')
  })

  it('--created none, --nonce none, --components "" and a custom label', async () => {
    const r = await run(
      ['sign', '--key', 'hmac.jwk', '--label', 'empty', '--components', '', '--created', 'none', '--nonce', 'none', 'get.http'],
      { cwd },
    )
    expect(r.code).toBe(0)
    expect(field(r.stdout, 'Signature-Input')).toEqual(['empty=();keyid="test-shared-secret"'])
  })

  it('keeps LF line endings and adds no digest without a body', async () => {
    const r = await run(['sign', '--key', 'ed.jwk', '--created', '5', '--nonce', 'abc', 'get.http'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('\r')
    expect(r.stdout.startsWith('GET /p?q=%20a HTTP/1.1\nHost: Example.COM:443\nAccept: */*\nSignature-Input: sig1=')).toBe(true)
    expect(r.stdout.endsWith('\n\n')).toBe(true)
    expect(r.stdout).not.toMatch(/content-digest/i)
    const base = await run(['base', work.write('get-signed.http', r.stdout)], { cwd })
    expect(base.stdout).toBe(
      '# sig1\n"@method": GET\n"@target-uri": https://Example.COM:443/p?q=%20a\n"@signature-params": ("@method" "@target-uri");created=5;nonce="abc";keyid="test-key-ed25519"\n',
    )
  })

  it('--scheme sets the scheme of @target-uri', async () => {
    const r = await run(['sign', '--key', 'ed.jwk', '--scheme', 'http', 'get.http'], { cwd })
    const base = await run(['base', '--scheme', 'http', work.write('get-http.http', r.stdout)], { cwd })
    expect(base.stdout).toContain('"@target-uri": http://Example.COM:443/p?q=%20a\n')
    const v = await run(['verify', '--key', 'ed.jwk', 'get-http.http'], { cwd })
    expect(v.code).toBe(1)
    expect((await run(['verify', '--key', 'ed.jwk', '--scheme', 'http', 'get-http.http'], { cwd })).code).toBe(0)
  })

  it('replaces an existing Content-Digest (all its lines) and keeps everything else', async () => {
    const msg = 'PUT /x HTTP/1.1\r\nHost: h\r\nContent-Digest: sha-512=:old:\r\nX-A:  spaced  \r\ncontent-digest: md5=:x:\r\n\r\nhello'
    const r = await run(['sign', '--key', 'ed.jwk', '--digest', 'sha-512', '-'], { cwd, stdin: msg })
    expect(r.code).toBe(0)
    const digest = createHash('sha512').update('hello').digest('base64')
    expect(r.stdout.startsWith(`PUT /x HTTP/1.1\r\nHost: h\r\nX-A:  spaced  \r\nContent-Digest: sha-512=:${digest}:\r\nSignature-Input: `)).toBe(true)
    expect(r.stdout.endsWith('\r\n\r\nhello')).toBe(true)
  })

  it('reads standard input when no file is given', async () => {
    const r = await run(['sign', '--key', 'ed.jwk'], { cwd, stdin: POST_CRLF })
    expect(r.code).toBe(0)
    expect(field(r.stdout, 'Signature')).toHaveLength(1)
  })

  it('signs a response with "@status" and a ;req component from --request', async () => {
    const r = await run(
      ['sign', '--key', 'ed.jwk', '--request', 'post.http', '--components', '"@status" "@method";req "content-type"', 'response.http'],
      { cwd },
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const file = work.write('response-signed.http', r.stdout)
    const base = await run(['base', '--request', 'post.http', file], { cwd })
    expect(base.stdout).toContain('"@status": 201\n"@method";req: POST\n"content-type": text/plain\n')
    expect((await run(['verify', '--key', 'ed.jwk', '--request', 'post.http', file], { cwd })).code).toBe(0)
    const plain = await run(['sign', '--key', 'ed.jwk', 'response.http'], { cwd })
    expect(field(plain.stdout, 'Signature-Input')[0]).toMatch(/^sig1=\("@status" "content-digest" "content-type"\);/)
  })

  it('keeps a non-UTF-8 body byte for byte and digests the decoded chunked content', async () => {
    const head = 'POST /bin HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'
    const enc = new TextEncoder()
    const body = new Uint8Array([0xff, 0x00, 0xfe, 0x80, 0x41])
    const chunked = new Uint8Array([...enc.encode(`${head}5\r\n`), ...body, ...enc.encode('\r\n0\r\n\r\n')])
    const r = await run(['sign', '--key', 'ed.jwk', '-'], { cwd, stdin: chunked })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const headEnd = head.length - 2
    const out = r.stdoutBytes
    expect(out.subarray(0, headEnd)).toEqual(chunked.subarray(0, headEnd))
    const tail = chunked.subarray(headEnd)
    expect(out.subarray(out.length - tail.length)).toEqual(tail)
    expect(new TextDecoder('latin1').decode(out)).toContain(`Content-Digest: sha-256=:${sha256b64(body)}:`)
    const v = await run(['verify', '--key', 'ed.jwk', '-'], { cwd, stdin: out })
    expect(v.code).toBe(0)
  })

  it('a label already on the message exits 2', async () => {
    const r = await run(['sign', '--key', 'ed.jwk', 'post.http'], { cwd })
    const file = work.write('post-signed.http', r.stdout)
    const again = await run(['sign', '--key', 'ed.jwk', file], { cwd })
    expect(again.code).toBe(2)
    expect(errorReport(again).code).toBe('ERR_LABEL_EXISTS')
    const second = await run(['sign', '--key', 'hmac.jwk', '--label', 'sig2', file], { cwd })
    expect(second.code).toBe(0)
    expect(field(second.stdout, 'Signature-Input')).toHaveLength(2)
  })

  for (const backend of ['native', 'webcrypto', 'pure']) {
    it(`--backend ${backend} signs and verifies`, async () => {
      const r = await run(['sign', '--backend', backend, '--key', 'ed.jwk', 'post.http'], { cwd })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const file = work.write(`backend-${backend}.http`, r.stdout)
      for (const other of ['native', 'webcrypto', 'pure']) {
        const v = await run(['verify', '--backend', other, '--key', 'ed.jwk', file], { cwd })
        expect(v.code, `${backend} -> ${other}: ${v.stderr}`).toBe(0)
      }
    })
  }

  it('--field-type declares a structured field for ;sf and ;key', async () => {
    const msg = 'GET / HTTP/1.1\r\nHost: h\r\nX-Dict:  a=1,   b=2\r\n\r\n'
    const r = await run(
      ['sign', '--key', 'ed.jwk', '--field-type', 'X-Dict=dictionary', '--components', '"x-dict";sf "x-dict";key="b"', '-'],
      { cwd, stdin: msg },
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const file = work.write('dict.http', r.stdout)
    const base = await run(['base', '--field-type', 'x-dict=dictionary', file], { cwd })
    expect(base.stdout).toContain('"x-dict";sf: a=1, b=2\n"x-dict";key="b": 2\n')
    expect((await run(['verify', '--key', 'ed.jwk', '--field-type', 'x-dict=dictionary', file], { cwd })).code).toBe(0)
    const undeclared = await run(['sign', '--key', 'ed.jwk', '--components', '"x-dict";key="b"', 'dict.http'], { cwd })
    expect(undeclared.code).toBe(2)
  })
})

describe('signet verify and base', () => {
  it('verifies every signature and prints one line each; --key alone fails on a foreign keyid', async () => {
    const one = await run(['sign', '--key', 'ed.jwk', 'post.http'], { cwd })
    const two = await run(['sign', '--key', 'hmac.jwk', '--label', 'sig2', '-'], { cwd, stdin: one.stdoutBytes })
    const file = work.write('two-sigs.http', two.stdoutBytes)
    const v = await run(['verify', '--jwks', 'keys.jwks', file], { cwd })
    expect(v.stderr).toBe('')
    expect(v.code).toBe(0)
    const lines = v.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { label: string; keyid: string; params: Record<string, unknown> })
    expect(lines.map((l) => [l.label, l.keyid])).toEqual([
      ['sig1', 'test-key-ed25519'],
      ['sig2', 'test-shared-secret'],
    ])
    expect(Object.keys(lines[0]?.params ?? {})).toEqual(['created', 'nonce', 'keyid'])
    const only = await run(['verify', '--key', 'ed.jwk', file], { cwd })
    expect(only.code).toBe(1)
    expect(errorReport(only).code).toBe('ERR_KEY_ID_MISMATCH')
    const labelled = await run(['verify', '--key', 'ed.jwk', '--label', 'sig1', file], { cwd })
    expect(labelled.code).toBe(0)
    expect(labelled.stdout.trimEnd().split('\n')).toHaveLength(1)
    const base = await run(['base', file], { cwd })
    expect(base.code).toBe(0)
    const blocks = base.stdout.split('\n\n')
    expect(blocks).toHaveLength(2)
    expect(blocks[0]?.startsWith('# sig1\n"@method": POST\n')).toBe(true)
    expect(blocks[1]?.startsWith('# sig2\n"@method": POST\n')).toBe(true)
    expect(base.stdout.endsWith('"\n')).toBe(true)
    const sig2 = await run(['base', '--label', 'sig2', file], { cwd })
    expect(sig2.stdout).toBe(`${blocks[1]}`)
  })

  it('JWKS files: owner and scopes are accepted, --keyid picks the signing key from a JWKS', async () => {
    const keys = [
      { ...vectorJwk('test-key-ed25519'), owner: 'alice', scopes: ['read', 'write'] },
      { ...vectorJwk('test-shared-secret'), owner: 'bob' },
    ]
    work.write('owned.jwks', JSON.stringify({ keys }))
    const signed = await run(['sign', '--key', 'owned.jwks', '--keyid', 'test-shared-secret', 'post.http'], { cwd })
    expect(signed.stderr).toBe('')
    expect(signed.code).toBe(0)
    expect(field(signed.stdout, 'Signature-Input')[0]).toContain('keyid="test-shared-secret"')
    const v = await run(['verify', '--jwks', 'owned.jwks', '-'], { cwd, stdin: signed.stdoutBytes })
    expect(v.code).toBe(0)
    expect(JSON.parse(v.stdout)).toMatchObject({ keyid: 'test-shared-secret', alg: 'hmac-sha256' })
    const ambiguous = await run(['sign', '--key', 'owned.jwks', 'post.http'], { cwd })
    expect(ambiguous.code).toBe(2)
    expect(errorReport(ambiguous).code).toBe('ERR_USAGE')
    const unknown = await run(['sign', '--key', 'owned.jwks', '--keyid', 'nobody', 'post.http'], { cwd })
    expect(unknown.code).toBe(2)
    work.write('bad-scopes.jwks', JSON.stringify({ keys: [{ ...vectorJwk('test-key-ed25519'), scopes: 'read' }] }))
    expect((await run(['verify', '--jwks', 'bad-scopes.jwks', '-'], { cwd, stdin: signed.stdoutBytes })).code).toBe(2)
    work.write('dup.jwks', JSON.stringify({ keys: [vectorJwk('test-key-ed25519'), vectorJwk('test-key-ed25519')] }))
    expect((await run(['verify', '--jwks', 'dup.jwks', '-'], { cwd, stdin: signed.stdoutBytes })).code).toBe(2)
  })

  it('a missing or malformed Signature-Input/Signature exits 1', async () => {
    const cases: Record<string, string> = {
      none: POST_CRLF,
      'input only': POST_CRLF.replace('\r\n\r\n', '\r\nSignature-Input: sig1=();keyid="test-key-ed25519"\r\n\r\n'),
      'signature only': POST_CRLF.replace('\r\n\r\n', '\r\nSignature: sig1=:AAAA:\r\n\r\n'),
      'malformed input': POST_CRLF.replace('\r\n\r\n', '\r\nSignature-Input: sig1=("@method";created=1\r\nSignature: sig1=:AAAA:\r\n\r\n'),
      'malformed signature': POST_CRLF.replace('\r\n\r\n', '\r\nSignature-Input: sig1=();created=1\r\nSignature: sig1=AAAA\r\n\r\n'),
    }
    for (const [name, text] of Object.entries(cases)) {
      const r = await run(['verify', '--key', 'ed.jwk', '-'], { cwd, stdin: text })
      expect(r.code, name).toBe(1)
      expect(r.stdout, name).toBe('')
      expect(errorReport(r).code, name).toMatch(/^ERR_/)
    }
    for (const name of ['none', 'malformed input']) {
      const b = await run(['base', '-'], { cwd, stdin: cases[name] as string })
      expect(b.code, name).toBe(1)
    }
    const unknownLabel = await run(['base', '--label', 'nope', '-'], { cwd, stdin: cases['input only'] as string })
    expect(unknownLabel.code).toBe(1)
  })
})

describe('exit 2 for usage, file, message and key errors', () => {
  const cases: [string, string[], string?][] = [
    ['unknown option', ['sign', '--key', 'ed.jwk', '--frobnicate', 'post.http'], 'ERR_USAGE'],
    ['missing --key', ['sign', 'post.http'], 'ERR_USAGE'],
    ['option without value', ['sign', 'post.http', '--key'], 'ERR_USAGE'],
    ['two message files', ['sign', '--key', 'ed.jwk', 'post.http', 'get.http'], 'ERR_USAGE'],
    ['repeated option', ['sign', '--key', 'ed.jwk', '--label', 'a', '--label', 'b', 'post.http'], 'ERR_USAGE'],
    ['unreadable message', ['sign', '--key', 'ed.jwk', 'nope.http'], 'ERR_IO'],
    ['unreadable key', ['sign', '--key', 'nope.jwk', 'post.http'], 'ERR_IO'],
    ['malformed message', ['sign', '--key', 'ed.jwk', 'garbage.http']],
    ['bad --digest', ['sign', '--key', 'ed.jwk', '--digest', 'md5', 'post.http'], 'ERR_USAGE'],
    ['bad --created', ['sign', '--key', 'ed.jwk', '--created', 'yesterday', 'post.http'], 'ERR_USAGE'],
    ['bad --expires', ['sign', '--key', 'ed.jwk', '--expires', '-5', 'post.http'], 'ERR_USAGE'],
    ['bad --backend', ['sign', '--key', 'ed.jwk', '--backend', 'openssl', 'post.http'], 'ERR_USAGE'],
    ['bad --field-type', ['sign', '--key', 'ed.jwk', '--field-type', 'x-a=string', 'post.http'], 'ERR_USAGE'],
    ['bad --scheme', ['sign', '--key', 'ed.jwk', '--scheme', '1http', 'post.http'], 'ERR_USAGE'],
    ['unterminated component', ['sign', '--key', 'ed.jwk', '--components', '"@method', 'post.http'], 'ERR_USAGE'],
    ['absent component', ['sign', '--key', 'ed.jwk', '--components', '"x-missing"', 'post.http']],
    ['unknown derived component', ['sign', '--key', 'ed.jwk', '--components', '"@nope"', 'post.http']],
    ['public key for signing', ['sign', '--key', 'ed.pub.jwk', 'post.http']],
    ['not a key', ['sign', '--key', 'post.http', 'post.http']],
    ['bad JSON key', ['sign', '--key', 'broken.jwk', 'post.http']],
    ['unknown --alg', ['sign', '--key', 'ed.jwk', '--alg', 'ed448', 'post.http']],
    ['--alg contradicting the key', ['sign', '--key', 'ed.jwk', '--alg', 'hmac-sha256', 'post.http']],
    ['short HMAC secret', ['sign', '--key', 'short.jwk', 'post.http']],
    ['--request is a response', ['sign', '--key', 'ed.jwk', '--request', 'response.http', 'response.http'], 'ERR_USAGE'],
    ['verify without key', ['verify', 'post.http'], 'ERR_USAGE'],
    ['verify with --key and --jwks', ['verify', '--key', 'ed.jwk', '--jwks', 'keys.jwks', 'post.http'], 'ERR_USAGE'],
    ['verify with --label and --tag', ['verify', '--key', 'ed.jwk', '--label', 'a', '--tag', 'b', 'post.http'], 'ERR_USAGE'],
    ['verify with bad --now', ['verify', '--key', 'ed.jwk', '--now', 'soon', 'post.http'], 'ERR_USAGE'],
    ['verify with a bad --require identifier', ['verify', '--key', 'ed.jwk', '--require', '"Content-Type"', 'post.http'], 'ERR_USAGE'],
    ['verify with bad --max-age', ['verify', '--key', 'ed.jwk', '--max-age', '1.5', 'post.http'], 'ERR_USAGE'],
    ['verify with unreadable JWKS', ['verify', '--jwks', 'nope.jwks', 'post.http'], 'ERR_IO'],
    ['verify with a JWK as JWKS', ['verify', '--jwks', 'ed.jwk', 'post.http']],
    ['verify with a JWKS key without kid', ['verify', '--jwks', 'nokid.jwks', 'post.http']],
    ['verify with unreadable message', ['verify', '--key', 'ed.jwk', 'nope.http'], 'ERR_IO'],
    ['verify with malformed message', ['verify', '--key', 'ed.jwk', 'garbage.http']],
    ['base with unknown option', ['base', '--key', 'ed.jwk', 'post.http'], 'ERR_USAGE'],
    ['base with malformed message', ['base', 'garbage.http']],
    ['pubkey without KEY', ['pubkey'], 'ERR_USAGE'],
    ['pubkey of HMAC', ['pubkey', 'hmac.jwk']],
    ['no command', [], 'ERR_USAGE'],
    ['unknown command', ['frob'], 'ERR_USAGE'],
  ]
  work.write('garbage.http', 'this is not\x00 an HTTP message\r\n\r\n')
  work.write('broken.jwk', '{"kty": "OKP",')
  work.write('short.jwk', JSON.stringify({ kty: 'oct', k: 'c2hvcnQ', kid: 'short' }))
  work.write('nokid.jwks', JSON.stringify({ keys: [{ ...vectorJwk('test-key-ed25519'), kid: undefined }] }))
  const { d: _d, ...edPublic } = vectorJwk('test-key-ed25519')
  work.write('ed.pub.jwk', JSON.stringify(edPublic))

  for (const [name, argv, code] of cases) {
    it(name, async () => {
      const r = await run(argv, { cwd })
      expect(r.code).toBe(2)
      // CLI.md: `signet` alone prints the general usage (exit 2); every other error prints nothing.
      if (argv.length === 0) expect(r.stdout).toContain('Usage: signet <command>')
      else expect(r.stdout).toBe('')
      const report = errorReport(r)
      if (code !== undefined) expect(report.code).toBe(code)
      else expect(report.code).toMatch(/^ERR_[A-Z_]+$/)
    })
  }

  it('--help prints usage and exits 0', async () => {
    for (const argv of [['--help'], ['help'], ['sign', '--help'], ['verify', '--key', 'x', '-h']]) {
      const r = await run(argv, { cwd })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('Usage: signet')
    }
  })
})
