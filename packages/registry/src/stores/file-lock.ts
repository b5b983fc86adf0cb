/**
 * Why not proper-lockfile: it judges a dead holder's lock stale only by age (at least 2 s), where
 * this one frees it at once when the holder's process is gone, and it adds three CommonJS dependencies.
 *
 * A lock file against concurrent writers of one registry file, across processes.
 *
 * The lock is `<file>.lock`, created by hard-linking a fully written temporary file to that
 * name (only one link can succeed on any local filesystem) and holding `{ pid, host, token,
 * time }`. A writer holds it for the few
 * milliseconds of a read-modify-write. A lock left by a crashed writer is stale when its process
 * no longer exists on this host, or when it is older than `staleMs`. It is broken by one
 * waiter at a time, under a second lock (`<file>.lock.break`, taken the same way): that waiter
 * reads the lock again and removes it only if it is still the one judged stale. (Renaming the
 * lock aside without that second lock let two breakers at once move a live writer's fresh lock
 * away, so two writers held it together and one's committed change was lost: the 200-kill test
 * found it.) A breaker killed while breaking leaves a break lock naming a dead process, or an
 * old one, which the next waiter clears. Waiting writers retry with jittered backoff until
 * `timeoutMs`, then fail with `ERR_REGISTRY_LOCKED`.
 *
 * @module
 */
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { SignetError, randomBytes, toHex } from '@signet/core'

/** Tuning for {@link acquireLock}. */
export interface LockOptions {
  /** Give up after this long (default 5000 ms). */
  readonly timeoutMs?: number
  /** A lock older than this is stale even if its process seems alive (default 30000 ms). */
  readonly staleMs?: number
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function processGone(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as { code?: unknown }).code === 'ESRCH'
  }
}

async function isStale(lockPath: string, content: string, staleMs: number): Promise<boolean> {
  let info: { pid?: unknown; host?: unknown } = {}
  try {
    info = JSON.parse(content) as typeof info
  } catch {
    // Unreadable (a lock from an older version, or a damaged file): only age decides.
  }
  if (info.host === hostname() && processGone(info.pid)) return true
  try {
    const st = await stat(lockPath)
    return Date.now() - st.mtimeMs > staleMs
  } catch {
    return false
  }
}

/** A break lock older than this belongs to a breaker that stopped (breaking takes milliseconds). */
const BREAKER_STALE_MS = 10_000

/** Take a lock name by hard-linking a fully written file to it; false when it is held. */
async function linkLock(lockPath: string, body: string): Promise<boolean> {
  const pending = `${lockPath}.${toHex(randomBytes(6))}.tmp`
  try {
    const fh = await open(pending, 'wx', 0o600)
    try {
      await fh.writeFile(body)
    } finally {
      await fh.close()
    }
    await link(pending, lockPath)
    return true
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'EEXIST') return false
    throw new SignetError('ERR_IO', `cannot create the lock file ${lockPath} (${String(code)})`, { cause: err })
  } finally {
    await unlink(pending).catch(() => undefined)
  }
}

/** Remove a break lock left by a breaker that died or stopped. */
async function clearStaleBreaker(breaker: string): Promise<void> {
  let content: string
  try {
    content = await readFile(breaker, 'utf8')
  } catch {
    return
  }
  if (!(await isStale(breaker, content, BREAKER_STALE_MS))) return
  const aside = `${breaker}.stale-${toHex(randomBytes(6))}`
  try {
    await rename(breaker, aside)
  } catch {
    return
  }
  const moved = await readFile(aside, 'utf8').catch(() => '')
  if (moved !== content) await link(aside, breaker).catch(() => undefined)
  await unlink(aside).catch(() => undefined)
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let content: string
  try {
    content = await readFile(lockPath, 'utf8')
  } catch {
    return // gone already: retry at once
  }
  if (!(await isStale(lockPath, content, staleMs))) return
  const breaker = `${lockPath}.break`
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), token: toHex(randomBytes(8)), time: Date.now() })
  if (!(await linkLock(breaker, mine))) {
    await clearStaleBreaker(breaker)
    return
  }
  try {
    // Under the break lock no one else removes the lock, and no one can take its name while
    // it exists: if it still holds what was judged stale, it is that lock.
    const again = await readFile(lockPath, 'utf8').catch(() => undefined)
    if (again === content) await unlink(lockPath).catch(() => undefined)
  } finally {
    const current = await readFile(breaker, 'utf8').catch(() => '')
    if (current === mine) await unlink(breaker).catch(() => undefined)
  }
}

/**
 * Take the lock for `lockPath`.
 *
 * @param lockPath - the lock file's path
 * @param options - timeout and staleness
 * @returns a function that releases the lock (only if it is still this holder's)
 * @throws {SignetError} `ERR_REGISTRY_LOCKED` after the timeout; `ERR_IO` when the directory is unusable
 */
export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 5000
  const staleMs = options.staleMs ?? 30_000
  const body = JSON.stringify({ pid: process.pid, host: hostname(), token: toHex(randomBytes(8)), time: Date.now() })
  const deadline = Date.now() + timeoutMs
  let delay = 4
  for (;;) {
    // Write the holder's record to a private file first, then link it to the lock's name: link
    // fails atomically with EEXIST when the lock is held, and the lock is never seen empty, so
    // a writer killed at any point leaves either no lock or one naming its (dead) process.
    if (await linkLock(lockPath, body)) {
      return async () => {
        const current = await readFile(lockPath, 'utf8').catch(() => '')
        if (current === body) await unlink(lockPath).catch(() => undefined)
      }
    }
    await breakIfStale(lockPath, staleMs)
    if (Date.now() >= deadline) {
      throw new SignetError('ERR_REGISTRY_LOCKED', `the registry is locked by another writer (${lockPath}); retry, or remove the lock if no signet process is running`)
    }
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 100)
  }
}
