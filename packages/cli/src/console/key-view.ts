/**
 * What the console shows of a key: the registry's summary with every secret-bearing member
 * left out, its limits and credits when the registry keeps them, and its rotation chain.
 *
 * The view is built from an allow-list, not by deleting known secrets: a member a later registry
 * adds reaches the page only once it is named here, so a new secret-bearing member cannot leak
 * by default. Limits and credits are recognised by name (see `LIMIT_NAME`) and shown as given; a registry that does not keep them, or a key without
 * them, shows "none set" rather than a guess.
 *
 * @module
 */

/** The members of a registry key summary the console may show. */
const SHOWN = [
  'keyid', 'owner', 'alg', 'type', 'state', 'expired', 'expires', 'notBefore', 'scopes', 'allowIps', 'denyIps',
  'created', 'updated', 'replaces', 'replacedBy', 'overlapUntil', 'labels', 'lastUsed', 'lastIp', 'generated',
] as const

/**
 * Limit and credit members, shown when the registry has them: any member whose name speaks of
 * a limit, a quota, credits or their refill (`rateLimit`, `ownerRateLimit`, `credits`,
 * `creditsRefill`, ...), so a registry that names them a little differently is still shown.
 */
const LIMIT_NAME = /limit|quota|credit|refill/i

/** Members that hold a secret in some registry answer; never copied, whatever the allow-list says. */
const SECRET_MEMBERS: ReadonlySet<string> = new Set(['secret', 'jwk', 'privateKey', 'sealed', 'mac'])

/** A JSON value the page can render. */
export type ViewValue = string | number | boolean | null | readonly ViewValue[] | { readonly [key: string]: ViewValue }

/** One key as the console's page receives it. */
export interface KeyView {
  readonly keyid: string
  readonly state: string
  readonly [member: string]: ViewValue | undefined
}

function plain(value: unknown, depth = 0): ViewValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (depth > 3) return undefined
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1) ?? null)
  if (typeof value === 'object') {
    const out: Record<string, ViewValue> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET_MEMBERS.has(k)) continue
      const p = plain(v, depth + 1)
      if (p !== undefined) out[k] = p
    }
    return out
  }
  return undefined
}

/**
 * The console's view of a registry key summary.
 *
 * @param summary - what `Registry.list()` or `Registry.get()` returned for one key
 * @returns the shown members; `limits` holds the limit and credit members present (empty when
 *   the registry keeps none for this key)
 * @throws {TypeError} when the summary has no string `keyid`
 * @example
 * ```ts
 * const views = (await registry.list()).map(keyView)
 * ```
 */
export function keyView(summary: object): KeyView {
  const source = summary as Record<string, unknown>
  if (typeof source['keyid'] !== 'string') throw new TypeError('"summary" expected a key summary with a keyid')
  const out: Record<string, ViewValue> = {}
  for (const name of SHOWN) {
    const value = plain(source[name])
    if (value !== undefined) out[name] = value
  }
  const limits: Record<string, ViewValue> = {}
  for (const name of Object.keys(source)) {
    if (!LIMIT_NAME.test(name) || SECRET_MEMBERS.has(name)) continue
    const value = plain(source[name])
    if (value !== undefined && value !== null) limits[name] = value
  }
  out['limits'] = limits
  return out as KeyView
}

/** One key of a rotation chain, oldest first. */
export interface RotationStep {
  readonly keyid: string
  readonly state: string
  /** When the key was created (unix seconds). */
  readonly from: number
  /** When it stops verifying: the earlier of its expiry and the end of its overlap; null: never. */
  readonly until: number | null
  /** The overlap with its successor, when both verify; null for the newest key. */
  readonly overlap: { readonly from: number; readonly until: number } | null
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/**
 * The rotation chain through a key: its predecessors and successors, oldest first, each with
 * the window in which it verifies and its overlap with the next.
 *
 * @param keys - every key of the registry (views or summaries)
 * @param keyid - a key of the chain
 * @returns the chain; one step for a key never rotated; empty for an unknown key
 * @example
 * ```ts
 * rotationChain(views, 'sgn_k_...').map((s) => s.keyid)
 * ```
 */
export function rotationChain(keys: readonly object[], keyid: string): RotationStep[] {
  const byId = new Map<string, Record<string, unknown>>()
  for (const k of keys) {
    const r = k as Record<string, unknown>
    if (typeof r['keyid'] === 'string') byId.set(r['keyid'], r)
  }
  const start = byId.get(keyid)
  if (start === undefined) return []
  let first: Record<string, unknown> = start
  // Walk back to the oldest key, guarding against a loop in damaged data.
  const seen = new Set<string>([keyid])
  for (;;) {
    const previous: unknown = first['replaces']
    const record: Record<string, unknown> | undefined = typeof previous === 'string' ? byId.get(previous) : undefined
    if (record === undefined || seen.has(previous as string)) break
    seen.add(previous as string)
    first = record
  }
  const steps: RotationStep[] = []
  const walked = new Set<string>()
  for (let r: Record<string, unknown> | undefined = first; r !== undefined && !walked.has(r['keyid'] as string); ) {
    walked.add(r['keyid'] as string)
    const expires = num(r['expires'])
    const overlapUntil = num(r['overlapUntil'])
    const until = overlapUntil === null ? expires : expires === null ? overlapUntil : Math.min(expires, overlapUntil)
    const next: Record<string, unknown> | undefined = typeof r['replacedBy'] === 'string' ? byId.get(r['replacedBy']) : undefined
    const nextFrom = next === undefined ? null : num(next['created'])
    steps.push({
      keyid: r['keyid'] as string,
      state: String(r['state']),
      from: num(r['created']) ?? 0,
      until,
      overlap: nextFrom === null || until === null ? null : { from: nextFrom, until },
    })
    r = next
  }
  return steps
}
