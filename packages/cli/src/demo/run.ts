/**
 * The walkthrough itself: set up the embedded default, run every scenario while printing one
 * progress line per step, then print the table and decide the exit code.
 *
 * The embedded default is entirely in this process: a registry in memory under a random master
 * key, an in-memory nonce store, a verifying server on 127.0.0.1 on an ephemeral port. Nothing
 * is written to disk and nothing leaves loopback. Everything is released before returning, even
 * when a scenario throws or `io.signal` is aborted.
 *
 * @module
 */
import { createSigner } from '@signet/client'
import { MemoryStore, generateMasterKey, openRegistry } from '@signet/registry'
import type { Registry } from '@signet/registry'
import type { CliIO } from '../io.ts'
import { createDemoClock } from './clock.ts'
import type { DemoClock } from './clock.ts'
import { EXPECT_ENV, applyExpectOverride } from './expect-override.ts'
import { issueDemoKeys } from './keys.ts'
import type { DemoKey } from './keys.ts'
import { DEFAULT_SCENARIOS, matches } from './scenarios.ts'
import type { DemoContext, Observation, Scenario, ScenarioOutcome } from './scenarios.ts'
import { DEMO_ROUTES, startDemoServer } from './server.ts'
import { DIFFERS_MARK, describeAnswers, formatTable } from './table.ts'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /**
   * The walkthrough: a list, or a function of the default list (tests use it to plant a wrong
   * expectation). Default {@link DEFAULT_SCENARIOS}.
   */
  readonly scenarios?: readonly Scenario[] | ((defaults: readonly Scenario[]) => readonly Scenario[]) | undefined
  /** Force color on or off. Default: on only for a terminal with `NO_COLOR` unset. */
  readonly color?: boolean | undefined
  /** The shared clock. Default: the system clock, moved forward by the scenarios. */
  readonly clock?: DemoClock | undefined
  /** Longest a scenario may take, ms. Default 10 000. */
  readonly scenarioTimeoutMs?: number | undefined
}

/** One row's result. */
export interface DemoRow {
  readonly scenario: Scenario
  readonly answers: readonly Observation[]
  readonly note: string | undefined
  readonly error: string | undefined
  readonly matched: boolean
}

function wantsColor(io: CliIO, forced: boolean | undefined): boolean {
  if (forced !== undefined) return forced
  const noColor = io.env['NO_COLOR']
  // https://no-color.org: any non-empty value turns color off.
  if (noColor !== undefined && noColor !== '') return false
  return io.stdoutIsTTY === true
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

function describeKey(key: DemoKey, how: string): string {
  const limits = key.allowIps.length > 0 ? `, from ${key.allowIps.join(' ')} only` : ''
  return `${key.alg.padEnd(14)} ${key.keyid}  ${key.owner}: ${key.scopes.join(' ')}${limits} (${how})`
}

async function registrySummary(registry: Registry): Promise<string[]> {
  await registry.flushUsage()
  const lines: string[] = []
  for (const key of await registry.list()) {
    const usage = await registry.usage(key.keyid)
    const state = key.state !== 'active'
      ? key.state
      : key.replacedBy !== null
        ? (key.expired ? `rotated, overlap over` : 'rotated, in overlap')
        : key.expired ? 'expired' : 'active'
    const refused = Object.values(usage.rejections).reduce((sum, n) => sum + n, 0)
    lines.push(`  ${key.keyid}  ${key.owner.padEnd(12)}  ${state.padEnd(21)}  ${usage.requests} verified, ${refused} refused`)
  }
  const actions = new Map<string, number>()
  for (const entry of await registry.audit()) actions.set(entry.action, (actions.get(entry.action) ?? 0) + 1)
  lines.push(`  audit log: ${[...actions].map(([a, n]) => `${n} ${a}`).join(', ')}`)
  return lines
}

/**
 * Issue the keys, start the server, run the scenarios in order (one progress line each), and
 * stop the server.
 *
 * @returns one row per scenario run (fewer when `io.signal` was aborted)
 */
async function walkthrough(
  io: CliIO,
  registry: Registry,
  clock: DemoClock,
  scenarios: readonly Scenario[],
  timeoutMs: number,
): Promise<DemoRow[]> {
  const say = (line: string): void => io.stdout(`${line}\n`)
  const rows: DemoRow[] = []
  let closeServer: (() => Promise<void>) | undefined
  try {
    say('registry   in memory, random master key; issuing keys:')
    const keys = await issueDemoKeys(registry)
    say(`  ${describeKey(keys.hmac, 'secret made by the registry')}`)
    say(`  ${describeKey(keys.ed25519, 'pair made by the caller, public key registered')}`)
    say(`  ${describeKey(keys.rsa, 'pair made by the registry')}`)
    say(`  ${describeKey(keys.office, 'secret made by the registry')}`)

    const server = await startDemoServer({
      keys: registry.resolver(),
      clock,
      onVerified: (event) => registry.recordUsage(event),
      onRejected: (event) => registry.recordUsage(event),
      admit: registry.admission(),
    })
    closeServer = server.close
    say(`server     ${server.origin}, keys from the registry, memory nonce store; routes:`)
    say(`  ${DEMO_ROUTES.map((r) => `${r.method} ${r.path} [${r.scopes.join(' ')}]`).join('   ')}`)
    say('')

    const context: DemoContext = {
      origin: server.origin,
      clock,
      registry,
      keys,
      issued: new Map(),
      signer: (key, extra = {}) => {
        const { clockErrorSeconds = 0, ...signerOptions } = extra
        return createSigner({ key: key.signingKey, keyId: key.keyid, now: () => clock.nowSeconds() + clockErrorSeconds, ...signerOptions })
      },
    }
    const digits = String(scenarios.length).length
    for (const [index, scenario] of scenarios.entries()) {
      if (io.signal?.aborted === true) break
      io.stdout(`[${String(index + 1).padStart(digits)}/${scenarios.length}] ${scenario.request} ... `)
      let outcome: ScenarioOutcome = { answers: [] }
      let error: string | undefined
      try {
        outcome = await withTimeout(scenario.run(context), timeoutMs, scenario.id)
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause)
      }
      const matched = error === undefined && matches(scenario.expect, outcome.answers)
      rows.push({ scenario, answers: outcome.answers, note: outcome.note, error, matched })
      const got = error === undefined ? describeAnswers(outcome.answers) : `error: ${error}`
      say(matched ? got : `${got}  ${DIFFERS_MARK} expected ${describeAnswers(scenario.expect)}`)
    }
  } finally {
    await closeServer?.()
  }
  return rows
}

/**
 * Run the walkthrough and print it.
 *
 * @param io - where to print; `io.signal` stops the run between scenarios
 * @param options - scenario list, color, clock
 * @returns 0 when every row matched its expectation, 1 when any differed
 * @throws {SignetError} `ERR_USAGE` for a malformed `SIGNET_DEMO_EXPECT`; setup failures
 *   (the socket cannot be opened) propagate after everything opened is released
 * @example
 * ```ts
 * const code = await runDemo(io)
 * ```
 */
export async function runDemo(io: CliIO, options: DemoOptions = {}): Promise<number> {
  const base = options.scenarios === undefined
    ? DEFAULT_SCENARIOS
    : typeof options.scenarios === 'function' ? options.scenarios(DEFAULT_SCENARIOS) : options.scenarios
  const scenarios = applyExpectOverride(base, io.env[EXPECT_ENV])
  const color = wantsColor(io, options.color)
  const timeoutMs = options.scenarioTimeoutMs ?? 10_000
  const clock = options.clock ?? createDemoClock()
  const started = Date.now()
  const say = (line: string): void => io.stdout(`${line}\n`)

  say('Signet demo: RFC 9421 signed requests against a verifying API, on loopback only.')
  say('')
  const registry = await openRegistry({
    store: new MemoryStore(),
    masterKey: generateMasterKey(),
    now: () => clock.nowWholeSeconds(),
    actor: 'signet demo',
  })
  const rows: DemoRow[] = []
  let summary: string[] = []
  try {
    rows.push(...(await walkthrough(io, registry, clock, scenarios, timeoutMs)))
    summary = await registrySummary(registry).catch(() => [])
  } finally {
    await registry.close()
  }

  say('')
  const table = rows.map((row) => {
    const got = row.error === undefined ? describeAnswers(row.answers) : 'error'
    let why = row.scenario.why
    if (row.note !== undefined) why += ` (${row.note})`
    if (!row.matched) {
      const refusal = row.answers.find((a) => a.code !== undefined)
      const detail = row.error ?? (refusal === undefined ? undefined : `${refusal.code as string}: ${refusal.detail ?? ''}`)
      if (detail !== undefined) why += ` [${detail}]`
    }
    return { cells: [row.scenario.request, describeAnswers(row.scenario.expect), got, why], matched: row.matched }
  })
  io.stdout(formatTable(['request', 'expected', 'got', 'why'], table, { color, emphasize: 2 }))
  say('')
  if (summary.length > 0) {
    say('registry after the run:')
    for (const line of summary) say(line)
    say('')
  }
  const differing = rows.filter((r) => !r.matched).length
  const skipped = scenarios.length - rows.length
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (differing === 0 && skipped === 0) {
    say(`all ${rows.length} rows as expected (${seconds} s; ${Math.round(clock.skippedSeconds)} s of demo time skipped).`)
    return 0
  }
  const parts: string[] = []
  if (differing > 0) parts.push(`${differing} of ${rows.length} rows differ from their expectation (marked ${DIFFERS_MARK})`)
  if (skipped > 0) parts.push(`${skipped} not run (interrupted)`)
  say(`${parts.join('; ')}.`)
  return 1
}
