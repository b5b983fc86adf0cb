/**
 * Usage over time: per-key buckets of a minute, an hour and a day, each kept for its own
 * retention (default 2 days of minutes, 35 days of hours, 400 days of days).
 *
 * The verifier's events are counted by minute in the recorder (usage.ts); a store adds each
 * minute bucket into the minute, hour and day that contain it, and drops buckets older than
 * their retention as it writes. The memory and file stores keep them as below, per key; the
 * Redis store keeps one expiring hash per bucket (stores/redis.ts).
 *
 * ```json
 * { "minute": { "1800000000": { "requests": 3, "rejections": { "ERR_IP_DENIED": 1 } } }, "hour": {...}, "day": {...} }
 * ```
 *
 * @module
 */
import type { UsageBucket } from './record.ts'

/** The length of a usage bucket. */
export type UsageGranularity = 'minute' | 'hour' | 'day'

/** Seconds in a bucket of each granularity. */
export const BUCKET_SECONDS: Readonly<Record<UsageGranularity, number>> = { minute: 60, hour: 3600, day: 86_400 }

/** How long buckets are kept, in seconds, per granularity. */
export interface UsageRetention {
  readonly minute?: number
  readonly hour?: number
  readonly day?: number
}

/** The default retention: 2 days of minutes, 35 days of hours, 400 days of days. */
export const DEFAULT_USAGE_RETENTION: Readonly<Required<UsageRetention>> = { minute: 2 * 86_400, hour: 35 * 86_400, day: 400 * 86_400 }

/** The retention with defaults filled in. @throws {RangeError} for a value that is not whole seconds from 60 */
export function resolveRetention(retention: UsageRetention | undefined): Required<UsageRetention> {
  const out = { ...DEFAULT_USAGE_RETENTION, ...retention }
  for (const g of ['minute', 'hour', 'day'] as const) {
    if (!Number.isSafeInteger(out[g]) || out[g] < 60) throw new RangeError(`"usageRetention.${g}" expected whole seconds, at least 60`)
  }
  return out
}

/** A key's buckets as the memory and file stores keep them. */
export type KeyBuckets = Record<UsageGranularity, Record<string, { requests: number; rejections: Record<string, number> }>>

/** Checks a granularity name. @throws {RangeError} for anything but minute, hour, day */
export function checkGranularity(by: unknown): UsageGranularity {
  if (by !== 'minute' && by !== 'hour' && by !== 'day') throw new RangeError(`"by" expected "minute", "hour" or "day", got ${JSON.stringify(String(by).slice(0, 20))}`)
  return by
}

/**
 * Add minute buckets into a key's buckets of every granularity, dropping those past retention.
 *
 * @param current - the key's buckets (not changed)
 * @param buckets - minute buckets to add
 * @param retention - resolved retention
 * @param nowSeconds - the time, unix seconds
 * @returns the new buckets
 */
export function addBuckets(current: KeyBuckets | undefined, buckets: readonly UsageBucket[], retention: Required<UsageRetention>, nowSeconds: number): KeyBuckets {
  const out: KeyBuckets = { minute: { ...current?.minute }, hour: { ...current?.hour }, day: { ...current?.day } }
  for (const g of ['minute', 'hour', 'day'] as const) {
    const size = BUCKET_SECONDS[g]
    const oldest = nowSeconds - retention[g]
    for (const b of buckets) {
      const start = Math.floor(b.start / size) * size
      if (start + size <= oldest) continue
      const prev = out[g][start]
      const rejections = { ...prev?.rejections }
      for (const [code, n] of Object.entries(b.rejections)) rejections[code] = (rejections[code] ?? 0) + n
      out[g][start] = { requests: (prev?.requests ?? 0) + b.requests, rejections }
    }
    for (const start of Object.keys(out[g])) if (Number(start) + size <= oldest) delete out[g][start]
  }
  return out
}

/**
 * A key's buckets of one granularity from `sinceSeconds` on, oldest first; empty buckets are
 * left out.
 */
export function readBuckets(current: KeyBuckets | undefined, by: UsageGranularity, sinceSeconds: number): UsageBucket[] {
  const size = BUCKET_SECONDS[by]
  const from = Math.floor(sinceSeconds / size) * size
  return Object.entries(current?.[by] ?? {})
    .map(([start, b]) => ({ start: Number(start), requests: b.requests, rejections: { ...b.rejections } }))
    .filter((b) => b.start >= from)
    .sort((a, b) => a.start - b.start)
}
