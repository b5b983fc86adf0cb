/**
 * Key records on Cloudflare Workers: key material from Workers KV, key state from a Durable
 * Object.
 *
 * Each KV entry is named by its key id and holds one JWK with Signet's members, as one entry of
 * a JWK Set (see jwks.ts: `owner`, `scopes`, `allowIps`, `denyIps`, `notBefore`, `expires`,
 * `label`); its `kid` must equal the entry's name. KV is eventually consistent and read through
 * a cache, so it is trusted only for what may lag: the key itself. Whether the key is revoked or
 * disabled comes, on every verification, from the {@link SignetKeyState} object named after the
 * key id, the single source of truth for state: a revocation written there reaches every
 * isolate at once (the tests measure it), whatever KV still says.
 *
 * Imported keys are kept per isolate for `materialCacheMs`, so the hot path is one KV read now
 * and then and one round trip to the key's state object, made in parallel with the KV read.
 * Both failing closed: a KV or object error is `ERR_STORE_UNAVAILABLE` (503).
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { KeyRecord, KeyResolver, KeyState } from '../key-record.ts'
import { KEY_STATE_PATH } from '../durable-objects/signet-key-state.ts'
import type { KeyStateAnswer } from '../durable-objects/signet-key-state.ts'
import type { DurableObjectNamespaceLike, KVNamespaceLike } from '../durable-objects/types.ts'
import { jwksRecords } from './jwks.ts'

/** Options for {@link workersKvKeys}. */
export interface WorkersKvKeysOptions {
  /** The KV namespace holding one JWK record per key id (`env.SIGNET_KEYS`). */
  readonly kv: KVNamespaceLike
  /** The Durable Object namespace bound to {@link SignetKeyState} (`env.SIGNET_KEY_STATE`). */
  readonly state: DurableObjectNamespaceLike
  /** KV entry names are `${prefix}${keyid}`. Default `''`. */
  readonly prefix?: string
  /** How long an isolate keeps an imported key, ms (state is never cached). Default 60 000. */
  readonly materialCacheMs?: number
  /** Milliseconds before KV or the state object counts as unreachable. Default 1000. */
  readonly timeoutMs?: number
}

/** A resolver over Workers KV and {@link SignetKeyState}. */
export interface WorkersKvKeyResolver extends KeyResolver {
  resolve(keyid: string): Promise<KeyRecord | undefined>
  /** Forget the imported keys this isolate holds (after rotating key material in KV). */
  clear(): void
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`"${name}" expected a non-negative number, got ${String(value)}`)
  return value
}

function stateName(keyid: string): string {
  return `signet-key-state:${keyid}`
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

function checkNamespace(value: unknown, name: string): asserts value is DurableObjectNamespaceLike {
  const ns = value as DurableObjectNamespaceLike | null
  if (typeof ns !== 'object' || ns === null || typeof ns.idFromName !== 'function' || typeof ns.get !== 'function') {
    throw new TypeError(`"${name}" expected a Durable Object namespace binding bound to the SignetKeyState class`)
  }
}

/**
 * A key resolver for Workers: key material from KV, revocations and disables from
 * {@link SignetKeyState}.
 *
 * @param options - the bindings and tuning
 * @returns the resolver
 * @throws {TypeError} when a binding is missing or of the wrong kind
 * @example
 * ```ts
 * const keys = workersKvKeys({ kv: env.SIGNET_KEYS, state: env.SIGNET_KEY_STATE })
 * const verifier = createVerifier({ keys, nonces: new DurableObjectNonceStore(env.SIGNET_NONCES) })
 * ```
 */
export function workersKvKeys(options: WorkersKvKeysOptions): WorkersKvKeyResolver {
  const kv = options?.kv
  if (typeof kv !== 'object' || kv === null || typeof kv.get !== 'function') throw new TypeError('"kv" expected a Workers KV namespace binding')
  checkNamespace(options.state, 'state')
  const stateNs = options.state
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw new TypeError('"prefix" expected a string')
  const materialCacheMs = positive(options.materialCacheMs, 60_000, 'materialCacheMs')
  const timeoutMs = positive(options.timeoutMs, 1000, 'timeoutMs')
  const material = new Map<string, { record: KeyRecord | undefined; at: number }>()

  async function loadMaterial(keyid: string): Promise<KeyRecord | undefined> {
    const hit = material.get(keyid)
    if (hit !== undefined && Date.now() - hit.at < materialCacheMs) return hit.record
    let text: string | null
    try {
      text = await withTimeout(kv.get(prefix + keyid, { type: 'text' }), timeoutMs, 'Workers KV')
    } catch (cause) {
      throw new SignetError('ERR_STORE_UNAVAILABLE', 'the Workers KV key store is unreachable', { cause })
    }
    let record: KeyRecord | undefined
    if (text !== null) {
      let jwk: unknown
      try {
        jwk = JSON.parse(text)
      } catch (cause) {
        throw new SignetError('ERR_KEY_INVALID', `KV entry ${JSON.stringify(keyid)} is not JSON`, { cause })
      }
      if ((jwk as { kid?: unknown } | null)?.kid !== keyid) {
        throw new SignetError('ERR_KEY_INVALID', `KV entry ${JSON.stringify(keyid)} holds a JWK whose "kid" is not the entry's name`)
      }
      record = (await jwksRecords({ keys: [jwk] }, `KV entry ${JSON.stringify(keyid)}`))[0]
    }
    if (materialCacheMs > 0) {
      // Bounded: a flood of unknown key ids must not grow the isolate's memory.
      if (material.size >= 10_000) material.clear()
      material.set(keyid, { record, at: Date.now() })
    }
    return record
  }

  async function loadState(keyid: string): Promise<KeyState | null> {
    try {
      const stub = stateNs.get(stateNs.idFromName(stateName(keyid)) as never)
      const answer = await withTimeout(
        stub.fetch(`https://signet-key-state${KEY_STATE_PATH}`).then(async (response) => {
          if (response.status !== 200) throw new Error(`the key state object answered ${response.status}`)
          return (await response.json()) as KeyStateAnswer
        }),
        timeoutMs,
        'key state object',
      )
      return answer.state
    } catch (cause) {
      throw new SignetError('ERR_STORE_UNAVAILABLE', 'the key state object is unreachable', { cause })
    }
  }

  return {
    async resolve(keyid: string): Promise<KeyRecord | undefined> {
      // Both reads at once: one round trip's latency, not two.
      const [record, state] = await Promise.all([loadMaterial(keyid), loadState(keyid)])
      if (record === undefined) return undefined
      return state === null ? record : { ...record, state }
    },
    clear(): void {
      material.clear()
    },
  }
}

/**
 * Set a key's state in its {@link SignetKeyState} object: `revoked` (final) or `disabled` take
 * effect on every isolate's next verification; `active` re-enables a disabled key.
 *
 * @param namespace - the Durable Object namespace bound to {@link SignetKeyState}
 * @param keyid - the key id
 * @param state - the new state
 * @returns when the object has stored it
 * @throws {TypeError} for a bad namespace, key id or state
 * @throws {SignetError} `ERR_KEY_REVOKED` when re-enabling a revoked key; `ERR_STORE_UNAVAILABLE` when the object fails
 * @example
 * ```ts
 * await setWorkersKeyState(env.SIGNET_KEY_STATE, 'sgn_kid_...', 'revoked')
 * ```
 */
export async function setWorkersKeyState(namespace: DurableObjectNamespaceLike, keyid: string, state: KeyState): Promise<void> {
  checkNamespace(namespace, 'namespace')
  if (typeof keyid !== 'string' || keyid === '') throw new TypeError('"keyid" expected a non-empty string')
  if (state !== 'active' && state !== 'disabled' && state !== 'revoked') throw new TypeError('"state" expected "active", "disabled" or "revoked"')
  let response: Response
  try {
    response = await namespace.get(namespace.idFromName(stateName(keyid)) as never).fetch(`https://signet-key-state${KEY_STATE_PATH}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state }),
    })
  } catch (cause) {
    throw new SignetError('ERR_STORE_UNAVAILABLE', 'the key state object is unreachable', { cause })
  }
  if (response.status === 409) throw new SignetError('ERR_KEY_REVOKED', `key ${JSON.stringify(keyid)} is revoked; revocation is final`)
  if (response.status !== 200) throw new SignetError('ERR_STORE_UNAVAILABLE', `the key state object answered ${response.status}`)
}
