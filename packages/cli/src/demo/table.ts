/**
 * The demo's table printer: plain text, columns aligned by padding, a mark in the margin for
 * rows that differ from their expectation. Color (ANSI SGR) is added only when the caller says
 * the output is a terminal and `NO_COLOR` is unset (https://no-color.org), never inside the
 * padding, so widths are computed on the plain text.
 *
 * @module
 */
import type { Expectation, Observation } from './scenarios.ts'

/** One table row: its cells (in column order) and whether it matched its expectation. */
export interface TableRow {
  readonly cells: readonly string[]
  readonly matched: boolean
}

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Add ANSI colors (only for a terminal with `NO_COLOR` unset). */
  readonly color: boolean
  /** The column shown in green on matching rows (the outcome), by index. */
  readonly emphasize?: number | undefined
}

const RESET = '\u001b[0m'
const BOLD = '\u001b[1m'
const DIM = '\u001b[2m'
const RED = '\u001b[31m'
const GREEN = '\u001b[32m'

/** The margin mark of a row that differs from its expectation. */
export const DIFFERS_MARK = '✗'

// Width in terminal columns of the plain strings this module prints (ASCII, arrows, marks):
// one column per UTF-16 unit is exact for them.
const width = (text: string): number => text.length

// Names that fit a table cell; each still says which check refused the request.
const SHORT_NAMES: Readonly<Record<string, string>> = {
  ERR_SIGNATURE_MISSING: 'no signature',
  ERR_SIGNATURE_INVALID: 'bad signature',
  ERR_NONCE_REPLAYED: 'replayed',
  ERR_SIGNATURE_EXPIRED: 'expired',
  ERR_SIGNATURE_TOO_OLD: 'too old',
  ERR_CREATED_IN_FUTURE: 'from the future',
}

/**
 * A short name for a Signet error code, for the table: `ERR_NONCE_REPLAYED` -> `replayed`,
 * `ERR_KEY_REVOKED` -> `key revoked`.
 *
 * @param code - an error code
 * @returns the readable name
 */
export function shortCode(code: string): string {
  return SHORT_NAMES[code] ?? code.replace(/^ERR_/, '').toLowerCase().replace(/_/g, ' ')
}

/**
 * One answer as the table shows it: `200`, `401 nonce replayed`.
 *
 * @param answer - an expectation or an observation
 * @returns the cell text
 */
function describeAnswer(answer: Expectation | Observation): string {
  return answer.code === undefined ? String(answer.status) : `${answer.status} ${shortCode(answer.code)}`
}

/**
 * Several answers in order, joined by arrows: `401 signature too old → 200`.
 *
 * @param answers - the answers, in order
 * @returns the cell text (`-` when there are none)
 */
export function describeAnswers(answers: readonly (Expectation | Observation)[]): string {
  return answers.length === 0 ? '-' : answers.map(describeAnswer).join(' → ')
}

/**
 * Format a table with a header row and a rule under it.
 *
 * @param headers - column titles
 * @param rows - the rows; each must have one cell per column
 * @param options - color or not
 * @returns the table, one line per row, each ending in a newline
 * @throws {TypeError} when a row has the wrong number of cells
 * @example
 * ```ts
 * formatTable(['request', 'got'], [{ cells: ['GET /', '200'], matched: true }], { color: false, emphasize: 1 })
 * ```
 */
export function formatTable(headers: readonly string[], rows: readonly TableRow[], options: TableOptions): string {
  for (const row of rows) {
    if (row.cells.length !== headers.length) throw new TypeError(`"rows" expected ${headers.length} cells per row, got ${row.cells.length}`)
  }
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r.cells[i] as string))))
  const paint = (text: string, style: string): string => (options.color && text !== '' ? `${style}${text}${RESET}` : text)
  const line = (cells: readonly string[], style: (cell: string, column: number) => string): string =>
    cells
      .map((cell, i) => {
        // The last column is not padded: no trailing spaces.
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)
        return style(padded, i)
      })
      .join('  ')
      .trimEnd()
  const out: string[] = []
  out.push(`  ${line(headers, (cell) => paint(cell, BOLD))}`)
  out.push(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`)
  const last = headers.length - 1
  for (const row of rows) {
    const mark = row.matched ? ' ' : paint(DIFFERS_MARK, RED)
    const styled = line(row.cells, (cell, i) => {
      if (!row.matched) return paint(cell, RED)
      if (i === last) return paint(cell, DIM)
      return i === options.emphasize ? paint(cell, GREEN) : cell
    })
    out.push(`${mark} ${styled}`)
  }
  return out.map((l) => `${l}\n`).join('')
}
