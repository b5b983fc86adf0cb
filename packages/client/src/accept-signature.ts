/**
 * Meeting a server's `Accept-Signature` (RFC 9421 section 5.1).
 *
 * Each member of the field asks for one signature: its label, the exact list of covered
 * components, and parameters, where `keyid`, `alg` and `tag` carry required values and
 * `created`, `expires` and `nonce` ask for the parameter to be present. The client meets the
 * first member its key can satisfy: a required `alg` must be the key's algorithm and a
 * required `keyid` the signer's key id (section 5.1: the signer must not use another key than
 * the one it holds; it never switches keys because a server asked).
 *
 * A 401 carries `Accept-Signature` whatever its cause, but meeting it only helps when the
 * signature was refused for its shape: absent, covering too little, wrong label, tag or
 * algorithm. A revoked, expired, disabled or unknown key, or an address refused, fails the same
 * way however the request is signed, so those answers are final and cost no second request.
 *
 * @module
 */
import { parseAcceptSignature } from '@signet/core'
import type { SignetErrorCode, SignetKey } from '@signet/core'
import { checkRequestComponent } from './components.ts'
import type { SignOverrides } from './signer.ts'


// Validity used when a server asks for `expires` and the signer has none configured.
const DEFAULT_REQUESTED_VALIDITY_SECONDS = 300

/**
 * Work out the signature a server asked for, if this key can make it.
 *
 * @param fieldValue - the `Accept-Signature` field value(s).
 * @param key - the signer's key.
 * @param keyId - the signer's key id.
 * @param expiresSeconds - the signer's configured validity, used when `expires` is requested.
 * @returns the per-call overrides to sign with, or undefined when no member can be met or the
 * field is malformed.
 * @example
 * ```ts
 * const met = meetAcceptSignature(response.headers.get('accept-signature')!, await signer.key(), await signer.keyId())
 * if (met) retry = await signer.sign(request, met)
 * ```
 */
export function meetAcceptSignature(
  fieldValue: string,
  key: SignetKey,
  keyId: string,
  expiresSeconds?: number,
): SignOverrides | undefined {
  let requested: ReturnType<typeof parseAcceptSignature>
  try {
    requested = parseAcceptSignature([fieldValue])
  } catch {
    return undefined
  }
  for (const [label, member] of requested) {
    const params = member.params as Record<string, unknown>
    // A value is a requirement; a bare flag (`true`) only asks for the parameter.
    if (typeof params.alg === 'string' && params.alg !== key.algorithm.name) continue
    if (typeof params.keyid === 'string' && params.keyid !== keyId) continue
    try {
      for (const component of member.components) checkRequestComponent(component)
    } catch {
      continue
    }
    const overrides: {
      -readonly [K in keyof SignOverrides]: SignOverrides[K]
    } = { label, components: member.components, created: true, keyid: true }
    if (typeof params.tag === 'string') overrides.tag = params.tag
    if (params.alg !== undefined) overrides.alg = true
    if (params.nonce !== undefined) overrides.nonce = true
    if (params.expires !== undefined) overrides.expires = expiresSeconds ?? DEFAULT_REQUESTED_VALIDITY_SECONDS
    return overrides
  }
  return undefined
}
