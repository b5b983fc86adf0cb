/**
 * The `signet` executable as a process: bundled from the sources with esbuild (so this test
 * does not depend on `pnpm build`), then run with `node`, checking real stdin/stdout bytes and
 * exit codes.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, scratch, vectorJwk } from './helpers.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const outDir = `${root}.tmp/cli-test`
const bin = `${outDir}/bin.mjs`
const work = scratch()

beforeAll(async () => {
  await bundleCli(bin)
  work.write('ed.jwk', JSON.stringify(vectorJwk('test-key-ed25519')))
}, 60_000)

function signet(args: string[], input?: Uint8Array | string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work.dir, input: input ?? '', timeout: 20_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') }
}

describe('signet executable', () => {
  it('keygen prints a JWK and exits 0', () => {
    const r = signet(['keygen', '--alg', 'ecdsa-p256-sha256'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout.toString('utf8'))).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
  })

  it('sign from stdin keeps a binary body byte for byte; verify accepts it; tampering exits 1', () => {
    const head = Buffer.from('POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n\r\n')
    const message = Buffer.concat([head, Buffer.from([0xde, 0xad, 0xbe, 0xef])])
    const signed = signet(['sign', '--key', 'ed.jwk', '-'], message)
    expect(signed.stderr).toBe('')
    expect(signed.code).toBe(0)
    expect(signed.stdout.subarray(0, head.length - 2)).toEqual(head.subarray(0, head.length - 2))
    expect(signed.stdout.subarray(-6)).toEqual(Buffer.from([0x0d, 0x0a, 0xde, 0xad, 0xbe, 0xef]))
    const ok = signet(['verify', '--key', 'ed.jwk'], signed.stdout)
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout.toString('utf8'))).toMatchObject({ label: 'sig1', keyid: 'test-key-ed25519', alg: 'ed25519' })
    const tampered = Buffer.from(signed.stdout)
    tampered[tampered.length - 1] = 0x00
    const bad = signet(['verify', '--key', 'ed.jwk', '-'], tampered)
    expect(bad.code).toBe(1)
    expect(bad.stdout.length).toBe(0)
    expect(JSON.parse(bad.stderr)).toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
  })

  it('usage and file errors exit 2 with a JSON report', () => {
    for (const args of [['sign', '--nope'], ['verify', '--key', 'missing.jwk', 'x.http'], []]) {
      const r = signet(args)
      expect(r.code, args.join(' ')).toBe(2)
      // `signet` alone also prints the general usage on standard output (CLI.md "Every command").
      if (args.length === 0) expect(r.stdout.toString('utf8')).toContain('Usage: signet')
      else expect(r.stdout.length).toBe(0)
      const report = JSON.parse(r.stderr) as { code: string; message: string }
      expect(report.code).toMatch(/^ERR_(USAGE|IO)$/)
      expect(typeof report.message).toBe('string')
    }
  })
})
