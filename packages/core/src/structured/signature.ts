/**
 * The Signature field (RFC 9421 section 4.2): a dictionary of byte sequences, one per label.
 *
 * @module
 */
import type { Dictionary } from 'structured-headers'
import { toBase64 } from '../bytes.ts'
import { SignetError } from '../errors.ts'
import { byteSequence } from './dictionary.ts'
import type { SignatureLimits } from './limits.ts'
import { assertLabel, parseSignatureDictionary } from './signature-input.ts'

/**
 * Parse the Signature field.
 *
 * @param fieldValues - every Signature field line, in order.
 * @returns Signature bytes by label.
 * @throws {SignetError} `ERR_MALFORMED_FIELD` when a member is not a byte sequence,
 *   `ERR_FIELD_TOO_LARGE`, `ERR_TOO_MANY_SIGNATURES`.
 * @example parseSignatureField(['sig1=:AAEC:']).get('sig1') // Uint8Array [0, 1, 2]
 */
export function parseSignatureField(fieldValues: readonly string[], limits?: SignatureLimits): Map<string, Uint8Array> {
  const dict = parseSignatureMembers(fieldValues, limits)
  const out = new Map<string, Uint8Array>()
  for (const entry of dict) out.set(entry[0], byteSequence(entry[1][0]) as Uint8Array)
  return out
}

/**
 * The Signature dictionary, every member checked to be a byte sequence (read it with
 * `byteSequence`): {@link parseSignatureField} without the second map, for `parseSignatures`.
 *
 * @internal
 * @throws {SignetError} as {@link parseSignatureField}.
 */
export function parseSignatureMembers(fieldValues: readonly string[], limits?: SignatureLimits): Dictionary {
  const dict = parseSignatureDictionary('Signature', fieldValues, limits)
  for (const entry of dict) {
    if (byteSequence(entry[1][0]) === undefined) {
      throw new SignetError('ERR_MALFORMED_FIELD', `Signature member ${JSON.stringify(entry[0])} is not a byte sequence (RFC 9421 section 4.2)`)
    }
  }
  return dict
}

/**
 * Serialize one Signature member, `label=:base64:`.
 *
 * @example serializeSignatureMember('sig1', new Uint8Array([0, 1, 2])) // 'sig1=:AAEC:'
 */
export function serializeSignatureMember(label: string, signature: Uint8Array): string {
  assertLabel(label)
  return label + '=:' + toBase64(signature) + ':'
}
