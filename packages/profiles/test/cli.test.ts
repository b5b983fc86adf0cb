/**
 * `signet sign|verify --profile NAME` as CLI.md "Profiles" says: JSON key files, `--id`,
 * `--timestamp` (unix seconds), `--recv-window`, `--unsigned-payload`, `--headers`,
 * `--tolerance`, repeated `--key`; the message kept byte for byte; exit 1 for a failed or
 * stale verification, 2 for usage and key errors. Outputs are cross-checked against the
 * schemes' own libraries and the published vectors.
 */
import { createHash, generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { errorReport, run, scratch } from '../../cli/test/helpers.ts'

const work = scratch()
const cwd = work.dir
const NOW = Math.floor(Date.now() / 1000)
const POST = 'POST /hooks?x=1 HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a": true}'
const GET_LF = 'GET /api/v3/account?symbol=LTCBTC HTTP/1.1\nHost: api.binance.com\n\n'
const FORM = 'POST /api/v3/order HTTP/1.1\r\nHost: api.binance.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\nsymbol=LTCBTC'
work.write('post.http', POST)
work.write('get.http', GET_LF)
work.write('form.http', FORM)
work.write('sw.json', JSON.stringify({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }))
work.write('sw-old.json', JSON.stringify({ secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' }))
work.write('whsk.json', JSON.stringify({ secret: 'whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=' }))
work.write('whpk.json', JSON.stringify({ publicKey: 'whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' }))
work.write('stripe.json', JSON.stringify({ secret: 'whsec_test_secret' }))
work.write('github.json', JSON.stringify({ secret: "It's a Secret to Everybody" }))
work.write('binance.json', JSON.stringify({ apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A', secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fA' }))
const ed = generateKeyPairSync('ed25519')
work.write('binance-ed.json', JSON.stringify({ apiKey: 'ed-key', privateKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) }))
work.write('binance-ed-pub.json', JSON.stringify({ apiKey: 'ed-key', publicKey: ed.publicKey.export({ type: 'spki', format: 'pem' }) }))
const aws = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1', service: 'service' }
work.write('aws.json', JSON.stringify(aws))
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
work.write('cavage.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
work.write('cavage-pub.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string)
const sigv4 = JSON.parse(readFileSync(new URL('../../../test/vectors/sigv4-suite.json', import.meta.url), 'utf8'))

const headerOf = (text: string, name: string): string | undefined => new RegExp(`^${name}: (.*?)\\r?$`, 'im').exec(text)?.[1]

describe('--profile standard-webhooks', () => {
  it('signs with --id and --timestamp, keeps the message, verifies with rotated keys; the library agrees', async () => {
    const signed = await run(['sign', '--profile', 'standard-webhooks', '--key', 'sw.json', '--id', 'msg_1', '--timestamp', String(NOW), 'post.http'], { cwd })
    expect(signed.code).toBe(0)
    expect(signed.stdout.startsWith(POST.slice(0, POST.indexOf('\r\n\r\n')) + '\r\nwebhook-id: msg_1\r\n')).toBe(true)
    expect(signed.stdout.endsWith('\r\n\r\n{"a": true}')).toBe(true)
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW), 'webhook-signature': headerOf(signed.stdout, 'webhook-signature') as string }
    expect(new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').verify('{"a": true}', headers)).toEqual({ a: true })
    work.write('sw-signed.http', signed.stdout)
    const v = await run(['verify', '--profile', 'standard-webhooks', '--key', 'sw-old.json', '--key', 'sw.json', 'sw-signed.http'], { cwd })
    expect(v.code).toBe(0)
    expect(JSON.parse(v.stdout)).toMatchObject({ profile: 'standard-webhooks', alg: 'v1', params: { 'webhook-id': 'msg_1' } })
    const wrong = await run(['verify', '--profile', 'standard-webhooks', '--key', 'sw-old.json', 'sw-signed.http'], { cwd })
    expect(wrong.code).toBe(1)
    expect(errorReport(wrong).code).toBe('ERR_SIGNATURE_INVALID')
  })
  it('v1a: whsk_ signs, whpk_ verifies; a stale timestamp exits 1 and --tolerance widens it', async () => {
    const signed = await run(['sign', '--profile', 'standard-webhooks', '--key', 'whsk.json', '--timestamp', String(NOW - 400), 'post.http'], { cwd })
    expect(signed.code).toBe(0)
    expect(headerOf(signed.stdout, 'webhook-signature')).toMatch(/^v1a,/)
    work.write('v1a.http', signed.stdout)
    const stale = await run(['verify', '--profile', 'standard-webhooks', '--key', 'whpk.json', 'v1a.http'], { cwd })
    expect(stale.code).toBe(1)
    expect(errorReport(stale).code).toBe('ERR_SIGNATURE_TOO_OLD')
    expect((await run(['verify', '--profile', 'standard-webhooks', '--key', 'whpk.json', '--tolerance', '500', 'v1a.http'], { cwd })).code).toBe(0)
  })
})

describe('--profile stripe and github', () => {
  it('stripe: stripe-node verifies the CLI signature; Signet verifies it back', async () => {
    const signed = await run(['sign', '--profile', 'stripe', '--key', 'stripe.json', '--timestamp', String(NOW), 'post.http'], { cwd })
    expect(signed.code).toBe(0)
    const header = headerOf(signed.stdout, 'Stripe-Signature') as string
    expect(new Stripe('sk_test_x').webhooks.signature.verifyHeader('{"a": true}', header, 'whsec_test_secret', 300)).toBe(true)
    work.write('stripe.http', signed.stdout)
    expect((await run(['verify', '--profile', 'stripe', '--key', 'stripe.json', 'stripe.http'], { cwd })).code).toBe(0)
    work.write('stripe-tampered.http', signed.stdout.replace('{"a": true}', '{"a": fals}'))
    expect((await run(['verify', '--profile', 'stripe', '--key', 'stripe.json', 'stripe-tampered.http'], { cwd })).code).toBe(1)
  })
  it("github: GitHub's documented signature", async () => {
    work.write('hello.http', 'POST /gh HTTP/1.1\nHost: example.com\nContent-Length: 13\n\nHello, World!')
    const signed = await run(['sign', '--profile', 'github', '--key', 'github.json', 'hello.http'], { cwd })
    expect(headerOf(signed.stdout, 'X-Hub-Signature-256')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17')
    work.write('hello-signed.http', signed.stdout)
    expect((await run(['verify', '--profile', 'github', '--key', 'github.json', 'hello-signed.http'], { cwd })).code).toBe(0)
  })
})

describe('--profile binance', () => {
  it('appends timestamp (ms), recvWindow and signature last to the query, adds X-MBX-APIKEY; verify enforces recvWindow', async () => {
    const signed = await run(['sign', '--profile', 'binance', '--key', 'binance.json', '--timestamp', '1499827319', '--recv-window', '5000', 'get.http'], { cwd })
    expect(signed.code).toBe(0)
    const line = signed.stdout.split('\n')[0] as string
    expect(line).toMatch(/^GET \/api\/v3\/account\?symbol=LTCBTC&recvWindow=5000&timestamp=1499827319000&signature=[0-9a-f]{64} HTTP\/1\.1$/)
    expect(signed.stdout.slice(line.length)).toBe('\nHost: api.binance.com\nX-MBX-APIKEY: vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\n\n')
    work.write('binance.http', signed.stdout)
    expect((await run(['verify', '--profile', 'binance', '--key', 'binance.json', '--now', '1499827323', 'binance.http'], { cwd })).code).toBe(0)
    const late = await run(['verify', '--profile', 'binance', '--key', 'binance.json', '--now', '1499827325', 'binance.http'], { cwd })
    expect(late.code).toBe(1)
    expect(errorReport(late).code).toBe('ERR_SIGNATURE_TOO_OLD')
  })
  it('a form body gets the parameters (Content-Length follows); Ed25519 keys sign base64, percent-encoded', async () => {
    const signed = await run(['sign', '--profile', 'binance', '--key', 'binance-ed.json', '--timestamp', String(NOW), 'form.http'], { cwd })
    expect(signed.code).toBe(0)
    const body = signed.stdout.slice(signed.stdout.indexOf('\r\n\r\n') + 4)
    expect(body).toMatch(new RegExp(`^symbol=LTCBTC&timestamp=${NOW}000&signature=[A-Za-z0-9%]+$`))
    expect(headerOf(signed.stdout, 'Content-Length')).toBe(String(body.length))
    work.write('form-signed.http', signed.stdout)
    expect((await run(['verify', '--profile', 'binance', '--key', 'binance-ed-pub.json', 'form-signed.http'], { cwd })).code).toBe(0)
  })
  it('--recv-window above 60000 is a usage error', async () => {
    const r = await run(['sign', '--profile', 'binance', '--key', 'binance.json', '--recv-window', '60001', 'get.http'], { cwd })
    expect(r.code).toBe(2)
    expect(errorReport(r).code).toBe('ERR_USAGE')
  })
})

describe('--profile sigv4', () => {
  it("reproduces the AWS suite's post-vanilla Authorization byte for byte", async () => {
    const c = sigv4.suites['aws-c-auth-v4'].cases.find((x: { name: string }) => x.name === 'post-vanilla')
    work.write('aws.http', c.request)
    const signed = await run(['sign', '--profile', 'sigv4', '--key', 'aws.json', '--timestamp', String(Date.parse(c.context.timestamp) / 1000), 'aws.http'], { cwd })
    expect(signed.code).toBe(0)
    // The suite's request has no blank line after its fields; the fields are appended after the existing ones.
    expect(signed.stdout).toBe(`${c.request}X-Amz-Date: 20150830T123600Z\nAuthorization: ${/Authorization:(.*)/.exec(c.header.sreq)?.[1]}\n`)
    work.write('aws-signed.http', signed.stdout)
    const ok = await run(['verify', '--profile', 'sigv4', '--key', 'aws.json', '--now', String(Date.parse(c.context.timestamp) / 1000 + 60), 'aws-signed.http'], { cwd })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ profile: 'sigv4', keyid: 'AKIDEXAMPLE', alg: 'AWS4-HMAC-SHA256' })
    expect((await run(['verify', '--profile', 'sigv4', '--key', 'aws.json', 'aws-signed.http'], { cwd })).code).toBe(1)
  })
  it('--unsigned-payload adds X-Amz-Content-Sha256: UNSIGNED-PAYLOAD and signs it', async () => {
    const signed = await run(['sign', '--profile', 'sigv4', '--key', 'aws.json', '--unsigned-payload', 'post.http'], { cwd })
    expect(headerOf(signed.stdout, 'X-Amz-Content-Sha256')).toBe('UNSIGNED-PAYLOAD')
    expect(headerOf(signed.stdout, 'Authorization')).toContain('SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date,')
  })
})

describe('--profile cavage', () => {
  it('--headers chooses the covered names; Date and Digest are added; keyId is the key kid', async () => {
    const signed = await run(['sign', '--profile', 'cavage', '--key', 'cavage.pem', '--headers', '(request-target) host date digest', 'post.http'], { cwd })
    expect(signed.code).toBe(0)
    expect(headerOf(signed.stdout, 'Digest')).toBe(`SHA-256=${createHash('sha256').update('{"a": true}').digest('base64')}`)
    expect(headerOf(signed.stdout, 'Signature')).toMatch(/^keyId="[^"]+",algorithm="rsa-sha256",headers="\(request-target\) host date digest",signature="/)
    work.write('cavage.http', signed.stdout)
    expect((await run(['verify', '--profile', 'cavage', '--key', 'cavage-pub.pem', 'cavage.http'], { cwd })).code).toBe(0)
    work.write('cavage-auth.http', signed.stdout.replace('\r\nSignature: ', '\r\nAuthorization: Signature '))
    expect((await run(['verify', '--profile', 'cavage', '--key', 'cavage-pub.pem', 'cavage-auth.http'], { cwd })).code).toBe(0)
    work.write('cavage-bad.http', signed.stdout.replace('POST /hooks?x=1', 'POST /hooks?x=2'))
    expect((await run(['verify', '--profile', 'cavage', '--key', 'cavage-pub.pem', 'cavage-bad.http'], { cwd })).code).toBe(1)
  })
})

describe('usage', () => {
  it('an unknown profile, a second --key on RFC 9421 and a non-JSON key file exit 2', async () => {
    expect(errorReport(await run(['sign', '--profile', 'nope', '--key', 'sw.json', 'post.http'], { cwd })).code).toBe('ERR_USAGE')
    expect((await run(['verify', '--key', 'sw.json', '--key', 'sw.json', 'post.http'], { cwd })).code).toBe(2)
    const bad = await run(['sign', '--profile', 'stripe', '--key', 'post.http', 'post.http'], { cwd })
    expect(bad.code).toBe(2)
    expect(errorReport(bad).code).toBe('ERR_KEY_INVALID')
  })
})
