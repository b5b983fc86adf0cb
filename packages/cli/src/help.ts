/**
 * `--help` for every command, written from its option table (STYLE.md 17: a command owns its
 * option table, names, types, defaults and help text, and gets `--help` from it).
 *
 * `parseArgs` throws a {@link HelpRequest} when the arguments ask for help; the dispatcher
 * prints its text on standard output and exits 0, so no command needs code of its own for it
 * and nothing runs.
 *
 * @module
 */
import type { OptionSpec, OptionSpecs, ParseArgsOptions } from './option-spec.ts'

export type { CommandUsage } from './option-spec.ts'

/**
 * Thrown by `parseArgs` when the arguments ask for help: not a failure. The dispatcher
 * prints `text` on standard output and exits 0, so every command gets `--help` from its table
 * without code of its own, and nothing runs.
 */
export class HelpRequest {
  /** The usage text, ending with a newline. */
  readonly text: string
  /** @param text - the usage text to print */
  constructor(text: string) {
    this.text = text
  }
}

/**
 * Whether a thrown value asks for the usage to be printed (see {@link HelpRequest}).
 *
 * @param value - what a command threw
 * @returns true for a help request
 */
export function isHelpRequest(value: unknown): value is HelpRequest {
  return value instanceof HelpRequest
}

/** The option every command takes; it never reaches a command (see {@link HelpRequest}). */
export const helpSpec: OptionSpec = { type: 'boolean', short: 'h', description: 'print this usage and exit' }

/**
 * The `--help` text of a command: usage line, summary, one line per option with its default,
 * and the notes.
 *
 * @param specs - the command's option table
 * @param options - the command name and its usage text
 * @returns the text, ending with a newline
 * @example formatUsage({ kid: { type: 'string', description: 'the key id' } }, { command: 'keygen' })
 */
export function formatUsage(specs: OptionSpecs, options: ParseArgsOptions): string {
  const usageText = options.usage
  const parts = [`Usage: signet ${usageText?.synopsis ?? `${options.command} [options]`}\n`]
  if (usageText?.summary !== undefined) parts.push(`\n${usageText.summary.trimEnd()}\n`)
  parts.push(`\nOptions:\n${formatOptions({ ...specs, help: helpSpec })}`)
  if (usageText?.notes !== undefined) parts.push(`\n${usageText.notes.trimEnd()}\n`)
  return parts.join('')
}

/**
 * One line per option (wrapped under a second column), each with its default when it has one.
 *
 * @param specs - an option table
 * @returns the lines, each ending with a newline
 */
export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}`
    const left = spec.type === 'boolean' ? flag : `${flag} ${spec.valueName ?? name.toUpperCase()}`
    let right = spec.description ?? ''
    if (spec.default !== undefined) right += `${right === '' ? '' : ' '}(default: ${spec.default})`
    if (spec.multiple === true && !right.includes('repeatable')) right += `${right === '' ? '' : ' '}[repeatable]`
    return { left, right }
  })
  const width = Math.min(30, Math.max(...rows.map((r) => r.left.length)))
  return rows
    .map(({ left, right }) => {
      if (right === '') return `  ${left}\n`
      const indent = ' '.repeat(width + 4)
      const lines = wrap(right, 96 - indent.length)
      const head = left.length > width ? `  ${left}\n${indent}` : `  ${left.padEnd(width)}  `
      return `${head}${lines.join(`\n${indent}`)}\n`
    })
    .join('')
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  lines.push(line)
  return lines
}
