/**
 * A lock file against concurrent writers of one registry file, across processes.
 *
 * The lock is `<file>.lock`, created by hard-linking a fully written temporary file to that
 * name (only one link can succeed on any local filesystem) and holding `{ pid, host, token,
 * time }`. A writer holds it for the few
 * milliseconds of a read-modify-write. A lock left by a crashed writer is stale when its process
 * no longer exists on this host, or when it is older than `staleMs`; it is broken by renaming
 * it away (only one breaker's rename can succeed) and checking that what was renamed is the
 * lock that was judged stale, putting it back otherwise. Waiting writers retry with jittered
 * backoff until `timeoutMs`, then fail with `ERR_REGISTRY_LOCKED`.
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

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let content: string
  try {
    content = await readFile(lockPath, 'utf8')
  } catch {
    return // gone already: retry at once
  }
  if (!(await isStale(lockPath, content, staleMs))) return
  const aside = `${lockPath}.stale-${toHex(randomBytes(6))}`
  try {
    await rename(lockPath, aside)
  } catch {
    return // another waiter broke it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => '')
  if (moved !== content) {
    // Between our read and our rename the stale lock was broken and a live writer took the
    // lock: give it back (if nobody has taken the name since).
    await link(aside, lockPath).catch(() => undefined)
  }
  await unlink(aside).catch(() => undefined)
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
    const pending = `${lockPath}.${toHex(randomBytes(6))}.tmp`
    try {
      const fh = await open(pending, 'wx', 0o600)
      try {
        await fh.writeFile(body)
      } finally {
        await fh.close()
      }
      try {
        await link(pending, lockPath)
      } finally {
        await unlink(pending).catch(() => undefined)
      }
      return async () => {
        const current = await readFile(lockPath, 'utf8').catch(() => '')
        if (current === body) await unlink(lockPath).catch(() => undefined)
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code !== 'EEXIST') {
        throw new SignetError('ERR_IO', `cannot create the lock file ${lockPath} (${String(code)})`, { cause: err })
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
