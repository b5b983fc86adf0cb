/**
 * @signet/cli: the `signet` command as a library, for in-process use and tests.
 *
 * @module
 */
export { USAGE, VERSION, commands, main } from './main.ts'
export type { CliIO, Command } from './io.ts'
export { describeFailure, readInput, verificationFailure } from './io.ts'
export { getAll, getString, has, parseArgs, splitComponents } from './args.ts'
export type { OptionSpec, OptionSpecs, ParsedArgs } from './args.ts'
export { loadJwks, loadKey } from './key-file.ts'
export type { JwksEntry, LoadKeyOptions } from './key-file.ts'
