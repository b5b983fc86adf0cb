/**
 * `signet demo`: the walkthrough runs in-process against a real loopback server, every required
 * scenario is present with its expected answer, a planted wrong expectation turns into a
 * marked row and exit 1, and the pieces (table printer, override parser, clock, demo server)
 * behave on their own.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createDemoCommand, demoCommand } from '../src/commands/demo.ts'
import { createDemoClock } from '../src/demo/clock.ts'
import { applyExpectOverride, parseExpectOverride } from '../src/demo/expect-override.ts'
import { runDemo } from '../src/demo/run.ts'
import { DEFAULT_SCENARIOS, matches } from '../src/demo/scenarios.ts'
import type { Scenario } from '../src/demo/scenarios.ts'
import { startDemoServer } from '../src/demo/server.ts'
import { DIFFERS_MARK, describeAnswers, formatTable, shortCode } from '../src/demo/table.ts'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'
import { bundleCli } from './helpers.ts'

interface Captured {
  readonly io: CliIO
  stdout(): string
  stderr(): string
  /** Each `stdout` call, in order (progress is written as it happens). */
  readonly writes: string[]
}

function capture(env: Record<string, string> = {}, extra: Partial<CliIO> & { stdoutIsTTY?: boolean } = {}): Captured {
  const writes: string[] = []
  let err = ''
  const cwd = mkdtempSync(join(tmpdir(), 'signet-demo-'))
  const io = {
    stdin: async () => new Uint8Array(0),
    stdout: (text: string) => void writes.push(text),
    stderr: (text: string) => {
      err += text
    },
    env,
    cwd,
    ...extra,
  } as CliIO
  return { io, writes, stdout: () => writes.join(''), stderr: () => err }
}

/** The table's body rows: lines after the rule of dashes up to the first blank line. */
function tableRows(out: string): string[] {
  const lines = out.split('\n')
  const rule = lines.findIndex((l) => /^ {2}-+ {2}-+ {2}-+ {2}-+$/.test(l))
  expect(rule).toBeGreaterThan(0)
  const end = lines.indexOf('', rule)
  return lines.slice(rule + 1, end)
}

function rowFor(rows: readonly string[], scenario: Scenario): string {
  const row = rows.find((r) => r.slice(2).startsWith(`${scenario.request}  `))
  if (row === undefined) throw new Error(`no table row for ${scenario.id}`)
  return row
}

// The scenarios the walkthrough must show, with the answer each must expect (status and stable code).
const REQUIRED: Record<string, string> = {
  'hmac-get': '200',
  'ed25519-post': '200',
  'rsa-get': '200',
  tampered: '401 ERR_DIGEST_MISMATCH',
  replayed: '200 > 401 ERR_NONCE_REPLAYED',
  expired: '401 ERR_SIGNATURE_EXPIRED',
  'clock-skew': '401 ERR_SIGNATURE_TOO_OLD > 200',
  'wrong-ip': '403 ERR_IP_DENIED',
  'missing-scope': '403 ERR_SCOPE_DENIED',
  'rotation-old': '200',
  'rotation-new': '200',
  'rotation-old-after': '401 ERR_KEY_EXPIRED',
  revoked: '200 > 401 ERR_KEY_REVOKED',
  'rate-limit': '200 > 200 > 429 ERR_RATE_LIMITED',
  credits: '200 > 200 > 429 ERR_CREDITS_EXHAUSTED',
  leaked: '200 > 200 > 401 ERR_KEY_REVOKED',
}

describe('signet demo, the whole walkthrough', () => {
  it('exits 0 with every row as expected, progress first, then the table', async () => {
    const run = capture()
    const started = Date.now()
    const code = await demoCommand([], run.io)
    const out = run.stdout()
    expect(run.stderr()).toBe('')
    expect(code, out).toBe(0)
    expect(Date.now() - started).toBeLessThan(10_000)

    // One progress line per scenario, each written before the table.
    const tableAt = out.indexOf('  request ')
    expect(tableAt).toBeGreaterThan(0)
    for (const [i, s] of DEFAULT_SCENARIOS.entries()) {
      const progress = `[${String(i + 1).padStart(2)}/${DEFAULT_SCENARIOS.length}] ${s.request} ... ${describeAnswers(s.expect)}\n`
      const at = out.indexOf(progress)
      expect(at, progress).toBeGreaterThan(0)
      expect(at).toBeLessThan(tableAt)
    }
    // The start of each step is written before its requests run.
    expect(run.writes).toContain(`[ 1/${DEFAULT_SCENARIOS.length}] ${DEFAULT_SCENARIOS[0]?.request} ... `)

    const rows = tableRows(out)
    expect(rows).toHaveLength(DEFAULT_SCENARIOS.length)
    for (const s of DEFAULT_SCENARIOS) {
      const row = rowFor(rows, s)
      expect(row.startsWith('  '), row).toBe(true) // no differs mark
      const answer = describeAnswers(s.expect)
      // expected and got columns both show it
      expect(row.split(answer).length - 1, row).toBe(2)
    }
    expect(out).toMatch(/learned offset \+(59[89]|60[0-2]) s/)
    expect(out).toContain(`all ${DEFAULT_SCENARIOS.length} rows as expected`)
    // The registry shows the rotation and the revocation.
    expect(out).toMatch(/acme-web +rotated, overlap over/)
    expect(out).toMatch(/acme-backend +revoked/)
    // Four keys at start, the rotation's successor, and the limited, metered and leaked keys of issue 17.
    expect(out).toContain('audit log: 8 create, 1 rotate, 2 revoke')
    // No color when standard output is not a terminal; nothing written to the working directory.
    expect(out).not.toContain('\u001b[')
    expect(readdirSync(run.io.cwd)).toEqual([])
  }, 30_000)

  it('covers every required scenario with the right expectation', () => {
    for (const [id, want] of Object.entries(REQUIRED)) {
      const s = DEFAULT_SCENARIOS.find((x) => x.id === id)
      expect(s, id).toBeDefined()
      const got = (s as Scenario).expect.map((e) => (e.code === undefined ? String(e.status) : `${e.status} ${e.code}`)).join(' > ')
      expect(got, id).toBe(want)
    }
    const ids = DEFAULT_SCENARIOS.map((s) => s.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('exits 1 and marks the row when an expectation is wrong', async () => {
    const run = capture()
    const command = createDemoCommand({
      scenarios: (defaults) => defaults.map((s) => (s.id === 'hmac-get' ? { ...s, expect: [{ status: 403, code: 'ERR_SCOPE_DENIED' }] } : s)),
    })
    const code = await command([], run.io)
    const out = run.stdout()
    expect(code).toBe(1)
    const rows = tableRows(out)
    const wrong = DEFAULT_SCENARIOS.find((s) => s.id === 'hmac-get') as Scenario
    const marked = rows.filter((r) => r.startsWith(`${DIFFERS_MARK} `))
    expect(marked).toHaveLength(1)
    expect(marked[0]).toContain(wrong.request)
    expect(marked[0]).toMatch(/403 scope denied +200 /)
    expect(out).toContain(`${wrong.request} ... 200  ${DIFFERS_MARK} expected 403 scope denied`)
    expect(out).toContain(`1 of ${DEFAULT_SCENARIOS.length} rows differ`)
  }, 30_000)

  it('exits 1 when SIGNET_DEMO_EXPECT plants a wrong expectation, through main', async () => {
    const run = capture({ SIGNET_DEMO_EXPECT: 'replayed=200>200, missing-scope=403:ERR_IP_DENIED' })
    const code = await main(['demo'], run.io)
    expect(code).toBe(1)
    const marked = tableRows(run.stdout()).filter((r) => r.startsWith(DIFFERS_MARK))
    expect(marked).toHaveLength(2)
    // a refusal that differs shows the server's code and detail in the why column
    expect(marked.join('\n')).toContain('[ERR_SCOPE_DENIED: ')
    expect(run.stdout()).toContain(`2 of ${DEFAULT_SCENARIOS.length} rows differ`)
  }, 30_000)

  it('counts a scenario that throws or hangs as a row that differs, and still cleans up', async () => {
    const boom: Scenario = { id: 'boom', request: 'throws', expect: [{ status: 200 }], why: 'x', run: async () => { throw new Error('kaput') } }
    const hang: Scenario = { id: 'hang', request: 'hangs', expect: [{ status: 200 }], why: 'x', run: () => new Promise(() => {}) }
    const run = capture()
    const started = Date.now()
    const code = await runDemo(run.io, { scenarios: [boom, hang], scenarioTimeoutMs: 200 })
    expect(code).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
    const out = run.stdout()
    expect(out).toContain('throws ... error: kaput')
    expect(out).toContain('hangs ... error: hang took longer than 200 ms')
    expect(tableRows(out).every((r) => r.startsWith(DIFFERS_MARK))).toBe(true)
  }, 30_000)

  it('stops between scenarios when aborted', async () => {
    const controller = new AbortController()
    const first: Scenario = { id: 'a', request: 'first', expect: [{ status: 401, code: 'ERR_SIGNATURE_MISSING' }], why: 'x', run: async (c) => {
      controller.abort()
      const r = await fetch(`${c.origin}/orders`)
      return { answers: [{ status: r.status, code: ((await r.json()) as { code: string }).code }] }
    } }
    const second: Scenario = { ...first, id: 'b', request: 'second', run: async () => { throw new Error('should not run') } }
    const run = capture({}, { signal: controller.signal })
    const code = await runDemo(run.io, { scenarios: [first, second] })
    expect(code).toBe(1)
    expect(run.stdout()).not.toContain('second ...')
    expect(run.stdout()).toContain('1 not run (interrupted)')
  }, 30_000)

  it('uses color only on a terminal with NO_COLOR unset', async () => {
    const only = (d: readonly Scenario[]): Scenario[] => d.filter((s) => s.id === 'unsigned')
    const tty = capture({}, { stdoutIsTTY: true })
    expect(await createDemoCommand({ scenarios: only })([], tty.io)).toBe(0)
    expect(tty.stdout()).toContain('\u001b[')
    const noColor = capture({ NO_COLOR: '1' }, { stdoutIsTTY: true })
    expect(await createDemoCommand({ scenarios: only })([], noColor.io)).toBe(0)
    expect(noColor.stdout()).not.toContain('\u001b[')
    const flag = capture({}, { stdoutIsTTY: true })
    expect(await createDemoCommand({ scenarios: only })(['--no-color'], flag.io)).toBe(0)
    expect(flag.stdout()).not.toContain('\u001b[')
  }, 30_000)

  it('answers --help, and refuses unknown options and arguments with exit 2', async () => {
    const help = capture()
    expect(await main(['demo', '--help'], help.io)).toBe(0)
    expect(help.stdout()).toContain('Usage: signet demo')
    for (const argv of [['demo', '--fast'], ['demo', 'extra']]) {
      const bad = capture()
      expect(await main(argv, bad.io)).toBe(2)
      expect(JSON.parse(bad.stderr()).code).toBe('ERR_USAGE')
      expect(bad.stdout()).toBe('')
    }
  })

  it('refuses a malformed SIGNET_DEMO_EXPECT with exit 2 before starting anything', async () => {
    for (const value of ['nonsense', 'hmac-get=', 'hmac-get=20', 'hmac-get=200:nope', '=200', 'no-such-row=200', 'hmac-get=200>>401']) {
      const run = capture({ SIGNET_DEMO_EXPECT: value })
      expect(await main(['demo'], run.io), value).toBe(2)
      expect(JSON.parse(run.stderr()).code, value).toBe('ERR_USAGE')
      expect(run.stdout(), value).toBe('')
    }
  })
})

describe('demo pieces', () => {
  it('formats aligned columns and marks rows that differ', () => {
    const text = formatTable(
      ['request', 'expected', 'got', 'why'],
      [
        { cells: ['GET /a', '200', '200', 'fine'], matched: true },
        { cells: ['POST /longer', '401 replayed', '200', 'not fine'], matched: false },
      ],
      { color: false, emphasize: 2 },
    )
    const lines = text.split('\n').filter((l) => l !== '')
    expect(lines).toHaveLength(4)
    // every column starts at the same offset on every line
    const starts = (line: string, cells: string[]): number[] => {
      let from = 0
      return cells.map((c) => {
        const at = line.indexOf(c, from)
        from = at + c.length
        return at
      })
    }
    const header = starts(lines[0] as string, ['request', 'expected', 'got', 'why'])
    expect(starts(lines[2] as string, ['GET /a', '200', '200', 'fine'])).toEqual(header)
    expect(starts(lines[3] as string, ['POST /longer', '401 replayed', '200', 'not fine'])).toEqual(header)
    expect(lines[2]?.startsWith('  ')).toBe(true)
    expect(lines[3]?.startsWith(`${DIFFERS_MARK} `)).toBe(true)
    expect(lines.every((l) => l === l.trimEnd())).toBe(true)
    expect(() => formatTable(['a', 'b'], [{ cells: ['x'], matched: true }], { color: false })).toThrow(TypeError)
  })

  it('names codes and answers briefly', () => {
    expect(shortCode('ERR_NONCE_REPLAYED')).toBe('replayed')
    expect(shortCode('ERR_KEY_REVOKED')).toBe('key revoked')
    expect(describeAnswers([{ status: 401, code: 'ERR_SIGNATURE_TOO_OLD' }, { status: 200 }])).toBe('401 too old → 200')
    expect(describeAnswers([])).toBe('-')
  })

  it('matches answers against expectations exactly', () => {
    expect(matches([{ status: 200 }], [{ status: 200 }])).toBe(true)
    expect(matches([{ status: 401, code: 'ERR_KEY_REVOKED' }], [{ status: 401, code: 'ERR_KEY_EXPIRED' }])).toBe(false)
    expect(matches([{ status: 401 }], [{ status: 401, code: 'ERR_KEY_EXPIRED' }])).toBe(true)
    expect(matches([{ status: 200 }, { status: 401 }], [{ status: 200 }])).toBe(false)
    expect(matches([], [])).toBe(true)
  })

  it('parses and applies expectation overrides', () => {
    expect(parseExpectOverride('a=200, b=200>401:ERR_NONCE_REPLAYED')).toEqual(
      new Map([
        ['a', [{ status: 200 }]],
        ['b', [{ status: 200 }, { status: 401, code: 'ERR_NONCE_REPLAYED' }]],
      ]),
    )
    expect(applyExpectOverride(DEFAULT_SCENARIOS, undefined)).toBe(DEFAULT_SCENARIOS)
    expect(applyExpectOverride(DEFAULT_SCENARIOS, ' ')).toBe(DEFAULT_SCENARIOS)
    const changed = applyExpectOverride(DEFAULT_SCENARIOS, 'rsa-get=500')
    expect(changed.find((s) => s.id === 'rsa-get')?.expect).toEqual([{ status: 500 }])
    expect(changed.find((s) => s.id === 'hmac-get')).toBe(DEFAULT_SCENARIOS.find((s) => s.id === 'hmac-get'))
  })

  it('moves the demo clock forward only', () => {
    let real = 1_000_000
    const clock = createDemoClock(() => real)
    clock.advance(90)
    real += 500
    expect(clock.nowMs()).toBe(1_090_500)
    expect(clock.nowWholeSeconds()).toBe(1090)
    expect(clock.skippedSeconds).toBe(90)
    for (const bad of [-1, Number.NaN, Infinity]) expect(() => clock.advance(bad)).toThrow(RangeError)
  })

  it('answers a refusal with problem+json dated by the demo clock', async () => {
    const clock = createDemoClock()
    clock.advance(7200)
    const server = await startDemoServer({ keys: { resolve: () => undefined }, clock })
    try {
      expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const response = await fetch(`${server.origin}/orders`, { signal: AbortSignal.timeout(5000) })
      expect(response.status).toBe(401)
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(((await response.json()) as { code: string }).code).toBe('ERR_SIGNATURE_MISSING')
      const date = Date.parse(response.headers.get('date') ?? '')
      expect(Math.abs(date - clock.nowMs())).toBeLessThan(5000)
      expect(date - Date.now()).toBeGreaterThan(7000 * 1000)
    } finally {
      await server.close()
    }
  })
})

describe('signet demo as a process', () => {
  // Bundled from the sources (bundleCli), so this does not depend on `pnpm build`.
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  const bin = `${root}.tmp/demo-test/bin.mjs`

  it('ends with the table and exits 0, and exits 1 on a planted wrong expectation, leaving nothing running', async () => {
    await bundleCli(bin)
    const cwd = mkdtempSync(join(tmpdir(), 'signet-demo-bin-'))
    const env = { ...process.env, NO_COLOR: '' }
    delete env['SIGNET_DEMO_EXPECT']
    const ok = spawnSync(process.execPath, [bin, 'demo'], { cwd, env, timeout: 30_000, encoding: 'utf8' })
    expect(ok.error).toBeUndefined() // a process that does not exit would time out here
    expect(ok.stderr).toBe('')
    expect(ok.status, ok.stdout).toBe(0)
    expect(tableRows(ok.stdout)).toHaveLength(DEFAULT_SCENARIOS.length)
    expect(ok.stdout.trimEnd().split('\n').at(-1)).toMatch(/^all \d+ rows as expected/)
    expect(readdirSync(cwd)).toEqual([])

    const bad = spawnSync(process.execPath, [bin, 'demo'], { cwd, env: { ...env, SIGNET_DEMO_EXPECT: 'tampered=200' }, timeout: 30_000, encoding: 'utf8' })
    expect(bad.error).toBeUndefined()
    expect(bad.status).toBe(1)
    expect(bad.stdout).toContain(`1 of ${DEFAULT_SCENARIOS.length} rows differ`)
  }, 90_000)
})
