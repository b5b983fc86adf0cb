/**
 * `SIGNET_DEMO_EXPECT`: replace the expected answers of named scenarios, so the demo's own
 * failure path (a row that differs, exit 1) can be exercised on the built binary. It changes
 * only what the demo expects, never what the server does.
 *
 * Syntax: comma-separated `ID=ANSWER[>ANSWER...]`, each answer `STATUS` or `STATUS:CODE`,
 * e.g. `hmac-get=403,replayed=200>401:ERR_NONCE_REPLAYED`.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import type { SignetErrorCode } from '@signet/core'
import type { Expectation, Scenario } from './scenarios.ts'

/** The environment variable read by {@link applyExpectOverride}. */
export const EXPECT_ENV = 'SIGNET_DEMO_EXPECT'

const ANSWER = /^([1-5][0-9][0-9])(?::(ERR_[A-Z0-9_]+))?$/

/**
 * Parse an override text.
 *
 * @param text - the value of `SIGNET_DEMO_EXPECT`
 * @returns the expected answers by scenario id
 * @throws {SignetError} `ERR_USAGE` for malformed text
 * @example parseExpectOverride('hmac-get=403') // Map { 'hmac-get' => [{ status: 403 }] }
 */
export function parseExpectOverride(text: string): Map<string, Expectation[]> {
  const out = new Map<string, Expectation[]>()
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const eq = entry.indexOf('=')
    const id = eq === -1 ? '' : entry.slice(0, eq).trim()
    const answers = eq === -1 ? [] : entry.slice(eq + 1).split('>').map((a) => a.trim())
    const parsed = answers.map((a) => ANSWER.exec(a))
    if (id === '' || parsed.length === 0 || parsed.some((m) => m === null)) {
      throw new SignetError('ERR_USAGE', `demo: ${EXPECT_ENV} entry ${JSON.stringify(entry)} is not ID=STATUS[:CODE][>STATUS[:CODE]...]`)
    }
    out.set(id, parsed.map((m) => {
      const [, status, code] = m as RegExpExecArray
      return code === undefined ? { status: Number(status) } : { status: Number(status), code: code as SignetErrorCode }
    }))
  }
  return out
}

/**
 * Apply an override to a scenario list.
 *
 * @param scenarios - the walkthrough
 * @param text - the value of `SIGNET_DEMO_EXPECT` (undefined or empty: no change)
 * @returns the scenarios with the named expectations replaced
 * @throws {SignetError} `ERR_USAGE` for malformed text or an id that names no scenario
 */
export function applyExpectOverride(scenarios: readonly Scenario[], text: string | undefined): readonly Scenario[] {
  if (text === undefined || text.trim() === '') return scenarios
  const override = parseExpectOverride(text)
  for (const id of override.keys()) {
    if (!scenarios.some((s) => s.id === id)) {
      throw new SignetError('ERR_USAGE', `demo: ${EXPECT_ENV} names no scenario ${JSON.stringify(id)}; known: ${scenarios.map((s) => s.id).join(', ')}`)
    }
  }
  return scenarios.map((s) => {
    const expect = override.get(s.id)
    return expect === undefined ? s : { ...s, expect }
  })
}
