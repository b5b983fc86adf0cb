/**
 * Usage over time for the console's chart: accepted requests and rejections by code, in
 * buckets of a minute, an hour or a day.
 *
 * A registry that keeps usage buckets answers `usage(keyid, { since, by })` with an array of
 * `{ start, requests, rejections }` (the shape `signet keys usage --by` prints); those are shown
 * as they are. A registry that keeps totals only answers with one `UsageStats` object; then the
 * console makes its own series by sampling the totals and bucketing the differences, which
 * covers only the time since the console started and says so (`source: "console"`).
 *
 * @module
 */

/** Bucket sizes. */
export type BucketSize = 'minute' | 'hour' | 'day'

/** Seconds in each bucket size. */
export const BUCKET_SECONDS: Readonly<Record<BucketSize, number>> = { minute: 60, hour: 3600, day: 86_400 }

/** One bucket. */
export interface UsageBucket {
  /** Unix seconds at the start of the bucket. */
  readonly start: number
  /** Accepted requests. */
  readonly requests: number
  /** Refused requests naming the key, by error code. */
  readonly rejections: Readonly<Record<string, number>>
}

/** A key's usage over time, and where it comes from. */
export interface UsageSeries {
  readonly keyid: string
  readonly by: BucketSize
  /** `registry`: the registry's buckets; `console`: sampled by this console since `since`. */
  readonly source: 'registry' | 'console'
  /** Unix seconds of the first bucket the series can hold. */
  readonly since: number
  readonly buckets: readonly UsageBucket[]
}

/** Usage totals as a registry without buckets reports them. */
export interface UsageTotals {
  readonly requests: number
  readonly rejections: Readonly<Record<string, number>>
}

/** The registry call the series is read from. */
export type ReadUsage = (keyid: string, options: { since: number; by: BucketSize }) => Promise<unknown>

function isBucket(value: unknown): value is UsageBucket {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v['start'] === 'number' && typeof v['requests'] === 'number' && typeof v['rejections'] === 'object' && v['rejections'] !== null
}

function isTotals(value: unknown): value is UsageTotals {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v['requests'] === 'number' && typeof v['rejections'] === 'object' && v['rejections'] !== null
}

/** The buckets in a registry's answer, or undefined when it answered with totals. */
export function bucketsOf(answer: unknown): UsageBucket[] | undefined {
  const list = Array.isArray(answer) ? answer : (answer as { buckets?: unknown } | null)?.buckets
  if (!Array.isArray(list)) return undefined
  return list.filter(isBucket).map((b) => ({ start: b.start, requests: b.requests, rejections: { ...b.rejections } }))
}

/** How many minute buckets a key keeps in the console's own series (a day). */
const MAX_MINUTES = 24 * 60

interface Sampled {
  last: UsageTotals
  minutes: Map<number, { requests: number; rejections: Record<string, number> }>
}

/**
 * Reads usage for the chart: the registry's buckets when it has them, else the console's own
 * samples of the totals.
 */
export class UsageHistory {
  readonly #read: ReadUsage
  readonly #now: () => number
  readonly #started: number
  readonly #keys = new Map<string, Sampled>()
  readonly #createdAt: (keyid: string) => number | undefined

  /**
   * @param read - the registry's `usage(keyid, { since, by })`
   * @param now - the clock in unix seconds
   * @param createdAt - when a key was created, if known: a key created after the console
   *   started had no use before, so its first sample counts from zero instead of being a baseline
   */
  constructor(read: ReadUsage, now: () => number, createdAt: (keyid: string) => number | undefined = () => undefined) {
    this.#read = read
    this.#now = now
    this.#createdAt = createdAt
    this.#started = Math.floor(now())
  }

  /**
   * Take one sample of a key's totals. The first sample of a key is its baseline (zero for a
   * key created after the console started); each later one adds the difference to the current
   * minute. Counters that went down (a registry
   * replaced under the console) start a new baseline.
   *
   * @param keyid - the key
   * @param totals - its totals now
   */
  record(keyid: string, totals: UsageTotals): void {
    const now = Math.floor(this.#now())
    let known = this.#keys.get(keyid)
    if (known === undefined) {
      const created = this.#createdAt(keyid)
      const fresh = created !== undefined && created >= this.#started
      known = { last: fresh ? { requests: 0, rejections: {} } : { requests: totals.requests, rejections: { ...totals.rejections } }, minutes: new Map() }
      this.#keys.set(keyid, known)
      if (!fresh) return
    }
    const requests = totals.requests - known.last.requests
    const rejections: Record<string, number> = {}
    let decreased = requests < 0
    for (const [code, n] of Object.entries(totals.rejections)) {
      const d = n - (known.last.rejections[code] ?? 0)
      if (d < 0) decreased = true
      else if (d > 0) rejections[code] = d
    }
    known.last = { requests: totals.requests, rejections: { ...totals.rejections } }
    if (decreased || (requests === 0 && Object.keys(rejections).length === 0)) return
    const minute = now - (now % 60)
    const bucket = known.minutes.get(minute) ?? { requests: 0, rejections: {} }
    bucket.requests += requests
    for (const [code, n] of Object.entries(rejections)) bucket.rejections[code] = (bucket.rejections[code] ?? 0) + n
    known.minutes.set(minute, bucket)
    if (known.minutes.size > MAX_MINUTES) known.minutes.delete(known.minutes.keys().next().value as number)
  }

  /**
   * A key's series: asks the registry, and samples its totals when it has no buckets.
   *
   * @param keyid - the key
   * @param by - the bucket size
   * @param since - unix seconds; default a day (minutes), a week (hours) or 90 days (days) back
   * @returns the series, oldest bucket first
   * @throws whatever the registry throws (`ERR_KEY_NOT_FOUND`, `ERR_STORE_UNAVAILABLE`)
   */
  async series(keyid: string, by: BucketSize, since?: number): Promise<UsageSeries> {
    const now = Math.floor(this.#now())
    const from = since ?? now - { minute: 86_400, hour: 7 * 86_400, day: 90 * 86_400 }[by]
    const answer = await this.#read(keyid, { since: from, by })
    const buckets = bucketsOf(answer)
    if (buckets !== undefined) return { keyid, by, source: 'registry', since: from, buckets: buckets.filter((b) => b.start >= from - BUCKET_SECONDS[by]) }
    if (isTotals(answer)) this.record(keyid, answer)
    return { keyid, by, source: 'console', since: Math.max(from, this.#started), buckets: this.#bucketed(keyid, by, from) }
  }

  #bucketed(keyid: string, by: BucketSize, from: number): UsageBucket[] {
    const size = BUCKET_SECONDS[by]
    const merged = new Map<number, { requests: number; rejections: Record<string, number> }>()
    for (const [minute, b] of this.#keys.get(keyid)?.minutes ?? []) {
      if (minute < from - (from % size)) continue
      const start = minute - (minute % size)
      const into = merged.get(start) ?? { requests: 0, rejections: {} }
      into.requests += b.requests
      for (const [code, n] of Object.entries(b.rejections)) into.rejections[code] = (into.rejections[code] ?? 0) + n
      merged.set(start, into)
    }
    return [...merged].sort((a, b) => a[0] - b[0]).map(([start, b]) => ({ start, requests: b.requests, rejections: b.rejections }))
  }
}
