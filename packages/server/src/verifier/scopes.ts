/**
 * Stage: the scopes the route needs (403 `ERR_SCOPE_DENIED`); the key must have every one.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'

/**
 * Refuse a key that lacks a scope the route requires.
 *
 * @param scopes - the key record's scopes.
 * @param required - the route's scopes, or undefined for none.
 * @throws {SignetError} `ERR_SCOPE_DENIED`.
 */
export function checkScopes(scopes: readonly string[], required: readonly string[] | undefined): void {
  if (required === undefined) return
  for (const scope of required) {
    if (!scopes.includes(scope)) throw new SignetError('ERR_SCOPE_DENIED', `the key lacks the scope ${JSON.stringify(scope)}`)
  }
}
