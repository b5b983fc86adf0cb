/**
 * Signature parameters (RFC 9421 section 2.3): `created`, `expires`, `nonce`, `alg`, `keyid`,
 * `tag`, and whatever else a signer added. Known parameters are type-checked; unknown ones are
 * kept, because on verify they are part of `@signature-params`.
 *
 * @module
 */
import { DisplayString, Token, type BareItem, type Parameters } from 'structured-headers'
import { toBase64 } from '../bytes.ts'
import { SignetError } from '../errors.ts'

/** The parameters of one signature. Unknown parameters appear under their own names. */
export interface SignatureParams {
  readonly created?: number | undefined
  readonly expires?: number | undefined
  readonly nonce?: string | undefined
  readonly alg?: string | undefined
  readonly keyid?: string | undefined
  readonly tag?: string | undefined
  readonly [other: string]: string | number | boolean | undefined
}


/** A bare item as a plain value: tokens and display strings as strings, bytes as base64, dates as unix seconds. */
function plainValue(value: BareItem): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (value instanceof Token || value instanceof DisplayString) return value.toString()
  if (value instanceof Date) return Math.floor(value.getTime() / 1000)
  if (value instanceof ArrayBuffer) return toBase64(new Uint8Array(value))
  if (ArrayBuffer.isView(value)) return toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  return String(value)
}

/**
 * Convert parsed parameters, type-checking the ones RFC 9421 defines.
 *
 * @param allowFlags - Accept-Signature may carry a parameter without a value (`created` as a
 *   request to add it, RFC 9421 section 5.1); Signature-Input may not.
 * @throws {SignetError} `ERR_INVALID_PARAMETER`.
 */
export function signatureParamsFromStructured(params: Parameters, allowFlags = false): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const [name, value] of params) {
    if (allowFlags && value === true) {
      out[name] = true
      continue
    }
    // RFC 9421 section 2.3: created and expires are integers; nonce, alg, keyid and tag strings.
    switch (name) {
      case 'created':
      case 'expires':
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          throw new SignetError('ERR_INVALID_PARAMETER', `the "${name}" parameter must be an integer (RFC 9421 section 2.3)`)
        }
        out[name] = value
        continue
      case 'nonce':
      case 'alg':
      case 'keyid':
      case 'tag':
        if (typeof value !== 'string') {
          throw new SignetError('ERR_INVALID_PARAMETER', `the "${name}" parameter must be a string (RFC 9421 section 2.3)`)
        }
        out[name] = value
        continue
    }
    out[name] = plainValue(value)
  }
  return out
}
