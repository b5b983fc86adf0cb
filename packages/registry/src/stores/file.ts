/**
 * The encrypted file store: the embedded default, one JSON file.
 *
 * Secrets in the file are AES-256-GCM ciphertexts and records carry MACs (the registry does
 * that before the store sees them); the master key is never written here. The file holds:
 *
 * ```json
 * { "format": "signet-registry", "version": 2, "dataKey": { "iv", "ct" }, "manifest": {...},
 *   "keys": { "<keyid>": {...} }, "usage": {}, "audit": [ ... ] }
 * ```
 *
 * Usage counters live beside it in `PATH.usage` (`{ "format": "signet-usage", "usage": {...},
 * "buckets": { "<keyid>": { "minute": {...}, "hour": {...}, "day": {...} } } }`,
 * with its own lock), so the verifiers' counting never rewrites the registry file and never
 * waits on a management write (issue 11.12). A `usage` section left in the registry file by
 * format 1 is still read and added in.
 *
 * Writes are atomic: the new content goes to a temporary file in the same directory, is
 * fsync'd, and replaces the old file with `rename(2)`, which POSIX makes atomic; then the
 * directory is fsync'd so the rename itself is durable. A crash at any point leaves either the
 * old or the new file, never a torn one. Writers serialize on a lock file (file-lock.ts), and
 * every write re-reads the file under the lock, so concurrent processes never lose each other's
 * keys. Readers (verifiers) keep a parsed copy and re-read when the file's inode, size or
 * mtime changes, checked at most every `refreshIntervalMs`: a revocation written by
 * `signet keys revoke` reaches a running `signet serve` within that interval.
 *
 * @module
 */
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { SignetError, fromUtf8, randomBytes, toHex, utf8 } from '@signet/core'
import { isSealed } from '../envelope.ts'
import type { RegistryFormat, Sealed } from '../envelope.ts'
import { addUsage, emptyUsage, isManifestShape } from '../record.ts'
import type { AuditEntry, Manifest, StoredKey, UsageBucket, UsageDelta, UsageStats } from '../record.ts'
import { addBuckets, readBuckets, resolveRetention } from '../usage-buckets.ts'
import type { KeyBuckets, UsageGranularity, UsageRetention } from '../usage-buckets.ts'
import { acquireLock } from './file-lock.ts'
import type { LockOptions } from './file-lock.ts'
import type { Mutation, RegistryStore, StoreMeta, TransactionContext } from './store.ts'
import { FileQuota } from './file-quota.ts'
import type { QuotaStore } from '../quota.ts'

/** Options of {@link FileStore}. */
export interface FileStoreOptions extends LockOptions {
  /** How often a reader checks the file for changes (default 200 ms). */
  readonly refreshIntervalMs?: number
  /** How long usage buckets are kept (usage-buckets.ts). */
  readonly usageRetention?: UsageRetention
}

interface FileState {
  format: 'signet-registry'
  version: RegistryFormat
  dataKey: Sealed
  manifest?: Manifest
  keys: Record<string, StoredKey>
  usage: Record<string, UsageStats>
  audit: AuditEntry[]
}

function corrupt(path: string, why: string): SignetError {
  return new SignetError('ERR_REGISTRY_CORRUPT', `${path} is not a usable Signet registry file: ${why}`)
}

function parseState(path: string, bytes: Uint8Array): FileState {
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(bytes))
  } catch {
    throw corrupt(path, 'not JSON')
  }
  if (typeof value !== 'object' || value === null || (value as FileState).format !== 'signet-registry') {
    throw corrupt(path, 'no "format": "signet-registry" marker (a foreign file?)')
  }
  const s = value as FileState
  if (s.version !== 1 && s.version !== 2) throw corrupt(path, `unsupported version ${JSON.stringify(s.version)}`)
  if (!isSealed(s.dataKey)) throw corrupt(path, 'no wrapped data key')
  if (s.manifest !== undefined && !isManifestShape(s.manifest)) throw corrupt(path, 'a malformed manifest')
  const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isMap(s.keys) || !isMap(s.usage) || !Array.isArray(s.audit)) throw corrupt(path, 'missing keys, usage or audit')
  return s
}

/** A {@link RegistryStore} in one encrypted JSON file. */
export class FileStore implements RegistryStore {
  readonly kind: string = 'file'
  /** The registry file. */
  readonly path: string
  readonly #lockPath: string
  readonly #lock: LockOptions
  readonly #refreshMs: number
  readonly #retention: Required<UsageRetention>
  #cached: { signature: string; state: FileState | undefined } | undefined
  #checkedAt = 0
  /** Registry file writes by this store (for tests and metrics). */
  readonly stats: { writes: number; usageWrites: number } = { writes: 0, usageWrites: 0 }

  /**
   * @param path - the registry file (created on first write)
   * @param options - lock and refresh tuning
   */
  constructor(path: string, options: FileStoreOptions = {}) {
    if (typeof path !== 'string' || path === '') throw new TypeError('"path" expected a file path')
    this.path = path
    this.#lockPath = `${path}.lock`
    this.#lock = options
    this.#refreshMs = options.refreshIntervalMs ?? 200
    this.#retention = resolveRetention(options.usageRetention)
  }

  /** Read and parse the file now; undefined when it does not exist. */
  async #read(): Promise<FileState | undefined> {
    let fh
    try {
      fh = await open(this.path, 'r')
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') {
        this.#cached = { signature: 'none', state: undefined }
        this.#checkedAt = Date.now()
        return undefined
      }
      throw new SignetError('ERR_IO', `cannot read ${this.path} (${String((err as { code?: unknown }).code)})`, { cause: err })
    }
    try {
      const st = await fh.stat({ bigint: true })
      const signature = `${st.ino}:${st.size}:${st.mtimeNs}`
      if (this.#cached?.signature === signature) {
        this.#checkedAt = Date.now()
        return this.#cached.state
      }
      const state = parseState(this.path, new Uint8Array(await fh.readFile()))
      this.#cached = { signature, state }
      this.#checkedAt = Date.now()
      return state
    } finally {
      await fh.close()
    }
  }

  /** The parsed file, re-checked at most every `refreshIntervalMs`. */
  async #snapshot(): Promise<FileState | undefined> {
    if (this.#cached !== undefined && Date.now() - this.#checkedAt < this.#refreshMs) return this.#cached.state
    return this.#read()
  }

  async #write(state: FileState): Promise<void> {
    await writeAtomically(this.path, state)
    this.stats.writes++
    this.#cached = undefined
    await this.#read()
  }

  get #usagePath(): string {
    return `${this.path}.usage`
  }

  async #readUsage(): Promise<Record<string, UsageStats>> {
    return (await this.#readUsageFile()).usage
  }

  async #readUsageFile(): Promise<{ usage: Record<string, UsageStats>; buckets: Record<string, KeyBuckets> }> {
    let text: string
    try {
      text = fromUtf8(new Uint8Array(await readFile(this.#usagePath)))
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return { usage: {}, buckets: {} }
      throw new SignetError('ERR_IO', `cannot read ${this.#usagePath} (${String((err as { code?: unknown }).code)})`, { cause: err })
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw corrupt(this.#usagePath, 'not JSON')
    }
    const usage = (value as { format?: unknown; usage?: unknown } | null)?.usage
    if ((value as { format?: unknown } | null)?.format !== 'signet-usage' || typeof usage !== 'object' || usage === null) {
      throw corrupt(this.#usagePath, 'no "format": "signet-usage" marker')
    }
    const buckets = (value as { buckets?: unknown }).buckets
    return { usage: usage as Record<string, UsageStats>, buckets: typeof buckets === 'object' && buckets !== null ? (buckets as Record<string, KeyBuckets>) : {} }
  }

  /** Run `fn` on the current file under the lock; write what it returns, if anything. */
  async #locked<T>(fn: (state: FileState | undefined) => Promise<{ write?: FileState; result: T }>): Promise<T> {
    const release = await acquireLock(this.#lockPath, this.#lock)
    try {
      this.#cached = undefined
      const { write, result } = await fn(await this.#read())
      if (write !== undefined) await this.#write(write)
      return result
    } finally {
      await release()
    }
  }

  async loadMeta(): Promise<StoreMeta | undefined> {
    // The same snapshot getKey reads, so a record and the manifest it is checked against agree.
    const state = await this.#snapshot()
    return state === undefined ? undefined : metaOf(state)
  }

  async initMeta(meta: StoreMeta): Promise<StoreMeta> {
    return this.#locked(async (state) => {
      if (state !== undefined) return { result: metaOf(state) }
      await this.#removeOrphans()
      const fresh: FileState = { format: 'signet-registry', version: meta.version, dataKey: meta.dataKey, keys: {}, usage: {}, audit: [] }
      if (meta.manifest !== undefined) fresh.manifest = meta.manifest
      return { write: fresh, result: meta }
    })
  }

  async replaceMeta(expected: StoreMeta, next: StoreMeta, audit: readonly AuditEntry[] = []): Promise<boolean> {
    return this.#locked(async (state) => {
      if (state === undefined || state.dataKey.iv !== expected.dataKey.iv || state.dataKey.ct !== expected.dataKey.ct) {
        return { result: false }
      }
      const written: FileState = { ...state, version: next.version, dataKey: next.dataKey, audit: [...state.audit, ...audit] }
      if (next.manifest !== undefined) written.manifest = next.manifest
      return { write: written, result: true }
    })
  }

  /** Temporary files left by writers that crashed before their rename. */
  async #removeOrphans(): Promise<void> {
    // The registry file's and the usage file's (PATH.usage) temporary files alike.
    const prefixes = [`.${basename(this.path)}.tmp-`, `.${basename(this.#usagePath)}.tmp-`]
    const names = await readdir(dirname(this.path)).catch(() => [] as string[])
    for (const name of names) {
      const prefix = prefixes.find((p) => name.startsWith(p))
      if (prefix === undefined) continue
      const pid = Number(name.slice(prefix.length).split('-')[0])
      let alive = pid === process.pid
      if (!alive) {
        try {
          process.kill(pid, 0)
          alive = true
        } catch (err) {
          alive = (err as { code?: unknown }).code !== 'ESRCH'
        }
      }
      if (!alive) await unlink(`${dirname(this.path)}/${name}`).catch(() => undefined)
    }
  }

  async getKey(id: string): Promise<StoredKey | undefined> {
    const state = await this.#snapshot()
    return state !== undefined && Object.hasOwn(state.keys, id) ? state.keys[id] : undefined
  }

  async listKeys(): Promise<StoredKey[]> {
    const state = await this.#read()
    return state === undefined ? [] : Object.values(state.keys)
  }

  async transact(
    ids: readonly string[],
    change: (current: ReadonlyMap<string, StoredKey | undefined>, context: TransactionContext) => Promise<Mutation>,
  ): Promise<void> {
    await this.#locked(async (state) => {
      if (state === undefined) throw new SignetError('ERR_REGISTRY_CORRUPT', `${this.path} disappeared while in use`)
      const current = new Map<string, StoredKey | undefined>(ids.map((id) => [id, Object.hasOwn(state.keys, id) ? state.keys[id] : undefined]))
      const mutation = await change(current, {
        meta: metaOf(state),
        listKeys: async () => Object.values(state.keys),
        readAudit: async () => state.audit.slice(),
      })
      if (mutation.put.length === 0 && mutation.audit.length === 0 && mutation.meta === undefined) return { result: undefined }
      const keys = { ...state.keys }
      for (const record of mutation.put) keys[record.id] = record
      await this.#removeOrphans()
      const written: FileState = { ...state, keys, audit: [...(mutation.replaceAudit ?? state.audit), ...mutation.audit] }
      if (mutation.meta !== undefined) {
        written.version = mutation.meta.version
        written.dataKey = mutation.meta.dataKey
        if (mutation.meta.manifest !== undefined) written.manifest = mutation.meta.manifest
      }
      return { write: written, result: undefined }
    })
  }

  async addUsage(deltas: readonly UsageDelta[]): Promise<void> {
    if (deltas.length === 0) return
    const state = await this.#snapshot()
    if (state === undefined) return
    const known = deltas.filter((d) => Object.hasOwn(state.keys, d.keyid))
    if (known.length === 0) return
    // Its own lock: counting never waits on a management write, nor holds one up.
    const release = await acquireLock(`${this.#usagePath}.lock`, this.#lock)
    try {
      const file = await this.#readUsageFile()
      const usage = { ...file.usage }
      const buckets = { ...file.buckets }
      const now = Math.floor(Date.now() / 1000)
      for (const delta of known) {
        const before = Object.hasOwn(usage, delta.keyid) ? (usage[delta.keyid] as UsageStats) : emptyUsage(delta.keyid)
        usage[delta.keyid] = addUsage(before, delta)
        if (delta.buckets !== undefined) {
          buckets[delta.keyid] = addBuckets(Object.hasOwn(buckets, delta.keyid) ? buckets[delta.keyid] : undefined, delta.buckets, this.#retention, now)
        }
      }
      await writeAtomically(this.#usagePath, { format: 'signet-usage', version: 1, usage, buckets })
      this.stats.usageWrites++
    } finally {
      await release()
    }
  }

  async getUsage(id: string): Promise<UsageStats | undefined> {
    const state = await this.#read()
    const legacy = state !== undefined && Object.hasOwn(state.usage, id) ? state.usage[id] : undefined
    const usage = await this.#readUsage()
    const current = Object.hasOwn(usage, id) ? usage[id] : undefined
    if (legacy === undefined || current === undefined) return current ?? legacy
    return addUsage(legacy, current)
  }

  async getUsageBuckets(id: string, by: UsageGranularity, sinceSeconds: number): Promise<UsageBucket[]> {
    const { buckets } = await this.#readUsageFile()
    const since = Math.max(sinceSeconds, Math.floor(Date.now() / 1000) - this.#retention[by])
    return readBuckets(Object.hasOwn(buckets, id) ? buckets[id] : undefined, by, since)
  }

  /** Rate limits and credits in `PATH.quota`, shared by every process using this file (file-quota.ts). */
  quota(): QuotaStore {
    return new FileQuota(this.path, this.#lock)
  }

  async readAudit(sinceSeconds?: number): Promise<AuditEntry[]> {
    const state = await this.#read()
    if (state === undefined) return []
    return state.audit.filter((e) => sinceSeconds === undefined || e.time >= sinceSeconds)
  }

  async close(): Promise<void> {
    this.#cached = undefined
  }
}

/**
 * Write `value` as JSON to `path` atomically: a temporary file in the same directory, fsync'd,
 * renamed over `path`, then the directory fsync'd.
 */
async function writeAtomically(path: string, value: unknown): Promise<void> {
  const dir = dirname(path)
  const tmp = `${dir}/.${basename(path)}.tmp-${process.pid}-${toHex(randomBytes(6))}`
  try {
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(utf8(`${JSON.stringify(value)}\n`))
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => undefined)
    throw new SignetError('ERR_IO', `cannot write ${path} (${String((err as { code?: unknown }).code)})`, { cause: err })
  }
  // Make the rename durable; some filesystems refuse fsync on a directory, which is harmless.
  try {
    const d = await open(dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  } catch {
    // best effort
  }
}

function metaOf(state: FileState): StoreMeta {
  return { format: 'signet-registry', version: state.version, dataKey: state.dataKey, manifest: state.manifest }
}
