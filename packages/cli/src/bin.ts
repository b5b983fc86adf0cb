/**
 * The `signet` executable: wires {@link main} to the Node process. The build adds the
 * `#!/usr/bin/env node` line (rollup banner), so the source carries none.
 *
 * Standard input is read only when a command asks for it, so `signet keygen` never waits on a
 * terminal. SIGINT and SIGTERM abort `io.signal`, which long-running commands (`serve`) watch
 * to close down cleanly. The exit code is set rather than forced with `process.exit`, so
 * buffered output to a pipe is flushed first.
 *
 * @module
 */
import process from 'node:process'
import { main } from './main.ts'
import type { CliIO } from './io.ts'

const controller = new AbortController()
const stop = (): void => controller.abort()
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

const io: CliIO = {
  stdin: async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array)
    return new Uint8Array(Buffer.concat(chunks))
  },
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdoutBytes: (bytes) => void process.stdout.write(bytes),
  stdoutIsTTY: process.stdout.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}

process.exitCode = await main(process.argv.slice(2), io)
process.off('SIGINT', stop)
process.off('SIGTERM', stop)
