/**
 * The `signet` dispatcher: picks the command, runs it, and turns a thrown error into the
 * contract's report (CLI.md "Exit codes"): `{ "code", "message" }` as one JSON line on standard
 * error, exit 1 when a verification failed and 2 for usage, file, message and key errors.
 *
 * @module
 */
import {
  baseCommand,
  consoleCommand,
  demoCommand,
  keygenCommand,
  keysCommand,
  pubkeyCommand,
  serveCommand,
  signCommand,
  verifyCommand,
} from './commands/index.ts'
import { describeFailure } from './io.ts'
import type { CliIO, Command } from './io.ts'

/** The commands `signet` knows, by name. */
export const commands: Readonly<Record<string, Command>> = {
  keygen: keygenCommand,
  pubkey: pubkeyCommand,
  sign: signCommand,
  verify: verifyCommand,
  base: baseCommand,
  serve: serveCommand,
  keys: keysCommand,
  console: consoleCommand,
  demo: demoCommand,
}

// Commands whose options this module documents in USAGE; the others parse their own --help.
const helpful: ReadonlySet<string> = new Set(['keygen', 'pubkey', 'sign', 'verify', 'base'])

/** The version printed by `signet --version`. */
export const VERSION = '0.1.0'

/** The help text printed by `signet --help`. */
export const USAGE: string = `Usage: signet <command> [options] [MESSAGE]

Sign and verify HTTP messages (RFC 9421 HTTP Message Signatures, RFC 9530 Content-Digest).
MESSAGE is a raw HTTP/1.1 message file; "-" or none reads standard input.

Commands:
  keygen --alg ALG [--kid ID]                 print a new private JWK
  pubkey KEY [--alg ALG]                      print the public JWK of a key
  sign --key KEY [--alg ALG] [--keyid ID] [--label L] [--components "C1 C2 ..."]
       [--created UNIX|now|none] [--expires UNIX] [--nonce VALUE|auto|none] [--tag T]
       [--digest sha-256|sha-512|none] [--request FILE] [--scheme S] [MESSAGE]
  verify (--key KEY | --jwks FILE) [--alg ALG] [--label L | --tag T] [--now UNIX]
       [--max-age S] [--require "C1 C2 ..."] [--request FILE] [--scheme S] [MESSAGE]
  base [--label L] [--request FILE] [--scheme S] [MESSAGE]
  serve [--host H] [--port N] (--jwks FILE | --registry PATH) ...   (signet serve --help)
  keys create|list|show|rotate|disable|enable|revoke|usage|audit|rewrap REGISTRY ...
                                              manage API keys (signet keys --help)
  console --registry PATH [--host H] [--port N]
                                              a local web page over a registry (signet console --help)
  demo                                        run the end-to-end walkthrough

signet <command> --help prints the usage of that command.
Commands that sign or verify take --backend native|webcrypto|pure; commands that read a
message take --field-type NAME=item|list|dictionary (repeatable).
Exit codes: 0 success, 1 verification failed, 2 usage or input error.
`

/**
 * Run the `signet` command line in-process.
 *
 * @param argv - the arguments after the program name (`process.argv.slice(2)`)
 * @param io - standard streams, environment and working directory
 * @returns the exit code: 0 success, 1 verification failed, 2 usage or input error
 * @example
 * ```ts
 * const code = await main(['verify', '--jwks', 'keys.json', 'signed.http'], io)
 * ```
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE)
    return 0
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`)
    return 0
  }
  if (name !== undefined && helpful.has(name) && rest.some((arg) => arg === '--help' || arg === '-h')) {
    io.stdout(USAGE)
    return 0
  }
  const command = name === undefined || !Object.hasOwn(commands, name) ? undefined : commands[name]
  if (command === undefined) {
    const message =
      name === undefined ? 'no command given; try signet --help' : `unknown command ${JSON.stringify(name)}; try signet --help`
    io.stderr(`${JSON.stringify({ code: 'ERR_USAGE', message })}\n`)
    return 2
  }
  try {
    return await command(rest, io)
  } catch (error) {
    const { exitCode, report } = describeFailure(error)
    io.stderr(`${JSON.stringify(report)}\n`)
    return exitCode
  }
}
