/**
 * `chainKeys`: several key resolvers asked in order, the first that knows the key id answers
 * (DESIGN.md "Key resolvers compose"). One verifier can then serve API keys from a JWKS or a
 * registry and Web Bot Auth agents from their directories.
 *
 * A resolver that throws stops the chain: a store outage must fail closed rather than fall
 * through to a resolver that might know a different key under the same id.
 *
 * @module
 */
import type { KeyResolveContext } from '@signet/core'
import type { KeyRecord, KeyResolver } from '../key-record.ts'

function isResolver(value: unknown): value is KeyResolver {
  return typeof value === 'object' && value !== null && typeof (value as KeyResolver).resolve === 'function'
}

/**
 * Chain key resolvers.
 *
 * @param resolvers - asked in order; each gets the key id and the signature's context.
 * @returns a resolver answering with the first record found.
 * @throws {TypeError} when an argument is not a resolver.
 * @example
 * ```ts
 * const keys = chainKeys(jwksKeys(apiKeys), directoryKeys())
 * ```
 */
export function chainKeys(...resolvers: KeyResolver[]): KeyResolver {
  resolvers.forEach((resolver, i) => {
    if (!isResolver(resolver)) throw new TypeError(`"resolvers[${i}]" expected a key resolver`)
  })
  const list = resolvers.slice()
  async function from(index: number, keyid: string, context: KeyResolveContext | undefined): Promise<KeyRecord | undefined> {
    for (let i = index; i < list.length; i++) {
      const found = await (list[i] as KeyResolver).resolve(keyid, context)
      if (found !== undefined && found !== null) return found
    }
    return undefined
  }
  return {
    resolve(keyid: string, context?: KeyResolveContext): Promise<KeyRecord | undefined> {
      return from(0, keyid, context)
    },
  }
}
