/**
 * Size limits applied before and while parsing signature fields, so that a peer cannot make a
 * verifier parse or hash without bound (DESIGN.md, security defaults).
 *
 * @module
 */
import { SignetError } from '../errors.ts'

/** Limits on the signature fields of one message. */
export interface SignatureLimits {
  /** Longest combined field value, in characters (default 16384). */
  readonly maxFieldLength?: number | undefined
  /** Most signatures in one Signature-Input or Signature field (default 16). */
  readonly maxSignatures?: number | undefined
  /** Most covered components in one signature (default 64). */
  readonly maxComponents?: number | undefined
}

/** The defaults of {@link SignatureLimits}. */
export const defaultLimits: Readonly<Required<{ [K in keyof SignatureLimits]: number }>> = {
  maxFieldLength: 16384,
  maxSignatures: 16,
  maxComponents: 64,
}

/** Resolve one limit, checking that an explicit value is a positive integer. */
export function limit(limits: SignatureLimits | undefined, name: keyof SignatureLimits): number {
  // No limits object (the common case) needs no keyed property lookups.
  if (limits === undefined) return defaultLimits[name]
  const value = limits[name]
  if (value === undefined) return defaultLimits[name]
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`"limits.${name}" must be a positive integer`)
  return value
}

/**
 * Join the field lines of a structured field and check the combined length.
 *
 * @throws {SignetError} `ERR_FIELD_TOO_LARGE`.
 */
export function joinFieldValues(fieldName: string, fieldValues: readonly string[], limits?: SignatureLimits): string {
  if (!Array.isArray(fieldValues)) throw new TypeError('"fieldValues" expected an array of strings')
  const max = limit(limits, 'maxFieldLength')
  const joined = fieldValues.length === 1 ? (fieldValues[0] as string) : fieldValues.join(', ')
  if (typeof joined !== 'string') throw new TypeError('"fieldValues" expected an array of strings')
  if (joined.length > max) {
    throw new SignetError('ERR_FIELD_TOO_LARGE', `the ${fieldName} field is ${joined.length} characters, over the limit of ${max}`)
  }
  return joined
}
