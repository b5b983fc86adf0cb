/**
 * `signet demo`: the end-to-end walkthrough on an embedded default (CLI.md "signet demo").
 *
 * An in-memory registry issues an HMAC, an Ed25519 and an RSA key; a verifying server starts on
 * 127.0.0.1; real requests made with `signedFetch` and ky are accepted or refused, and a table
 * shows each request, the expected answer, the answer received and why. Exit 0 when every row
 * is as expected, 1 when any differs (those rows are marked). Nothing is written to disk and
 * nothing leaves loopback. The walkthrough lives in `../demo/`.
 *
 * @module
 */
import { has, parseArgs } from '../args.ts'
import type { CommandUsage, OptionSpecs } from '../args.ts'
import { runDemo } from '../demo/run.ts'
import type { DemoOptions } from '../demo/run.ts'
import type { CliIO, Command } from '../io.ts'

const demoOptions: OptionSpecs = {
  'no-color': { type: 'boolean', description: 'plain text even on a terminal (color is used only on a terminal with NO_COLOR unset)' },
}

const USAGE: CommandUsage = {
  synopsis: 'demo [--no-color]',
  summary: `Runs the end-to-end walkthrough on an embedded default: an in-memory key registry, an
in-memory nonce store and a verifying server on 127.0.0.1 (ephemeral port). Real signed
requests (signedFetch and ky) are accepted or refused; a table shows request, expected, got
and why.`,
  notes: 'Exit codes: 0 when every row is as expected, 1 when any differs.',
}

/**
 * Make a `signet demo` command with fixed options (tests plant a wrong expectation this way).
 *
 * @param options - passed to the walkthrough
 * @returns the command
 * @example
 * ```ts
 * const code = await createDemoCommand({ color: false })([], io)
 * ```
 */
export function createDemoCommand(options: DemoOptions = {}): Command {
  return async (argv: string[], io: CliIO): Promise<number> => {
    // `--help` or `-h` anywhere before `--` wins over other arguments (parseArgs), as for every command.
    const args = parseArgs(argv, demoOptions, { command: 'demo', maxPositionals: 0, usage: USAGE })
    return runDemo(io, has(args, 'no-color') ? { ...options, color: false } : options)
  }
}

/** `signet demo`. */
export const demoCommand: Command = createDemoCommand()
