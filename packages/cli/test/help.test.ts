/**
 * `signet <command> --help` for the commands that parse their own options (keys, serve, demo):
 * usage on standard output and exit 0, never ERR_USAGE, never work done. packages/cli/README.md
 * promises `signet <command> --help`.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run, scratch } from './helpers.ts'

describe('--help of keys, serve and demo', () => {
  const subcommands = ['create', 'list', 'show', 'rotate', 'disable', 'enable', 'revoke', 'usage', 'audit', 'rewrap']

  it('signet keys --help, -h, help and each subcommand with --help print the keys usage, exit 0, touch nothing', async () => {
    const { dir } = scratch()
    const argvs = [
      ['keys', '--help'], ['keys', '-h'], ['keys', 'help'],
      ...subcommands.map((sub) => ['keys', sub, '--help']),
      // Even beside otherwise incomplete or wrong arguments, and with a registry named: help wins.
      ['keys', 'create', '--registry', 'keys.signet', '--owner', 'o', '--alg', 'hmac-sha256', '--help'],
      ['keys', 'rotate', 'keys.signet', 'not-a-key-id', '-h'],
      ['keys', 'list', '--bogus', '--help'],
    ]
    for (const argv of argvs) {
      const r = await run(argv, { cwd: dir })
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).toContain('Usage: signet keys SUBCOMMAND REGISTRY')
      for (const sub of subcommands) expect(r.stdout).toContain(sub)
      expect(r.stdout).toContain('--new-master-key-file')
    }
    // No registry was created by asking for help.
    expect(existsSync(join(dir, 'keys.signet'))).toBe(false)
    expect(readdirSync(dir)).toEqual([])
  })

  it('signet serve --help and -h print the serve usage and exit 0 without listening', async () => {
    const { dir } = scratch()
    for (const argv of [['serve', '--help'], ['serve', '-h'], ['serve', '--jwks', 'missing.json', '--help'], ['serve', '--port', 'nope', '--help']]) {
      const r = await run(argv, { cwd: dir })
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout.startsWith('Usage: signet serve')).toBe(true) // nothing else, no "listening on http://..."
      expect(r.stdout).toContain('--nonce-store')
    }
  })

  it('signet demo --help and -h print the demo usage and exit 0 without running it', async () => {
    const { dir } = scratch()
    for (const argv of [['demo', '--help'], ['demo', '-h'], ['demo', '--no-color', '--help'], ['demo', 'extra', '-h']]) {
      const r = await run(argv, { cwd: dir })
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).toContain('Usage: signet demo')
    }
  })

  it('after `--`, --help is an argument, not a request for help', async () => {
    const { dir } = scratch()
    const keys = await run(['keys', '--', '--help'], { cwd: dir })
    expect(keys.code).toBe(2)
    expect(JSON.parse(keys.stderr).code).toBe('ERR_USAGE')
    expect(keys.stdout).toBe('')
    const serve = await run(['serve', '--', '--help'], { cwd: dir })
    expect(serve.code).toBe(2)
    expect(JSON.parse(serve.stderr).code).toBe('ERR_USAGE')
    const demo = await run(['demo', '--', '-h'], { cwd: dir })
    expect(demo.code).toBe(2)
    expect(JSON.parse(demo.stderr).code).toBe('ERR_USAGE')
  })

  it('signet --help points at the per-command help', async () => {
    const { dir } = scratch()
    const r = await run(['--help'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('signet keys --help')
    expect(r.stdout).toContain('signet serve --help')
  })
})
