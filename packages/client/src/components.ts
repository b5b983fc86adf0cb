/**
 * Which components a request signature covers, checked when the signer is created.
 *
 * Defaults follow DESIGN.md and RFC 9421 section 7.2.1 (cover what an attacker could change to
 * alter the meaning of the request): `@method`, `@target-uri`, `content-digest` when there is a
 * body (RFC 9421 section 7.2.8: the signature covers the body only through a digest), and
 * `content-type` when present.
 *
 * @module
 */
import { componentKey, SignetError, serializeComponentIdentifier, toComponentIdentifier } from '@signet/core'
import type { ComponentIdentifier } from '@signet/core'

// RFC 9421 section 2.2: the derived components a request can carry. `@status` belongs to
// responses and `@signature-params` is never listed (section 2.3).
const REQUEST_DERIVED = new Set([
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
  '@query-param',
])

/** A component as the caller may give it: the identifier text or a parsed identifier. */
export type ComponentInput = string | ComponentIdentifier

/**
 * Parse and check a caller's component list.
 *
 * @param list - the `components` option.
 * @param option - the option name for messages.
 * @returns parsed identifiers in the given order.
 * @throws {TypeError} naming the option when it is not an array of strings or identifiers.
 * @throws {SignetError} `ERR_UNKNOWN_COMPONENT` for a derived component RFC 9421 does not define,
 * `ERR_INVALID_COMPONENT` for one a request cannot carry, `ERR_DUPLICATE_COMPONENT` for a repeat
 * (RFC 9421 section 2.5), or the parser's code for malformed text.
 */
export function checkComponents(list: unknown, option = 'components'): ComponentIdentifier[] {
  if (!Array.isArray(list)) throw new TypeError(`"${option}" must be an array of component identifiers`)
  const out: ComponentIdentifier[] = []
  const seen = new Set<string>()
  for (const item of list as unknown[]) {
    let id: ComponentIdentifier
    if (typeof item === 'string') {
      id = toComponentIdentifier(item)
    } else if (typeof item === 'object' && item !== null && typeof (item as ComponentIdentifier).name === 'string') {
      id = item as ComponentIdentifier
    } else {
      throw new TypeError(`"${option}" must contain strings or component identifiers`)
    }
    checkRequestComponent(id)
    const key = componentKey(id)
    if (seen.has(key)) throw new SignetError('ERR_DUPLICATE_COMPONENT', `component ${key} is listed twice`)
    seen.add(key)
    out.push(id)
  }
  return out
}

/**
 * The identifiers in RFC 9421 syntax, as one reusable array (core parses a string list once per
 * array object, so a signer passing the same array on every request pays the parse once).
 */
export function serializeComponents(ids: readonly ComponentIdentifier[]): readonly string[] {
  return ids.map(serializeComponentIdentifier)
}

/**
 * Refuse a component a request signature cannot cover.
 *
 * @throws {SignetError} `ERR_UNKNOWN_COMPONENT` or `ERR_INVALID_COMPONENT`.
 */
export function checkRequestComponent(id: ComponentIdentifier): void {
  // `;req` names a component of the related request, which only a response signature has.
  if (id.params.has('req')) {
    throw new SignetError('ERR_INVALID_COMPONENT', `component "${id.name}" with ;req cannot be covered by a request signature`)
  }
  if (!id.name.startsWith('@')) return
  if (id.name === '@status' || id.name === '@signature-params') {
    throw new SignetError('ERR_INVALID_COMPONENT', `component "${id.name}" cannot be covered by a request signature`)
  }
  if (!REQUEST_DERIVED.has(id.name)) {
    throw new SignetError('ERR_UNKNOWN_COMPONENT', `unknown derived component ${JSON.stringify(id.name.slice(0, 64))}`)
  }
}

/**
 * The default covered components for one request.
 *
 * @param hasDigest - whether the request carries a Content-Digest the signer computed.
 * @param hasContentType - whether the request has a Content-Type.
 */
export function defaultComponents(hasDigest: boolean, hasContentType: boolean): readonly string[] {
  // The same array objects every time: core caches a parsed component list per array.
  return DEFAULTS[(hasDigest ? 2 : 0) + (hasContentType ? 1 : 0)] as readonly string[]
}

const DEFAULTS: readonly (readonly string[])[] = [
  ['@method', '@target-uri'],
  ['@method', '@target-uri', 'content-type'],
  ['@method', '@target-uri', 'content-digest'],
  ['@method', '@target-uri', 'content-digest', 'content-type'],
]
