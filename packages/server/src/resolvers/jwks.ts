/**
 * A JWK Set as a key source (RFC 7517 section 5).
 *
 * Each key needs a `kid`, the `keyid` signers put in their signatures. Besides the JWK members,
 * Signet reads a few of its own from each key (CLI.md "Keys"): `owner` (string) and `scopes`
 * (array of strings) are carried into the verified identity; `allowIps`, `denyIps` (arrays of
 * addresses or CIDR ranges), `notBefore`, `expires` (unix seconds) and `state` work as on a
 * {@link KeyRecord}. Those members are removed before the JWK is imported.
 *
 * Parsing takes the file's text, so this module has no I/O and runs on every runtime;
 * `loadJwksFile` is the Node convenience on top.
 *
 * @module
 */
import { SignetError, importKey } from '@signet/core/verifying'
import type { KeyRecord, KeyState } from '../key-record.ts'
import { parseIpRange } from '../ip-rules.ts'
import { memoryKeys } from './memory.ts'
import type { MemoryKeyResolver } from './memory.ts'

/** A JWK Set as parsed from JSON. */
export interface JsonWebKeySet {
  readonly keys: readonly JsonWebKey[]
}

const SIGNET_MEMBERS = ['owner', 'scopes', 'allowIps', 'denyIps', 'notBefore', 'expires', 'state', 'label'] as const

function invalid(message: string, cause?: unknown): SignetError {
  return new SignetError('ERR_KEY_INVALID', message, cause === undefined ? undefined : { cause })
}

function stringList(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`${where} expected an array of strings`)
  return value as string[]
}

function unixSeconds(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${where} expected unix seconds`)
  return value
}

/**
 * Import every key of a JWK Set into key records. Every refusal names the set (`source`), the
 * key's index and its `kid`, so an operator finds the entry to fix: `JWKS key 1 (kid "k2"): ...`.
 *
 * @param jwks - the parsed set.
 * @param source - how messages name the set (default `JWKS`; a CLI passes `JWKS "keys.json"`).
 * @returns one record per key, in order.
 * @throws {SignetError} `ERR_KEY_INVALID` for a set without `keys`, a key without `kid`, a repeated
 * `kid`, or a malformed Signet member; the importer's own code for a key it cannot use.
 * @example
 * ```ts
 * const records = await jwksRecords({ keys: [{ kty: 'oct', kid: 'k1', k: '...', owner: 'acme' }] })
 * ```
 */
export async function jwksRecords(jwks: unknown, source = 'JWKS'): Promise<KeyRecord[]> {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw invalid(`${source} is not an object with a "keys" array`)
  }
  const keys = (jwks as { keys: unknown[] }).keys
  const seen = new Map<string, number>()
  const records: KeyRecord[] = []
  for (let i = 0; i < keys.length; i++) {
    const entry = keys[i]
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalid(`${source} key ${i}: is not an object`)
    const member = entry as Record<string, unknown>
    const kid = member['kid']
    if (typeof kid !== 'string' || kid === '') throw invalid(`${source} key ${i}: has no "kid"`)
    const where = `${source} key ${i} (kid ${JSON.stringify(kid)}):`
    const earlier = seen.get(kid)
    if (earlier !== undefined) throw invalid(`${where} the kid is also used by key ${earlier}`)
    seen.set(kid, i)
    const jwk: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(member)) if (!(SIGNET_MEMBERS as readonly string[]).includes(name)) jwk[name] = value
    const owner = member['owner']
    if (owner !== undefined && typeof owner !== 'string') throw invalid(`${where} "owner" expected a string`)
    const label = member['label']
    if (label !== undefined && typeof label !== 'string') throw invalid(`${where} "label" expected a string`)
    const state = member['state']
    if (state !== undefined && state !== 'active' && state !== 'disabled' && state !== 'revoked') {
      throw invalid(`${where} "state" expected "active", "disabled" or "revoked"`)
    }
    const allowIps = stringList(member['allowIps'], `${where} "allowIps"`)
    const denyIps = stringList(member['denyIps'], `${where} "denyIps"`)
    for (const rule of [...(allowIps ?? []), ...(denyIps ?? [])]) {
      try {
        parseIpRange(rule)
      } catch (cause) {
        throw invalid(`${where} has an invalid IP rule ${JSON.stringify(rule)}`, cause)
      }
    }
    let key: KeyRecord['key']
    try {
      key = await importKey(jwk as Parameters<typeof importKey>[0], { kid })
    } catch (error) {
      // The importer's code stays; its message gains the key's place in the set.
      if (!(error instanceof SignetError)) throw error
      throw new SignetError(error.code, `${where} ${error.message}`, { cause: error })
    }
    records.push({
      id: kid,
      key,
      owner: owner as string | undefined,
      scopes: stringList(member['scopes'], `${where} "scopes"`),
      allowIps,
      denyIps,
      notBefore: unixSeconds(member['notBefore'], `${where} "notBefore"`),
      expires: unixSeconds(member['expires'], `${where} "expires"`),
      state: state as KeyState | undefined,
      label: label as string | undefined,
    })
  }
  return records
}

/**
 * A resolver over a JWK Set object.
 *
 * @param source - how messages name the set (see {@link jwksRecords}).
 * @throws {SignetError} as {@link jwksRecords}.
 * @example const keys = await jwksKeys(JSON.parse(text))
 */
export async function jwksKeys(jwks: unknown, source?: string): Promise<MemoryKeyResolver> {
  return memoryKeys(await jwksRecords(jwks, source))
}

/**
 * A resolver over the text of a JWKS file.
 *
 * @param source - how messages name the set (see {@link jwksRecords}).
 * @throws {SignetError} `ERR_KEY_INVALID` when the text is not JSON, or as {@link jwksRecords}.
 */
export async function parseJwks(text: string | Uint8Array, source = 'JWKS'): Promise<MemoryKeyResolver> {
  const json = typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: false }).decode(text)
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (cause) {
    throw invalid(`${source} is not valid JSON`, cause)
  }
  return jwksKeys(parsed, source)
}

/**
 * Read and parse a JWKS file (Node, Deno and Bun: through `process.getBuiltinModule`).
 *
 * @throws {SignetError} `ERR_IO` when the file cannot be read, otherwise as {@link parseJwks}.
 * @example const keys = await loadJwksFile('./keys.jwks.json')
 */
export async function loadJwksFile(path: string): Promise<MemoryKeyResolver> {
  if (typeof path !== 'string' || path === '') throw new TypeError('"path" expected a file path')
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule
  if (typeof getBuiltin !== 'function') throw new SignetError('ERR_IO', 'reading files needs a runtime with node:fs')
  const fs = getBuiltin('node:fs') as { promises: { readFile(path: string): Promise<Uint8Array> } }
  let bytes: Uint8Array
  try {
    bytes = await fs.promises.readFile(path)
  } catch (cause) {
    const reason = (cause as { code?: unknown }).code
    throw new SignetError('ERR_IO', `cannot read JWKS file ${JSON.stringify(path)}${typeof reason === 'string' ? ` (${reason})` : ''}`, { cause })
  }
  return parseJwks(bytes, `JWKS file ${JSON.stringify(path)}`)
}
