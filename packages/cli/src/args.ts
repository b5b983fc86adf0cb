/**
 * Command-line option parsing for `signet` and the option values its commands share.
 *
 * Tokenizing is `node:util` `parseArgs` (in its `tokens` mode); this module checks the tokens
 * against a command's {@link OptionSpecs} table, which also writes the command's `--help`.
 * CLI.md: options may come in any order before the message file, and `-` or no file reads
 * standard input. Options are long (`--name VALUE` or `--name=VALUE`), or a single letter where
 * the table gives one (`signet fetch -H "Name: value"`, as curl spells them). A string option
 * always takes the next argument as its value, even an empty one (`--components ""` is the
 * empty list) or one that starts with `-`. `--` ends the options. An unknown option, a missing
 * value, a repeated single-valued option or too many file arguments is a usage error
 * (`ERR_USAGE`, exit 2). `--help` or `-h` anywhere before `--` asks for the usage instead
 * ({@link HelpRequest}). The order in which options were given is kept: `signet sign` puts
 * signature parameters in flag order (CLI.md "Parameters given as flags appear in the order of
 * the flags").
 *
 * `parseArgs`'s strict mode is not used: it refuses a value that starts with `-`
 * (`--key --weird`), which the command line has always accepted, and its messages are not
 * coded. Its non-strict tokens carry everything needed to apply the rules above here.
 *
 * @module
 */
import { parseArgs as tokenize } from 'node:util'
import { SignetError } from '@signet/core'
import type { BackendName } from '@signet/core'
import { HelpRequest, formatUsage } from './help.ts'
import type { OptionSpecs, ParseArgsOptions } from './option-spec.ts'

export { ALGORITHM_HELP, ALGORITHM_NAMES, parseAlgorithm } from './algorithm-option.ts'
export { HelpRequest, formatOptions, formatUsage, helpSpec, isHelpRequest } from './help.ts'
export type { CommandUsage, OptionSpec, OptionSpecs, ParseArgsOptions } from './option-spec.ts'

/** The result of {@link parseArgs}. */
export interface ParsedArgs {
  /** Every value given for each option, in order (`'true'` for a boolean switch). */
  readonly values: ReadonlyMap<string, readonly string[]>
  /** Option names in the order they were first given. */
  readonly order: readonly string[]
  /** The non-option arguments, in order. */
  readonly positionals: readonly string[]
}

/**
 * The options of every command that reads a message file (`sign`, `verify`, `base`): the
 * related request of a response, the scheme of an origin-form request, and structured field
 * types.
 */
export const messageOptionSpecs: OptionSpecs = {
  request: {
    type: 'string',
    valueName: 'FILE',
    description: 'the related request of a response, for components with ;req',
    default: 'none',
  },
  scheme: {
    type: 'string',
    valueName: 'S',
    description: 'the scheme of an origin-form request, for @target-uri and @scheme',
    default: 'https',
  },
  'field-type': {
    type: 'string',
    multiple: true,
    valueName: 'NAME=item|list|dictionary',
    description: 'the structured type of a field, for ;sf and ;key (repeatable)',
    default: 'registered types only',
  },
}

/** The options `sign` and `verify` share: {@link messageOptionSpecs} and the key and signature selection. */
export const signatureOptionSpecs: OptionSpecs = {
  ...messageOptionSpecs,
  key: { type: 'string', valueName: 'KEY', description: 'a JWK, JWKS or PEM file' },
  alg: {
    type: 'string',
    valueName: 'ALG',
    description: 'the algorithm, an RFC 9421 or JOSE name; also adds the alg parameter on sign',
    default: 'the one the key implies',
  },
  label: { type: 'string', valueName: 'L', description: 'the signature label', default: 'sig1 on sign; every label on verify' },
  tag: { type: 'string', valueName: 'T', description: 'the tag parameter, naming the application', default: 'none' },
  backend: {
    type: 'string',
    valueName: 'native|webcrypto|pure',
    description: 'the crypto backend',
    default: 'the fastest present',
  },
}

/**
 * Parse `argv` (the arguments after the command name) against `specs`.
 *
 * @param argv - the raw arguments
 * @param specs - the options the command accepts
 * @param options - command name, positional limit and usage text
 * @returns the values, their order and the positional arguments
 * @throws {HelpRequest} when `--help` or `-h` comes before any `--` (not an error: exit 0)
 * @throws {SignetError} `ERR_USAGE` for an unknown option, a missing value, a repeated
 *   single-valued option or too many positional arguments
 * @example
 * ```ts
 * const args = parseArgs(['--key', 'k.jwk', 'msg.http'], { key: { type: 'string' } }, { command: 'sign' })
 * getString(args, 'key') // 'k.jwk'
 * args.positionals // ['msg.http']
 * ```
 */
export function parseArgs(argv: readonly string[], specs: OptionSpecs, options: ParseArgsOptions): ParsedArgs {
  if (!Object.hasOwn(specs, 'help') && wantsHelp(argv)) throw new HelpRequest(formatUsage(specs, options))
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {}
  const byShort = new Map<string, string>()
  for (const [name, spec] of Object.entries(specs)) {
    config[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short }
    if (spec.short !== undefined) byShort.set(spec.short, name)
  }
  const { tokens } = tokenize({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true })
  const values = new Map<string, string[]>()
  const order: string[] = []
  const positionals: string[] = []
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value)
      continue
    }
    if (token.kind === 'option-terminator') continue
    const long = token.rawName.startsWith('--')
    // Non-strict tokens name an unknown letter by itself; a known one by its long name.
    const name = long ? token.name : byShort.get(token.rawName.slice(1))
    const spec = name !== undefined && Object.hasOwn(specs, name) ? specs[name] : undefined
    if (name === undefined || spec === undefined) throw usage(options.command, `unknown option ${quote(token.rawName)}`)
    let value: string
    if (spec.type === 'boolean') {
      if (token.inlineValue === true) throw usage(options.command, `option ${token.rawName} takes no value`)
      value = 'true'
    } else {
      if (token.value === undefined) throw usage(options.command, `option ${token.rawName} needs a value`)
      value = token.value
    }
    const list = values.get(name)
    if (list === undefined) {
      values.set(name, [value])
      order.push(name)
    } else if (spec.multiple === true) {
      list.push(value)
    } else {
      throw usage(options.command, `option --${name} given more than once`)
    }
  }
  if (options.maxPositionals !== undefined && positionals.length > options.maxPositionals) {
    throw usage(
      options.command,
      `unexpected argument ${quote(positionals[options.maxPositionals] as string)}`,
    )
  }
  return { values, order, positionals }
}

/**
 * The single value of a string option, or undefined when it was not given.
 *
 * @param args - parsed arguments
 * @param name - the option's long name
 * @returns the last value given
 */
export function getString(args: ParsedArgs, name: string): string | undefined {
  const list = args.values.get(name)
  return list === undefined ? undefined : list[list.length - 1]
}

/**
 * Every value of a repeatable option, in order (empty when not given).
 *
 * @param args - parsed arguments
 * @param name - the option's long name
 * @returns the values
 */
export function getAll(args: ParsedArgs, name: string): readonly string[] {
  return args.values.get(name) ?? []
}

/**
 * Whether a boolean switch (or any option) was given.
 *
 * @param args - parsed arguments
 * @param name - the option's long name
 * @returns true when present
 */
export function has(args: ParsedArgs, name: string): boolean {
  return args.values.has(name)
}

/**
 * The message file argument: the single positional, or `-` (standard input) when none.
 *
 * @param args - parsed arguments (parsed with `maxPositionals: 1`)
 * @returns the file name, `-` for standard input
 */
export function messageFile(args: ParsedArgs): string {
  return args.positionals[0] ?? '-'
}

/**
 * True when `--help` or `-h` comes before any `--`: a command prints its usage then, whatever
 * else is on the line.
 */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false
    if (arg === '--help' || arg === '-h') return true
  }
  return false
}

/**
 * Build a usage error for a command.
 *
 * @param command - the command name
 * @param message - what was wrong
 * @returns a `SignetError` with code `ERR_USAGE`
 */
export function usage(command: string, message: string): SignetError {
  return new SignetError('ERR_USAGE', `signet ${command}: ${message}`)
}

/**
 * Split a list of component identifiers in RFC 9421 syntax into single identifiers, e.g.
 * `"@method" "@query-param";name="Pet" "content-digest"`. Whitespace separates identifiers
 * except inside a quoted string (RFC 8941 section 3.3.3 escapes `\"` and `\\`). For
 * convenience a bare name is quoted (`@method` means `"@method"`, `@query-param;name="a"`
 * means `"@query-param";name="a"`). An empty or blank text is the empty list `()`.
 *
 * @param text - the option value
 * @param option - the option name, for error messages
 * @param command - the command name, for error messages
 * @returns the identifiers, each in serialized form
 * @throws {SignetError} `ERR_USAGE` on an unterminated quoted string
 * @example splitComponents('"@method" "@path"', 'components', 'sign') // ['"@method"', '"@path"']
 */
export function splitComponents(text: string, option: string, command: string): string[] {
  const tokens: string[] = []
  let current = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (inString) {
      current += ch
      if (ch === '\\') {
        if (i + 1 >= text.length) break
        current += text[++i] as string
      } else if (ch === '"') {
        inString = false
      }
    } else if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (current !== '') tokens.push(current)
      current = ''
    } else {
      if (ch === '"') inString = true
      current += ch
    }
  }
  if (inString) throw usage(command, `--${option}: unterminated quoted string in ${quote(text)}`)
  if (current !== '') tokens.push(current)
  return tokens.map((token) => {
    if (token.startsWith('"')) return token
    const semi = token.indexOf(';')
    return semi === -1 ? `"${token}"` : `"${token.slice(0, semi)}"${token.slice(semi)}`
  })
}

/** Structured field types accepted by `--field-type` (RFC 8941 top-level types). */
export type FieldType = 'item' | 'list' | 'dictionary'

/**
 * Parse repeated `--field-type NAME=item|list|dictionary` values into the `fieldTypes` record
 * that core's component functions take (names lower-cased, as field names are compared).
 *
 * @param values - the option values
 * @param command - the command name, for error messages
 * @returns field name -> structured type, or undefined when none was given
 * @throws {SignetError} `ERR_USAGE` for a value without `=` or with another type
 */
export function parseFieldTypes(values: readonly string[], command: string): Record<string, FieldType> | undefined {
  if (values.length === 0) return undefined
  const types: Record<string, FieldType> = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    const name = eq === -1 ? '' : value.slice(0, eq).trim().toLowerCase()
    const type = eq === -1 ? '' : value.slice(eq + 1).trim()
    if (name === '' || (type !== 'item' && type !== 'list' && type !== 'dictionary')) {
      throw usage(command, `--field-type expects NAME=item|list|dictionary, got ${quote(value)}`)
    }
    types[name] = type
  }
  return types
}

const backendNames: readonly BackendName[] = ['native', 'webcrypto', 'pure']

/**
 * Check a `--backend` value and make the backend available: `pure` lives in its own entry
 * point (`@signet/core/pure`), which registers itself when imported, so it is loaded on demand
 * and never weighs on the other commands.
 *
 * @param value - the option value, or undefined when not given
 * @param command - the command name, for error messages
 * @returns the backend name, or undefined for the default choice
 * @throws {SignetError} `ERR_USAGE` for another name
 */
export async function resolveBackend(value: string | undefined, command: string): Promise<BackendName | undefined> {
  if (value === undefined) return undefined
  const name = backendNames.find((candidate) => candidate === value)
  if (name === undefined) throw usage(command, `--backend expects native, webcrypto or pure, got ${quote(value)}`)
  if (name === 'pure') await import('@signet/core/pure')
  return name
}

/**
 * Parse a whole number of seconds since the epoch (or a duration in seconds).
 *
 * @param value - the option value
 * @param option - the option name, for error messages
 * @param command - the command name, for error messages
 * @returns the number
 * @throws {SignetError} `ERR_USAGE` unless the value is a non-negative integer
 */
export function parseSeconds(value: string, option: string, command: string): number {
  if (!/^[0-9]{1,15}$/.test(value)) {
    throw usage(command, `--${option} expects a whole number of seconds, got ${quote(value)}`)
  }
  return Number(value)
}

/**
 * Check a `--scheme` value (RFC 3986 section 3.1 scheme syntax), lower-cased.
 *
 * @param value - the option value, or undefined for the default `https`
 * @param command - the command name, for error messages
 * @returns the scheme
 * @throws {SignetError} `ERR_USAGE` for a value that is not a scheme
 */
function parseScheme(value: string | undefined, command: string): string {
  if (value === undefined) return 'https'
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(value)) throw usage(command, `--scheme expects a URI scheme, got ${quote(value)}`)
  return value.toLowerCase()
}

/** The values of {@link messageOptionSpecs} that shape how a message is parsed. */
export interface MessageOptions {
  /** `--scheme`, lower-cased (default `https`). */
  readonly scheme: string
  /** `--field-type` values, or undefined when none was given. */
  readonly fieldTypes: Record<string, FieldType> | undefined
}

/**
 * Check `--field-type` and `--scheme` (in that order, so the first bad one is the error shown).
 *
 * @param args - parsed arguments of a command taking {@link messageOptionSpecs}
 * @param command - the command name, for error messages
 * @returns the scheme and field types
 * @throws {SignetError} `ERR_USAGE` for a bad value
 */
export function parseMessageOptions(args: ParsedArgs, command: string): MessageOptions {
  const fieldTypes = parseFieldTypes(getAll(args, 'field-type'), command)
  return { fieldTypes, scheme: parseScheme(getString(args, 'scheme'), command) }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)
}
