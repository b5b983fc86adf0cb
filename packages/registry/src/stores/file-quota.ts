/**
 * The quota beside a registry file: rate limits and credits shared by every process that opens
 * the same file (`PATH.quota`, JSON, under its own lock `PATH.quota.lock`).
 *
 * Each decision takes the lock, reads the counters, decides as every store does (quota.ts
 * `decide`), writes them back (a temporary file renamed over the old one) and lets go: one
 * request at a time across processes, so a credit is used exactly once. It costs a lock and a
 * small write per request of a key with limits; the counters are not fsync'd, so a crash may
 * forget the last few counts (never double-count). Keys without limits or credits never get
 * here. Counters past their time are dropped on each write.
 *
 * @module
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { SignetError, randomBytes, toHex } from '@signet/core'
import { decide } from '../quota.ts'
import type { QuotaCheck, QuotaDecision, QuotaStore } from '../quota.ts'
import { acquireLock } from './file-lock.ts'
import type { LockOptions } from './file-lock.ts'

type Counters = Record<string, { v: number; u: number }>

/** A {@link QuotaStore} in a file beside the registry file. */
export class FileQuota implements QuotaStore {
  readonly #path: string
  readonly #lock: LockOptions

  /**
   * @param registryPath - the registry file; counters go to `registryPath.quota`
   * @param options - lock tuning
   */
  constructor(registryPath: string, options: LockOptions = {}) {
    this.#path = `${registryPath}.quota`
    this.#lock = options
  }

  async #read(): Promise<Counters> {
    try {
      const value = JSON.parse(await readFile(this.#path, 'utf8')) as { counters?: unknown }
      return typeof value.counters === 'object' && value.counters !== null ? (value.counters as Counters) : {}
    } catch (err) {
      // A missing file has no counts; an unreadable one is refused rather than reset (fail closed).
      if ((err as { code?: unknown }).code === 'ENOENT') return {}
      throw new SignetError('ERR_STORE_UNAVAILABLE', `cannot read the quota file ${this.#path}`, { cause: err })
    }
  }

  async take(check: QuotaCheck, nowMs: number = Date.now()): Promise<QuotaDecision> {
    const release = await acquireLock(`${this.#path}.lock`, this.#lock)
    try {
      const counters = await this.#read()
      let changed = false
      const decision = decide(
        check, nowMs,
        (name) => (Object.hasOwn(counters, name) && (counters[name] as { u: number }).u > nowMs ? (counters[name] as { v: number }).v : 0),
        (name, v, u) => {
          counters[name] = { v, u }
          changed = true
        },
      )
      if (changed) {
        for (const [name, c] of Object.entries(counters)) if (c.u <= nowMs) delete counters[name]
        const tmp = `${this.#path}.tmp-${process.pid}-${toHex(randomBytes(4))}`
        try {
          await writeFile(tmp, JSON.stringify({ format: 'signet-quota', counters }), { mode: 0o600 })
          await rename(tmp, this.#path)
        } catch (err) {
          await unlink(tmp).catch(() => undefined)
          throw new SignetError('ERR_STORE_UNAVAILABLE', `cannot write the quota file ${this.#path}`, { cause: err })
        }
      }
      return decision
    } finally {
      await release()
    }
  }

  async creditsUsed(group: string, id: string): Promise<number> {
    const counters = await this.#read()
    const c = counters[`${group}\u0000${id}`]
    return c !== undefined && c.u > Date.now() ? c.v : 0
  }

  async close(): Promise<void> {}
}
