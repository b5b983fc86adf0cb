/**
 * Re-signing a request that already carries signatures (a retry meeting `Accept-Signature`, a
 * redirect on the same origin, a request signed before): the members of other labels are kept,
 * the one under the label about to be signed is dropped (RFC 9421 section 4.1: labels are unique
 * within a message).
 *
 * Reading the fields takes core's structured-field parser: this module is loaded through
 * `import()` (signer.ts) with the first request that has either field, so a bundle that signs
 * fresh requests downloads neither.
 *
 * @module
 */
import { parseSignatureField, parseSignatureInput, toBase64 } from '@signet/core'
import type { KeptFields } from './description.ts'

/** The `Signature-Input` and `Signature` members of other labels that a re-signed request keeps. */
export type KeptMembers = KeptFields

/**
 * The members of `Signature-Input` and `Signature` not named `label`, so a re-signed request (a
 * retry) carries one current signature under that label, not a stale one beside it (RFC 9421
 * section 4.1: labels are unique within a message).
 *
 * @param input - the outgoing `Signature-Input` value, or null.
 * @param signature - the outgoing `Signature` value, or null.
 * @param label - the label about to be signed.
 * @returns (a promise of) undefined when neither field is present; otherwise the values to keep (undefined
 * for a field left with no member). Unparseable fields on an outgoing request can only be
 * stale or broken and are dropped.
 */
export async function keptMembers(input: string | null | undefined, signature: string | null | undefined, label: string): Promise<KeptMembers | undefined> {
  if (input == null && signature == null) return undefined
  try {
    const inputs = parseSignatureInput(input == null ? [] : [input])
    const signatures = parseSignatureField(signature == null ? [] : [signature])
    const keptInputs = [...inputs].filter(([l]) => l !== label).map(([l, m]) => `${l}=${m.serialized}`)
    const keptSignatures = [...signatures].filter(([l]) => l !== label).map(([l, b]) => `${l}=:${toBase64(b)}:`)
    return {
      input: keptInputs.length > 0 ? keptInputs.join(', ') : undefined,
      signature: keptSignatures.length > 0 ? keptSignatures.join(', ') : undefined,
    }
  } catch {
    return { input: undefined, signature: undefined }
  }
}

/**
 * Remove the members named `label` from `Signature-Input` and `Signature` of `headers`, in
 * place (see {@link keptMembers}).
 *
 * @param headers - the outgoing headers, modified.
 * @param label - the label about to be signed.
 */
export async function removeSignatureMember(headers: Headers, label: string): Promise<void> {
  const kept = await keptMembers(headers.get('signature-input'), headers.get('signature'), label)
  if (kept === undefined) return
  headers.delete('signature-input')
  headers.delete('signature')
  if (kept.input !== undefined) headers.set('signature-input', kept.input)
  if (kept.signature !== undefined) headers.set('signature', kept.signature)
}
