/**
 * `signet console --registry PATH [--host H] [--port N]`: a local web page over a registry
 * (CLI.md "Additions", `signet console`).
 *
 * The page inspects signatures (a raw request and a key in, the base line by line and the
 * verdict out), lists the registry's keys with their state, scopes, IP lists, limits, credits,
 * expiry, a usage chart and their rotation timeline, and disables, enables, revokes and rotates
 * a key after its user confirms. It binds to 127.0.0.1:8081 unless told otherwise, prints
 * `console on http://H:P` once ready, and on SIGINT or SIGTERM finishes the requests in flight
 * and exits 0. The server is console/server.ts; this module reads the options and opens the
 * registry (which must already exist: a mistyped path fails at once).
 *
 * @module
 */
import { isIP } from 'node:net'
import { hostname, userInfo } from 'node:os'
import { openRegistryFromSpec } from '@signet/registry'
import { getString, parseArgs, usage } from '../args.ts'
import type { CommandUsage, OptionSpecs } from '../args.ts'
import type { CliIO, Command } from '../io.ts'

const COMMAND = 'console'

const options: OptionSpecs = {
  registry: { type: 'string', valueName: 'PATH|REDIS-URL', description: 'the registry (it must exist: signet keys create makes one)' },
  'master-key-file': { type: 'string', valueName: 'FILE', description: 'the registry master key', default: 'SIGNET_MASTER_KEY' },
  host: {
    type: 'string',
    valueName: 'H',
    description: 'the address to listen on; anything but loopback lets other machines manage these keys',
    default: '127.0.0.1',
  },
  port: { type: 'string', valueName: 'N', description: 'the port to listen on (0: any free port)', default: '8081' },
}

const USAGE: CommandUsage = {
  synopsis: 'console --registry PATH|REDIS-URL [--host H] [--port N]',
  summary: `A local web page over a registry: every key with its state, scopes, IP lists, limits,
credits, expiry, usage over time, rotation timeline and history; disable, enable, revoke and
rotate after a confirmation; and an inspector that shows a pasted request's signature base line
by line with the failing line marked. Prints "console on http://H:P" once ready.`,
  notes: `The page changes nothing without its user's confirmation; state-changing calls need the
page's per-session token and its origin, and every request its own Host (see docs/keys.md).
SIGINT or SIGTERM: finish the requests in flight, exit 0.`,
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))
}

function actorOf(io: CliIO): string {
  const fromEnv = io.env['SIGNET_ACTOR']
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.slice(0, 256)
  try {
    return `${userInfo().username}@${hostname()} (console)`
  } catch {
    return `unknown@${hostname()} (console)`
  }
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return // Runs until the process ends.
    if (signal.aborted) return resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

/**
 * Run `signet console`.
 *
 * @param argv - the arguments after `console`
 * @param io - the command's surroundings; aborting `io.signal` stops the console
 * @returns 0 after a clean shutdown
 * @throws {SignetError} `ERR_USAGE` for bad options, `ERR_IO` for a missing registry or a port
 *   in use, `ERR_MASTER_KEY`, `ERR_STORE_UNAVAILABLE`: the dispatcher prints it, exit 2
 * @example `signet console --registry keys.signet --port 0`
 */
export const consoleCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: COMMAND, maxPositionals: 0, usage: USAGE })
  const spec = getString(args, 'registry')
  if (spec === undefined || spec === '') throw usage(COMMAND, '--registry PATH is required')
  const host = getString(args, 'host') ?? '127.0.0.1'
  if (host === '') throw usage(COMMAND, '--host expects an address')
  const portText = getString(args, 'port') ?? '8081'
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw usage(COMMAND, `--port expects a number from 0 to 65535, got ${JSON.stringify(portText.slice(0, 20))}`)
  const masterKeyFile = getString(args, 'master-key-file')
  const registry = await openRegistryFromSpec(spec, {
    env: io.env,
    cwd: io.cwd,
    mustExist: true,
    // The console is no hot path: every read sees the file as it is now, so a key created or
    // revoked by `signet keys` a moment ago is there when its row is clicked.
    file: { refreshIntervalMs: 0 },
    ...(masterKeyFile === undefined ? {} : { masterKeyFile }),
  })
  let running
  try {
    // Loaded here, not at the top: every other command starts without the console's modules.
    const { startConsole } = await import('../console/server.ts')
    running = await startConsole({ registry, host, port: Number(portText), actor: actorOf(io) })
  } catch (error) {
    await registry.close().catch(() => undefined)
    throw error
  }
  if (!isLoopback(host)) io.stderr(`${JSON.stringify({ warning: `the console listens on ${host}, not loopback: whoever reaches it can manage these keys` })}\n`)
  io.stdout(`console on ${running.url}\n`)
  await waitForAbort(io.signal)
  await running.close()
  await registry.close()
  return 0
}
