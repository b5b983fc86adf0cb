/**
 * Header collections of Node HTTP clients as one record, for the signer's description path:
 * undici takes a record, a flat array `[name, value, ...]` or an iterable of pairs; axios an
 * `AxiosHeaders` (read through its `toJSON`). Numbers and booleans become strings, as those
 * clients send them; a repeated name becomes one array (one field, combined).
 *
 * @module
 */
import type { HeaderRecord } from './description.ts'

/**
 * Read a client's header collection into a record.
 *
 * @param headers - a record, a flat array, an iterable of pairs, or an object with `toJSON`.
 * @returns a new record; `undefined` and `null` values are left out.
 * @throws {TypeError} for anything else.
 * @example headerRecord(['accept', 'text/plain', 'x-n', 1]) // { accept: 'text/plain', 'x-n': '1' }
 */
export function headerRecord(headers: unknown): HeaderRecord {
  const out: HeaderRecord = {}
  const add = (name: unknown, value: unknown): void => {
    if (value === undefined || value === null) return
    const text = Array.isArray(value) ? value.map(String) : String(value)
    const key = String(name)
    const before = out[key]
    out[key] = before === undefined ? text : [before, text].flat()
  }
  if (headers === undefined || headers === null) return out
  if (Array.isArray(headers) && (headers.length === 0 || typeof headers[0] !== 'object')) {
    for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1])
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<[unknown, unknown]>) add(pair[0], pair[1])
  } else if (typeof headers === 'object') {
    const plain = typeof (headers as { toJSON?: unknown }).toJSON === 'function' ? (headers as { toJSON(): unknown }).toJSON() : headers
    for (const [name, value] of Object.entries(plain as object)) add(name, value)
  } else throw new TypeError('"headers" must be a record, a flat array or an iterable of pairs')
  return out
}
