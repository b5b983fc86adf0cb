/**
 * The `signet` executable: wires {@link main} to the Node process. The build adds the
 * `#!/usr/bin/env node` line (rollup banner), so the source carries none.
 *
 * What the process does beyond `main` (CLI.md "Every command"):
 * - Standard output closed early (`signet keys audit ... | head -1`): the command ends at once,
 *   quietly, with the status it had so far (0 when nothing had failed). Any other write error
 *   (`> /dev/full`): `{ "code": "ERR_IO", ... }` on standard error, exit 2. Text written with
 *   `stdoutConfirmed` is the exception: its write error goes back to the command, which must
 *   not lose it (`keys create` revokes the key whose one-time secret could not be shown).
 * - SIGINT and SIGTERM end every command at once with 130 and 143 (128 + the signal number),
 *   also while it waits on standard input; `serve` and `console` instead stop accepting
 *   connections, finish the requests in flight and exit 0 (a second signal ends them at once).
 * - Standard input is read only when a command asks for it, so `signet keygen` never waits on
 *   a terminal. The exit code is set rather than forced with `process.exit`, so buffered output
 *   to a pipe is flushed first.
 *
 * @module
 */
import { writeSync } from 'node:fs'
import process from 'node:process'
import { main } from './main.ts'
import type { CliIO } from './io.ts'

const argv = process.argv.slice(2)
/** Commands that serve until told to stop, and then drain rather than die. */
const draining = argv[0] === 'serve' || argv[0] === 'console' || (argv[0] === 'directory' && argv[1] === 'serve')
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 }

const controller = new AbortController()
const onSignal = (signal: NodeJS.Signals): void => {
  if (draining && !controller.signal.aborted) {
    controller.abort()
    return
  }
  process.exit(SIGNAL_EXIT[signal] ?? 1)
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

/**
 * Write errors handed to a `stdoutConfirmed` caller, which handles them itself. The stream
 * calls the write's callback before it emits 'error', with the same error object.
 */
const handedBack = new WeakSet<Error>()

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (handedBack.has(error)) return
  if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
  reportWriteError(error)
  process.exit(2)
})
// Standard error closed too: nothing is left to tell, and an unhandled error must not trace.
process.stderr.on('error', () => {})

function reportWriteError(error: NodeJS.ErrnoException): void {
  const report = { code: 'ERR_IO', message: `cannot write to standard output (${error.code ?? error.message})` }
  try {
    writeSync(2, `${JSON.stringify(report)}\n`)
  } catch {
    // Standard error is gone as well.
  }
}

const io: CliIO = {
  stdin: async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array)
    return new Uint8Array(Buffer.concat(chunks))
  },
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdoutBytes: (bytes) => void process.stdout.write(bytes),
  stdoutConfirmed: (text) =>
    new Promise<void>((resolve, reject) => {
      process.stdout.write(text, (error) => {
        if (error === null || error === undefined) return resolve()
        handedBack.add(error)
        reject(error)
      })
    }),
  stdoutIsTTY: process.stdout.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}

process.exitCode = await main(argv, io)
process.off('SIGINT', onSignal)
process.off('SIGTERM', onSignal)
