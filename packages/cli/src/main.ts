/**
 * The `signet` dispatcher: picks the command, runs it, and turns a thrown error into the
 * contract's report (CLI.md "Exit codes"): `{ "code", "message" }` as one JSON line on standard
 * error, exit 1 when a verification failed and 2 for usage, file, message and key errors.
 * `--help` of any command is the `HelpRequest` its option parser throws: printed here on
 * standard output, exit 0. Every report passes through `redactSecrets`, so no message repeats
 * a secret the user typed.
 *
 * @module
 */
import {
  baseCommand,
  consoleCommand,
  demoCommand,
  directoryCommand,
  fetchCommand,
  keygenCommand,
  keysCommand,
  pubkeyCommand,
  serveCommand,
  signCommand,
  verifyCommand,
} from './commands/index.ts'
import { isHelpRequest } from './args.ts'
import { describeFailure, redactSecrets } from './io.ts'
import type { CliIO, Command } from './io.ts'

/** The commands `signet` knows, by name. */
export const commands: Readonly<Record<string, Command>> = {
  keygen: keygenCommand,
  pubkey: pubkeyCommand,
  sign: signCommand,
  verify: verifyCommand,
  base: baseCommand,
  fetch: fetchCommand,
  serve: serveCommand,
  keys: keysCommand,
  console: consoleCommand,
  demo: demoCommand,
  directory: directoryCommand,
}

/** The version printed by `signet --version`. */
export const VERSION = '0.1.0'

/** The help text printed by `signet --help` (and, with exit 2, by `signet` alone). */
export const USAGE: string = `Usage: signet <command> [options] [MESSAGE]

Sign and verify HTTP messages (RFC 9421 HTTP Message Signatures, RFC 9530 Content-Digest).
MESSAGE is a raw HTTP/1.1 message file; "-" or none reads standard input.

Commands:
  keygen --alg ALG [--kid ID]          print a new private JWK
  pubkey KEY                           print the public JWK of a key
  sign --key KEY [MESSAGE]             sign a message (--headers-only: just the new fields)
  verify (--key KEY | --jwks FILE) [MESSAGE]
                                       verify the signatures on a message
  sign|verify --profile NAME --key KEY [MESSAGE]
                                       webhooks, Binance, SigV4, cavage (see sign --help)
  base [MESSAGE]                       print the signature base of each signature
  fetch --key KEY [-X M] [-H F]... URL send a signed request, like curl
  serve (--jwks FILE | --registry PATH)
                                       a verifying server or reverse proxy
  keys SUBCOMMAND REGISTRY ...         manage API keys (create, list, show, rotate, ...)
  console --registry PATH             a local web page over a registry: keys, usage, actions,
                                       a signature inspector
  directory serve --key KEY... | lint URL
                                       publish or check a Web Bot Auth key directory
  demo                                 run the end-to-end walkthrough

Every command prints its own usage, with every option and its default:
  signet sign --help, signet verify --help, signet fetch --help, signet serve --help,
  signet keys --help, signet keygen --help, ...
ALG is an RFC 9421 name (ed25519, ecdsa-p256-sha256, ...) or its JOSE name (EdDSA, ES256, ...).
Exit codes: 0 success, 1 verification failed, 2 usage or input error (JSON on standard error).
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
  if (name === undefined) {
    // CLI.md: `signet` alone prints the general usage, exit 2 (a usage error all the same).
    io.stdout(USAGE)
    io.stderr(`${JSON.stringify({ code: 'ERR_USAGE', message: 'no command given. Usage: signet <command> [options] [MESSAGE]; signet --help lists the commands' })}\n`)
    return 2
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (command === undefined) {
    const message = `unknown command ${JSON.stringify(redactSecrets(name.slice(0, 40)))}; try signet --help`
    io.stderr(`${JSON.stringify({ code: 'ERR_USAGE', message })}\n`)
    return 2
  }
  try {
    return await command(rest, io)
  } catch (error) {
    if (isHelpRequest(error)) {
      io.stdout(error.text)
      return 0
    }
    const { exitCode, report } = describeFailure(error)
    io.stderr(`${JSON.stringify(report)}\n`)
    return exitCode
  }
}
