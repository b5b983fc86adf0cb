/**
 * Usage recording off the request path.
 *
 * A verifier calls {@link UsageRecorder.record} for every decision (CONTRACTS.md "Usage
 * events"); the call only adds to in-memory counters and returns, coalesced per key. A timer
 * (and a size threshold) flushes the counters to the store in one batch, and never more often
 * than once per `flushIntervalMs`: a flood of requests naming real key ids (24k refused
 * requests in 5 s) costs a handful of store writes, not one per 500 events (issue 11.12). Storage errors are swallowed and
 * the counters kept for the next flush, within a bound: recording can lose counts under a long
 * outage, but it can never delay, fail or pass a request.
 *
 * Only well-formed key ids (prefix and CRC-32) are counted, and stores drop counts for ids
 * with no record, so a client sending random key ids cannot grow the counters.
 *
 * @module
 */
import { isKeyId } from './formats.ts'
import type { UsageDelta } from './record.ts'

/** A verification outcome, as `@signet/server` reports it (`time` in unix milliseconds). */
export interface VerificationEvent {
  readonly keyid?: string | undefined
  readonly ip?: string | undefined
  readonly time: number
  /** The error code of a rejection; absent for a verified request. */
  readonly code?: string | undefined
  readonly label?: string | undefined
}

/** Tuning for {@link UsageRecorder}. */
export interface UsageRecorderOptions {
  /** Flush at least this often (default 1000 ms). */
  readonly flushIntervalMs?: number
  /** Flush early once this many events are pending, if the last flush is `flushIntervalMs` old (default 500). */
  readonly maxPendingEvents?: number
  /** Keep counters for at most this many distinct keys between flushes (default 10000). */
  readonly maxPendingKeys?: number
}

interface Pending {
  requests: number
  lastUsed: number | null
  lastIp: string | null
  lastRejected: number | null
  rejections: Record<string, number>
  /** The same counts by minute (unix seconds of the minute's start), for the usage buckets. */
  minutes: Map<number, { requests: number; rejections: Record<string, number> }>
}

/** Batches usage events and writes them with `sink`. */
export class UsageRecorder {
  readonly #sink: (deltas: UsageDelta[]) => Promise<void>
  readonly #maxPendingEvents: number
  readonly #maxPendingKeys: number
  readonly #intervalMs: number
  /** When the last flush started (ms); size-triggered flushes wait for a full interval after it. */
  #lastFlushAt = Number.NEGATIVE_INFINITY
  #pending = new Map<string, Pending>()
  #events = 0
  #flushing: Promise<void> | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  /** Events dropped because the bound was reached. */
  dropped = 0
  /** Flushes that failed (their counts were kept for the next one, within the bound). */
  failedFlushes = 0

  constructor(sink: (deltas: UsageDelta[]) => Promise<void>, options: UsageRecorderOptions = {}) {
    this.#sink = sink
    const interval = options.flushIntervalMs ?? 1000
    if (!(interval > 0)) throw new RangeError(`"flushIntervalMs" expected a positive number, got ${interval}`)
    this.#intervalMs = interval
    this.#maxPendingEvents = options.maxPendingEvents ?? 500
    this.#maxPendingKeys = options.maxPendingKeys ?? 10_000
    this.#timer = setInterval(() => void this.flush(), interval)
    // Never keep a process alive just to record usage.
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  /**
   * Count one event. Never throws, never waits.
   *
   * @param event - the verifier's event
   */
  record(event: VerificationEvent): void {
    try {
      if (!isKeyId(event.keyid)) return
      let p = this.#pending.get(event.keyid)
      if (p === undefined) {
        if (this.#pending.size >= this.#maxPendingKeys) {
          this.dropped++
          return
        }
        p = { requests: 0, lastUsed: null, lastIp: null, lastRejected: null, rejections: {}, minutes: new Map() }
        this.#pending.set(event.keyid, p)
      }
      const seconds = Math.floor((Number.isFinite(event.time) ? event.time : Date.now()) / 1000)
      const minute = seconds - (seconds % 60)
      let m = p.minutes.get(minute)
      if (m === undefined) p.minutes.set(minute, (m = { requests: 0, rejections: {} }))
      if (event.code === undefined) {
        m.requests++
        p.requests++
        if (p.lastUsed === null || seconds >= p.lastUsed) {
          p.lastUsed = seconds
          p.lastIp = typeof event.ip === 'string' ? event.ip.slice(0, 64) : null
        }
      } else {
        const code = String(event.code).slice(0, 64)
        p.rejections[code] = (p.rejections[code] ?? 0) + 1
        m.rejections[code] = (m.rejections[code] ?? 0) + 1
        if (p.lastRejected === null || seconds > p.lastRejected) p.lastRejected = seconds
      }
      if (++this.#events >= this.#maxPendingEvents && Date.now() - this.#lastFlushAt >= this.#intervalMs) void this.flush()
    } catch {
      this.dropped++
    }
  }

  /** Write pending counters now; resolves when written (or failed). Never rejects. */
  flush(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing.then(() => (this.#pending.size > 0 ? this.flush() : undefined))
    if (this.#pending.size === 0) return Promise.resolve()
    const batch = this.#pending
    this.#pending = new Map()
    this.#events = 0
    this.#lastFlushAt = Date.now()
    const deltas: UsageDelta[] = [...batch].map(([keyid, { minutes, ...p }]) => ({
      keyid, ...p, buckets: [...minutes].map(([start, m]) => ({ start, requests: m.requests, rejections: m.rejections })),
    }))
    const attempt = (async () => {
      try {
        await this.#sink(deltas)
      } catch {
        this.failedFlushes++
        for (const [keyid, p] of batch) this.#mergeBack(keyid, p)
      }
    })()
    // Cleared once settled, never inside the attempt: a sink that throws synchronously settles
    // it before it is assigned, and clearing there would leave a settled `#flushing` behind
    // for good, on which every later flush() would chain itself forever.
    const flushing: Promise<void> = attempt.then(() => {
      if (this.#flushing === flushing) this.#flushing = undefined
    })
    this.#flushing = flushing
    return flushing
  }

  #mergeBack(keyid: string, p: Pending): void {
    const q = this.#pending.get(keyid)
    if (q === undefined) {
      if (this.#pending.size < this.#maxPendingKeys) this.#pending.set(keyid, p)
      else this.dropped += p.requests
      return
    }
    q.requests += p.requests
    if (p.lastUsed !== null && (q.lastUsed === null || p.lastUsed > q.lastUsed)) {
      q.lastUsed = p.lastUsed
      q.lastIp = p.lastIp
    }
    if (p.lastRejected !== null && (q.lastRejected === null || p.lastRejected > q.lastRejected)) q.lastRejected = p.lastRejected
    for (const [code, n] of Object.entries(p.rejections)) q.rejections[code] = (q.rejections[code] ?? 0) + n
    for (const [start, m] of p.minutes) {
      const into = q.minutes.get(start)
      if (into === undefined) q.minutes.set(start, m)
      else {
        into.requests += m.requests
        for (const [code, n] of Object.entries(m.rejections)) into.rejections[code] = (into.rejections[code] ?? 0) + n
      }
    }
  }

  /** Stop the timer and flush what is pending. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    await this.flush()
  }
}
