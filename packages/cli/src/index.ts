/**
 * @signet/cli: the `signet` command as a library, for in-process use and tests.
 *
 * @module
 */
export { USAGE, VERSION, commands, main } from './main.ts'
export type { CliIO, Command } from './io.ts'
export { describeFailure, readInput, redactSecrets, verificationFailure } from './io.ts'
export { HelpRequest, formatUsage, getAll, getString, has, isHelpRequest, parseAlgorithm, parseArgs, splitComponents } from './args.ts'
export type { CommandUsage, OptionSpec, OptionSpecs, ParseArgsOptions, ParsedArgs } from './args.ts'
export { loadJwks, loadKey } from './key-file.ts'
export type { JwksEntry, LoadKeyOptions } from './key-file.ts'
