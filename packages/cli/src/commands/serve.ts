/**
 * `signet serve`: a verifying HTTP server or reverse proxy (CLI.md). Being written.
 *
 * @module
 */
import type { CliIO, Command } from '../io.ts'
import { SignetError } from '@signet/core'

/** Run `signet serve`. */
export const serveCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  void argv
  void io
  throw new SignetError('ERR_USAGE', 'signet serve is not available yet')
}
