/**
 * The seam between a `signet` command and the process that runs it.
 *
 * Commands never touch `process` directly: they receive a {@link CliIO} and return an exit
 * code, so the whole command line runs in-process under test and `bin.ts` is a few lines of
 * wiring. Files named on the command line are read relative to `io.cwd`; `-` means standard
 * input (CLI.md "Options may come in any order before the message file; `-` or no file reads
 * standard input").
 *
 * Exit codes are part of the contract (CLI.md "Exit codes"): 0 success, 1 verification failed,
 * 2 usage error, unreadable file, malformed message text or unusable key. A command marks the
 * errors that mean "the signature does not hold" with {@link verificationFailure}; every other
 * failure is an input problem.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { SignetError, isSignetError } from '@signet/core'

/** What a command may use of its surroundings (CONTRACTS.md "CLI command modules"). */
export interface CliIO {
  /** The whole standard input. */
  readonly stdin: () => Promise<Uint8Array>
  /** Raw text to standard output; the caller adds newlines. */
  readonly stdout: (text: string) => void
  /** Raw text to standard error; the caller adds newlines. */
  readonly stderr: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  /** The directory relative file names are resolved against. */
  readonly cwd: string
  /** Long-running commands stop when this is aborted. */
  readonly signal?: AbortSignal
  /**
   * Raw bytes to standard output. Optional addition to the contract: `signet sign` echoes the
   * input message byte for byte, and a body that is not UTF-8 cannot survive a trip through a
   * string. Without it, such output is written through `stdout` as UTF-8 text.
   */
  readonly stdoutBytes?: (bytes: Uint8Array) => void
  /** Whether standard output is a terminal (tables and color are used only then). */
  readonly stdoutIsTTY?: boolean | undefined
  /**
   * Text to standard output that must not be lost: resolves once the system took it, rejects
   * with the write error (a closed pipe included) instead of ending the process. `keys create`
   * prints its one-time secret this way, so a failed write can revoke the key whose secret no
   * one saw. Without it, {@link CliIO.stdout} is used and the write is taken as done.
   */
  readonly stdoutConfirmed?: (text: string) => Promise<void>
}

/** A command: receives the arguments after its name and returns the exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>

/** Exit status: the verification failed (CLI.md "Exit codes"). */
export const EXIT_VERIFICATION_FAILED = 1
/** Exit status: usage error, unreadable file, malformed message or unusable key. */
export const EXIT_USAGE = 2

const failures = new WeakSet<object>()

/**
 * Mark an error as a verification failure (exit 1) rather than an input problem (exit 2).
 *
 * @param error - the error raised while checking a signature
 * @returns the same error, for `throw verificationFailure(err)`
 * @example
 * ```ts
 * try { await verifyMessage(message, options) } catch (err) { throw verificationFailure(err) }
 * ```
 */
export function verificationFailure<T>(error: T): T {
  if (typeof error === 'object' && error !== null) failures.add(error)
  return error
}

/**
 * The exit code and the `{ code, message }` report for an error that ended a command.
 *
 * Signet errors keep their code. A `TypeError` or `RangeError` is core's way of saying an option
 * value is out of range, which on the command line is a usage error. Anything else is reported
 * under `ERR_USAGE` too, with its message, so the JSON contract on standard error always holds.
 *
 * @param error - whatever the command threw
 * @returns the exit code (1 or 2) and the JSON-ready report
 */
export function describeFailure(error: unknown): { exitCode: number; report: { code: string; message: string } } {
  const exitCode =
    typeof error === 'object' && error !== null && failures.has(error) ? EXIT_VERIFICATION_FAILED : EXIT_USAGE
  if (isSignetError(error)) return { exitCode, report: { code: error.code, message: redactSecrets(error.message) } }
  const message = error instanceof Error ? error.message : String(error)
  return { exitCode, report: { code: 'ERR_USAGE', message: redactSecrets(message) } }
}

/** What {@link redactSecrets} looks for, each with its replacement. */
const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // A registry secret (sgn_sk_ and 49 base62 characters), or anything that starts like one.
  [/sgn_sk_[A-Za-z0-9]*/g, 'sgn_sk_[redacted]'],
  // The user information of a URL (RFC 3986 section 3.2.1): `redis://user:password@host`.
  [/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/@"'?#]*@/g, '$1[redacted]@'],
  // The private members of a JWK quoted in a message (RFC 7517/7518: `k`, `d`, `p`, `q`, ...).
  [/("(?:k|d|p|q|dp|dq|qi)"\s*:\s*")[^"]*"/g, '$1[redacted]"'],
]

/**
 * Remove secrets from a message before it is shown: a registry secret, the password (and user)
 * in a URL, a JWK's private members. CLI.md: no error message ever repeats a secret. The
 * modules that raise errors avoid quoting secrets in the first place; this is the last guard,
 * for a message that quotes what the user typed.
 *
 * @param message - an error message
 * @returns the message with each secret replaced by `[redacted]`
 * @example redactSecrets('cannot reach rediss://me:hunter2@db:6380') // 'cannot reach rediss://[redacted]@db:6380'
 */
export function redactSecrets(message: string): string {
  let text = message
  for (const [pattern, replacement] of SECRET_PATTERNS) text = text.replace(pattern, replacement)
  return text
}

/**
 * Write text that must not be lost (see {@link CliIO.stdoutConfirmed}).
 *
 * @param io - the command's surroundings
 * @param text - the text
 * @returns resolves once written
 * @throws the write error, when the host can tell
 */
export async function writeConfirmed(io: CliIO, text: string): Promise<void> {
  if (io.stdoutConfirmed !== undefined) await io.stdoutConfirmed(text)
  else io.stdout(text)
}

/**
 * Read a file named on the command line: `-` is standard input, a relative name is taken
 * from `io.cwd`.
 *
 * @param io - the command's surroundings
 * @param name - the file name as given
 * @param what - what the file is, for the error message (`message`, `key`, ...)
 * @returns the file's bytes
 * @throws {SignetError} `ERR_IO` when the file cannot be read
 */
export async function readInput(io: CliIO, name: string, what: string): Promise<Uint8Array> {
  if (name === '-') return io.stdin()
  const path = isAbsolute(name) ? name : resolve(io.cwd, name)
  try {
    return new Uint8Array(await readFile(path))
  } catch (cause) {
    const reason = (cause as { code?: unknown }).code
    throw new SignetError(
      'ERR_IO',
      `cannot read ${what} file ${JSON.stringify(name)}${typeof reason === 'string' ? ` (${reason})` : ''}`,
      { cause },
    )
  }
}

/**
 * Write bytes to standard output, through `stdoutBytes` when the host offers it.
 *
 * @param io - the command's surroundings
 * @param bytes - the exact bytes to write
 */
export function writeBytes(io: CliIO, bytes: Uint8Array): void {
  if (io.stdoutBytes !== undefined) io.stdoutBytes(bytes)
  else io.stdout(new TextDecoder().decode(bytes))
}

/**
 * Print one JSON value as a line on standard output.
 *
 * @param io - the command's surroundings
 * @param value - anything `JSON.stringify` accepts
 */
export function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`)
}
