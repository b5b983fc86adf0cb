/**
 * Records as a terminal reads them: an aligned table, times as dates.
 *
 * CLI.md "Every command": text output on a terminal may be a table; output to a pipe or a file
 * stays exactly as specified. `signet keys list|show|usage|audit` hand their records to
 * {@link printRecords}, which prints the contract's JSON unless standard output is a terminal.
 *
 * @module
 */
import type { CliIO } from './io.ts'

/** A JSON-like record, as the registry returns them (an interface, so no index signature). */
export type RecordLike = object

/** Member names whose numbers are unix seconds (registry keys, usage and audit entries). */
const TIME_MEMBERS: ReadonlySet<string> = new Set([
  'time', 'start', 'created', 'updated', 'expires', 'notBefore', 'lastUsed', 'lastRejected', 'overlapUntil',
])

/**
 * One cell's text: a time as `YYYY-MM-DD HH:MM:SSZ`, `null` as `-`, a list joined with spaces,
 * an object as `name=value` pairs.
 *
 * @param name - the member name (decides whether a number is a time)
 * @param value - the member value
 * @returns the cell text, on one line
 */
export function cellText(name: string, value: unknown): string {
  if (value === null || value === undefined) return '-'
  if (typeof value === 'number' && TIME_MEMBERS.has(name) && Number.isFinite(value)) {
    return new Date(value * 1000).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')
  }
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map((v) => cellText('', v)).join(' ')
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${cellText(k, v)}`).join(' ')
  }
  return String(value).replace(/[\r\n\t]+/g, ' ')
}

/**
 * Rows under a header, each column as wide as its widest cell.
 *
 * @param records - the rows
 * @param columns - the members to show, in order; default every member of the first record
 * @returns the table, one line per record plus the header
 */
export function formatTable(records: readonly RecordLike[], columns?: readonly string[]): string {
  const names = columns ?? [...new Set(records.flatMap((r) => Object.keys(r)))]
  const rows = [names.map((n) => n.toUpperCase()), ...records.map((r) => names.map((n) => cellText(n, (r as Record<string, unknown>)[n])))]
  const widths = names.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ').trimEnd()).join('\n') + '\n'
}

/**
 * One record as `name  value` lines.
 *
 * @param record - the record
 * @returns the lines
 */
export function formatRecord(record: RecordLike): string {
  const width = Math.max(0, ...Object.keys(record).map((k) => k.length))
  return Object.entries(record as Record<string, unknown>).map(([k, v]) => `${k.padEnd(width)}  ${cellText(k, v)}`.trimEnd()).join('\n') + '\n'
}

/** How {@link printRecords} prints when standard output is not a terminal. */
export type PipeForm = 'document' | 'lines'

/**
 * Print records: through a pipe exactly as the command specifies (one JSON document, or one
 * JSON line per record), on a terminal as a table (or, for a single record, name and value
 * lines).
 *
 * @param io - the command's surroundings
 * @param value - a record or a list of records
 * @param pipeForm - `document` prints `value` as one JSON document; `lines`, each record on its line
 * @param columns - the table's columns (default every member)
 * @example printRecords(io, await registry.list(), 'document', ['keyid', 'owner', 'state'])
 */
export function printRecords(io: CliIO, value: RecordLike | readonly RecordLike[], pipeForm: PipeForm, columns?: readonly string[]): void {
  const list: readonly RecordLike[] = Array.isArray(value) ? value : [value as RecordLike]
  if (io.stdoutIsTTY !== true) {
    if (pipeForm === 'document') io.stdout(`${JSON.stringify(value)}\n`)
    else io.stdout(list.map((r) => `${JSON.stringify(r)}\n`).join(''))
    return
  }
  if (!Array.isArray(value)) io.stdout(formatRecord(value as RecordLike))
  else if (list.length === 0) io.stdout('(none)\n')
  else io.stdout(formatTable(list, columns))
}
