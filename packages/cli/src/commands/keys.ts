/**
 * `signet keys`: the API-key lifecycle over a registry (see CLI.md "Keys (`signet keys`)").
 *
 * @module
 */
import type { Command, CliIO } from '../io.ts'
import { SignetError } from '@signet/core'

/** `signet keys create|list|show|rotate|disable|enable|revoke|usage|audit` (argv follows `keys`). */
export const keysCommand: Command = async (argv: string[], _io: CliIO): Promise<number> => {
  throw new SignetError('ERR_USAGE', `signet keys ${argv[0] ?? ''}: not implemented yet`)
}
