/**
 * Durations as people type them: `90d`, `12h`, `30m`, `45s`, `2w`.
 *
 * @module
 */
import { SignetError } from '@signet/core'

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/**
 * Parse a duration into seconds.
 *
 * @param text - a positive whole number followed by `s`, `m`, `h`, `d` or `w`
 * @param option - the option name, for the message
 * @returns the duration in seconds (at least 1)
 * @throws {SignetError} `ERR_USAGE` for anything else (zero, negative, fractional, no unit)
 * @example parseDuration('90d') // 7776000
 */
export function parseDuration(text: string, option = 'duration'): number {
  const match = /^([0-9]{1,9})([smhdw])$/.exec(text.trim())
  const seconds = match === null ? 0 : Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number)
  if (seconds <= 0) {
    throw new SignetError('ERR_USAGE', `--${option} expects a positive duration like 90d, 12h or 30m, got ${JSON.stringify(text.slice(0, 40))}`)
  }
  return seconds
}
