/**
 * HTTP field components (RFC 9421 section 2.1) and their parameters: `sf` (2.1.1), `key`
 * (2.1.2), `bs` (2.1.3), `tr` (2.1.4) and `req` (2.4, resolved by the caller).
 *
 * The plain value is every field line of that name, in order, each trimmed of leading and
 * trailing whitespace with obs-fold replaced by one space (the message builders already did
 * both), joined with `", "`. `bs` wraps each field line separately as a byte sequence, so that
 * line boundaries survive; `sf` and `key` re-serialize strictly through `structured-headers`.
 *
 * @module
 */
import {
  isInnerList,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  serializeList,
} from 'structured-headers'
import { toBase64 } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import type { FieldLine, HttpMessage } from '../message.ts'
import { registeredFieldTypes, type StructuredFieldType } from '../structured/field-types.ts'
import type { ComponentIdentifier } from './component-identifier.ts'

/** Options of field components. */
export interface FieldOptions {
  /** Structured types of fields that have no registered type (RFC 9421 section 2.1.1). */
  readonly fieldTypes?: Readonly<Record<string, StructuredFieldType>> | undefined
}

const FLAGS = new Set(['sf', 'bs', 'req', 'tr'])

function invalid(message: string): SignetError {
  return new SignetError('ERR_INVALID_COMPONENT', message)
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09
}

/** Trim SP and HTAB only: `String#trim` would also eat obs-text bytes such as 0xA0. */
function trimOws(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && isOws(value.charCodeAt(start))) start++
  while (end > start && isOws(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/** The bytes of a field value: field values carry one byte per character (latin-1). */
function latin1Bytes(value: string): Uint8Array {
  const out = new Uint8Array(value.length)
  for (let i = 0; i < value.length; i++) out[i] = value.charCodeAt(i) & 0xff
  return out
}

function structuredType(name: string, options: FieldOptions | undefined): StructuredFieldType {
  const declared = options?.fieldTypes?.[name]
  const type = declared ?? registeredFieldTypes.get(name)
  if (type === undefined) {
    throw invalid(`the structured type of ${JSON.stringify(name)} is unknown; declare it with fieldTypes (RFC 9421 section 2.1.1)`)
  }
  if (type !== 'item' && type !== 'list' && type !== 'dictionary') throw new TypeError(`"fieldTypes.${name}" must be item, list or dictionary`)
  return type
}

function malformed(name: string, cause: unknown): SignetError {
  return new SignetError('ERR_MALFORMED_FIELD', `the ${JSON.stringify(name)} field is not a valid structured field`, { cause })
}

const strict: Readonly<Record<StructuredFieldType, (value: string) => string>> = {
  item: (v) => serializeItem(parseItem(v)),
  list: (v) => serializeList(parseList(v)),
  dictionary: (v) => serializeDictionary(parseDictionary(v)),
}

/**
 * Component value of an HTTP field, with its parameters applied.
 *
 * @param message - the message that holds the field (the related request for `;req`).
 * @throws {SignetError} `ERR_MISSING_COMPONENT` when the field or dictionary key is absent,
 *   `ERR_INVALID_COMPONENT` for unknown or incompatible parameters or an undeclared `;sf`
 *   type, `ERR_MALFORMED_FIELD` when `;sf`/`;key` cannot parse the value.
 */
export function fieldValue(message: HttpMessage, id: ComponentIdentifier, options?: FieldOptions): string {
  let sf = false
  let bs = false
  let tr = false
  let key: string | undefined
  if (id.params.size !== 0) {
    for (const [param, value] of id.params) {
      if (param === 'key') {
        if (typeof value !== 'string') throw invalid('the "key" parameter is a string (RFC 9421 section 2.1.2)')
        key = value
      } else if (FLAGS.has(param)) {
        if (value !== true) throw invalid(`the ${JSON.stringify(param)} parameter is a bare flag`)
        if (param === 'sf') sf = true
        else if (param === 'bs') bs = true
        else if (param === 'tr') tr = true
      } else {
        throw invalid(`unknown field component parameter ${JSON.stringify(param.slice(0, 32))}`)
      }
    }
    if (bs && (sf || key !== undefined)) throw invalid('"bs" cannot be combined with "sf" or "key" (RFC 9421 section 2.1.3)')
  }

  const lines: readonly FieldLine[] = tr ? message.trailers : message.fields
  const name = id.name
  let joined: string | undefined
  let wrapped: string | undefined
  for (const line of lines) {
    if (line.name !== name) continue
    const v = trimOws(line.value)
    if (bs) {
      const item = ':' + toBase64(latin1Bytes(v)) + ':'
      wrapped = wrapped === undefined ? item : wrapped + ', ' + item
    } else {
      joined = joined === undefined ? v : joined + ', ' + v
    }
  }
  if (bs) {
    if (wrapped === undefined) throw missing(name, tr)
    return wrapped
  }
  if (joined === undefined) throw missing(name, tr)
  if (key !== undefined) {
    let dict
    try {
      dict = parseDictionary(joined)
    } catch (err) {
      throw malformed(name, err)
    }
    const member = dict.get(key)
    if (member === undefined) {
      throw new SignetError('ERR_MISSING_COMPONENT', `the ${JSON.stringify(name)} dictionary has no key ${JSON.stringify(key.slice(0, 64))}`)
    }
    return isInnerList(member) ? serializeInnerList(member) : serializeItem(member)
  }
  if (sf) {
    const type = structuredType(name, options)
    try {
      return strict[type](joined)
    } catch (err) {
      throw malformed(name, err)
    }
  }
  return joined
}

function missing(name: string, trailer: boolean): SignetError {
  return new SignetError('ERR_MISSING_COMPONENT', `the message has no ${JSON.stringify(name)} ${trailer ? 'trailer' : 'field'}`)
}
