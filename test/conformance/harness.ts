/**
 * A tiny test harness that runs the same conformance cases everywhere.
 *
 * vitest, Deno, Bun, workerd and Chromium do not share a test framework, so the conformance
 * suite is a plain list of named async cases; vitest registers each as a test, the runtime
 * launchers run them with {@link runCases} and report `N passed, N failed`. The assertions
 * below need nothing but the language: no `node:assert`, which browsers lack.
 *
 * @module
 */

/** One named conformance case. It passes when `run` settles without throwing. */
export interface ConformanceCase {
  readonly name: string
  readonly run: () => Promise<void>
}

/** One failed case, with the reason. */
export interface CaseFailure {
  readonly name: string
  readonly message: string
}

/** What a run of the cases found. */
export interface RunReport {
  readonly passed: number
  readonly failed: number
  readonly failures: readonly CaseFailure[]
}

/** Thrown by the assertions below. */
export class AssertionFailed extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AssertionFailed'
  }
}

const show = (value: unknown): string => {
  let text: string
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value)
  } catch {
    text = String(value)
  }
  return text.length > 400 ? `${text.slice(0, 400)}...` : text
}

/** Fails unless `condition` holds. */
export function ok(condition: unknown, what: string): asserts condition {
  if (!condition) throw new AssertionFailed(what)
}

/** Fails unless `actual === expected` (strings, numbers, booleans). */
export function equal<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) {
    throw new AssertionFailed(`${what}: expected ${show(expected)}, got ${show(actual)}`)
  }
}

/** The `code` of a coded error (one thrown by any copy of the library), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { name, code } = error as { name?: unknown; code?: unknown }
  return name === 'SignetError' && typeof code === 'string' ? code : undefined
}

const describeError = (error: unknown): string => {
  if (error instanceof Error) {
    const code = errorCode(error)
    return `${error.name}${code === undefined ? '' : ` ${code}`}: ${error.message}`
  }
  return show(error)
}

/**
 * Fails unless `action` throws or rejects with a coded error whose code is one of `codes`.
 *
 * @returns the error, for further checks.
 */
export async function rejectsWith(
  action: () => unknown,
  codes: string | readonly string[],
  what: string,
): Promise<unknown> {
  const wanted = typeof codes === 'string' ? [codes] : codes
  try {
    await action()
  } catch (error) {
    const code = errorCode(error)
    if (code !== undefined && wanted.includes(code)) return error
    throw new AssertionFailed(`${what}: expected a SignetError ${wanted.join(' or ')}, got ${describeError(error)}`)
  }
  throw new AssertionFailed(`${what}: expected a SignetError ${wanted.join(' or ')}, but it succeeded`)
}

/** Fails unless two byte arrays are equal. */
export function equalBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  let same = actual.length === expected.length
  for (let i = 0; same && i < actual.length; i++) same = actual[i] === expected[i]
  if (!same) throw new AssertionFailed(`${what}: bytes differ (${actual.length} vs ${expected.length} bytes)`)
}

const withTimeout = async (promise: Promise<void>, ms: number, name: string): Promise<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AssertionFailed(`${name}: timed out after ${ms} ms`)), ms)
  })
  try {
    await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Options for {@link runCases}. */
export interface RunOptions {
  /** Per-case time limit; a case that takes longer fails (a hang is a failure, not a stall). */
  readonly timeoutMs?: number
  /** Called after each case, e.g. to print progress. */
  readonly onResult?: (name: string, failure: CaseFailure | undefined) => void
}

/**
 * Runs the cases one after another and counts them.
 *
 * @example
 * ```ts
 * const report = await runCases(cases)
 * console.log(`${report.passed} passed, ${report.failed} failed`)
 * ```
 */
export async function runCases(cases: readonly ConformanceCase[], options: RunOptions = {}): Promise<RunReport> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const failures: CaseFailure[] = []
  let passed = 0
  for (const c of cases) {
    let failure: CaseFailure | undefined
    try {
      await withTimeout(Promise.resolve().then(c.run), timeoutMs, c.name)
      passed++
    } catch (error) {
      failure = { name: c.name, message: describeError(error) }
      failures.push(failure)
    }
    options.onResult?.(c.name, failure)
  }
  return { passed, failed: failures.length, failures }
}
