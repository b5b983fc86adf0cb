/**
 * Opening a registry from a command-line spec: `redis://H:P` (or `rediss://`), or a file path.
 *
 * The master key comes from `SIGNET_MASTER_KEY` (32 bytes, base64url) or a key file; it is
 * never read from, or written beside, the registry itself.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { SignetError } from '@signet/core'
import { parseMasterKey } from './envelope.ts'
import { openRegistry } from './registry.ts'
import type { Registry, RegistryOptions, RegistryResolver, ResolvedKey } from './registry.ts'
import { FileStore } from './stores/file.ts'
import type { FileStoreOptions } from './stores/file.ts'
import { connectRedisStore } from './stores/redis.ts'
import { isRedisUrl } from './stores/redis-connection.ts'
import type { RedisStoreOptions } from './stores/redis.ts'
import type { RegistryStore } from './stores/store.ts'
import type { VerificationEvent } from './usage.ts'

/** Where a registry lives and how to unlock it. */
export interface OpenRegistrySpecOptions {
  /** Environment (for `SIGNET_MASTER_KEY`); default none. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** A file holding the master key in base64url; wins over the environment. */
  readonly masterKeyFile?: string
  /** Base directory for relative paths (default `process.cwd()`). */
  readonly cwd?: string
  /** Audit actor. */
  readonly actor?: string
  /** Passed to the store. */
  readonly file?: FileStoreOptions
  readonly redis?: Omit<RedisStoreOptions, 'url'>
  /** Passed to the registry. */
  readonly registry?: Omit<RegistryOptions, 'store' | 'masterKey' | 'actor'>
  /** Refuse a registry file that does not exist yet (instead of creating it on first write). */
  readonly mustExist?: boolean
}

/** True when `spec` names a Redis registry (one node, a cluster or Sentinel: see redis-connection.ts). */
export function isRedisSpec(spec: string): boolean {
  return isRedisUrl(spec)
}

/**
 * Read the master key from `masterKeyFile`, else `env.SIGNET_MASTER_KEY`.
 *
 * @throws {SignetError} `ERR_MASTER_KEY` when neither is set or the value is not 32 bytes of
 *   base64url; `ERR_IO` when the file cannot be read
 */
export async function loadMasterKey(options: { env?: Readonly<Record<string, string | undefined>>; masterKeyFile?: string; cwd?: string }): Promise<Uint8Array> {
  if (options.masterKeyFile !== undefined) {
    const path = isAbsolute(options.masterKeyFile) ? options.masterKeyFile : resolve(options.cwd ?? process.cwd(), options.masterKeyFile)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (cause) {
      throw new SignetError('ERR_IO', `cannot read the master key file ${JSON.stringify(options.masterKeyFile)}`, { cause })
    }
    return parseMasterKey(text)
  }
  const value = options.env?.['SIGNET_MASTER_KEY']
  if (value === undefined || value === '') {
    throw new SignetError('ERR_MASTER_KEY', 'no master key: set SIGNET_MASTER_KEY (32 bytes, base64url) or pass --master-key-file')
  }
  return parseMasterKey(value)
}

/**
 * Open the registry named by `spec`.
 *
 * @param spec - `redis://host:port[/db]`, `rediss://...`, `redis://h1:p1,h2:p2,...` (a cluster),
 *   `redis+sentinel://h:p/NAME`, or a file path (created on first write)
 * @param options - master key source, base directory, store tuning
 * @returns the open registry
 * @throws {SignetError} `ERR_MASTER_KEY`, `ERR_REGISTRY_CORRUPT`, `ERR_STORE_UNAVAILABLE`, `ERR_IO`
 * @example
 * ```ts
 * const registry = await openRegistryFromSpec('keys.signet', { env: process.env })
 * ```
 */
export async function openRegistryFromSpec(spec: string, options: OpenRegistrySpecOptions = {}): Promise<Registry> {
  if (typeof spec !== 'string' || spec === '') throw new SignetError('ERR_USAGE', 'the registry must be a file path or redis://host:port')
  const masterKey = await loadMasterKey(options)
  let store: RegistryStore
  if (isRedisSpec(spec)) {
    store = await connectRedisStore({ ...options.redis, url: spec })
  } else {
    const path = isAbsolute(spec) ? spec : resolve(options.cwd ?? process.cwd(), spec)
    if (options.mustExist === true) {
      try {
        await stat(path)
      } catch (cause) {
        throw new SignetError('ERR_IO', `no registry file at ${JSON.stringify(spec)} (signet keys create makes one)`, { cause })
      }
    }
    store = new FileStore(path, options.file)
  }
  try {
    return await openRegistry({ ...options.registry, store, masterKey, ...(options.actor === undefined ? {} : { actor: options.actor }) })
  } catch (err) {
    await store.close().catch(() => undefined)
    throw err
  }
}

/** What `signet serve --registry` needs: a key resolver, a usage hook, and a way to stop. */
export interface OpenedRegistryResolver extends RegistryResolver {
  /** The verifier's `onVerified`/`onRejected` hook: never throws, never waits. */
  recordUsage(event: VerificationEvent): void
  /** Flush usage and disconnect. */
  close(): Promise<void>
  /** The registry behind it. */
  readonly registry: Registry
}

/**
 * Open a registry for a verifier: `resolve(keyid)` for `createVerifier({ keys })` and
 * `recordUsage(event)` for its hooks.
 *
 * A registry file must already exist: a verifier started on a mistyped path fails at once
 * instead of refusing every request.
 *
 * @param spec - `redis://host:port` or a registry file path
 * @param env - the environment holding `SIGNET_MASTER_KEY`
 * @param options - base directory, master key file, store tuning
 * @returns the resolver
 * @throws {SignetError} `ERR_MASTER_KEY`, `ERR_REGISTRY_CORRUPT`, `ERR_STORE_UNAVAILABLE` (Redis
 *   unreachable at start), `ERR_IO` (no registry file)
 * @example
 * ```ts
 * const keys = await openRegistryResolver('redis://127.0.0.1:6379', process.env)
 * const verifier = createVerifier({ keys, onVerified: keys.recordUsage, onRejected: keys.recordUsage })
 * ```
 */
export async function openRegistryResolver(
  spec: string,
  env: Readonly<Record<string, string | undefined>>,
  options: Omit<OpenRegistrySpecOptions, 'env'> = {},
): Promise<OpenedRegistryResolver> {
  const registry = await openRegistryFromSpec(spec, { mustExist: true, ...options, env })
  return {
    registry,
    resolve: (keyid: string): Promise<ResolvedKey | undefined> => registry.resolve(keyid),
    recordUsage: (event: VerificationEvent): void => registry.recordUsage(event),
    close: (): Promise<void> => registry.close(),
  }
}
