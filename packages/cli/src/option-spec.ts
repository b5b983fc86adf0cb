/**
 * What a command declares about its options (STYLE.md 17): the option table, the usage text
 * around it, and the limits on positional arguments. Types only, below both the parser
 * (`args.ts`) and the `--help` writer (`help.ts`), which read the same table.
 *
 * @module
 */

/** How one option behaves, and how `--help` describes it. */
export interface OptionSpec {
  /** `string` takes a value; `boolean` is a bare switch. */
  readonly type: 'string' | 'boolean'
  /** May be given more than once (values kept in order). */
  readonly multiple?: boolean
  /** A one-letter alias (`H` for `-H`), for options named as curl names them. */
  readonly short?: string
  /** One line for `--help`: what the option does. */
  readonly description?: string
  /** The default `--help` states, as the user would type it or in words (`https`, `the clock`). */
  readonly default?: string
  /** The placeholder `--help` shows for the value (`KEY`, `UNIX`); default the name upper-cased. */
  readonly valueName?: string
}

/** The options a command accepts, by long name without the leading `--`. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** What `--help` prints above a command's option table. */
export interface CommandUsage {
  /** The usage line after `signet ` (`sign --key KEY [options] [MESSAGE]`). */
  readonly synopsis: string
  /** What the command does, a few lines. */
  readonly summary?: string
  /** Printed after the option table: value syntax, exit codes, examples. */
  readonly notes?: string
}

/** Limits on positional arguments, and the usage `--help` prints. */
export interface ParseArgsOptions {
  /** The command name, for error messages (`sign`, `keys create`). */
  readonly command: string
  /** At most this many positional arguments (default: unlimited). */
  readonly maxPositionals?: number
  /** The usage text around the option table; default a one-line synopsis. */
  readonly usage?: CommandUsage
}
