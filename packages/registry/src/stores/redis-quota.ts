/**
 * The quota on Redis: rate limits and credits shared by every process, decided in one Lua
 * script per request (one round trip, atomic).
 *
 * Layout: `<prefix>:quota:{<owner>}:rl:<keyid>` (a GCRA time, string, expiring once the bucket
 * is full again), `<prefix>:quota:{<owner>}:rl:owner`, `<prefix>:quota:{<owner>}:cr:<keyid>:<epoch>:<window>`
 * (uses, expiring a day after the window ends). The owner is the hash tag, so on a Redis Cluster
 * every counter one request touches is in one slot, and owners spread over the nodes. The
 * script reads the server's clock (`TIME`), so processes with skewed clocks share one timeline.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import type { QuotaCheck, QuotaDecision, QuotaStore } from '../quota.ts'
import type { RedisConnection } from './redis-connection.ts'

// KEYS: the GCRA keys, then the credits key (when ARGV[2] >= 0).
// ARGV: n, credits amount (-1: none), credits ttl ms, then limit and period ms per GCRA key.
// Returns { code, retryAfterMs, creditsRemaining, remaining1, resetMs1, ... } as strings.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local out = {}
local nexts = {}
local refused = false
local retry = 0
for i = 1, n do
  local limit = tonumber(ARGV[2 + 2 * i])
  local period = tonumber(ARGV[3 + 2 * i])
  local interval = period / limit
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  local base = math.max(tat, now)
  local nxt = base + interval
  local allowAt = nxt - period
  if allowAt > now then
    refused = true
    retry = math.max(retry, allowAt - now)
    out[#out + 1] = '0'
    out[#out + 1] = tostring(base - now)
  else
    nexts[i] = nxt
    out[#out + 1] = tostring(math.floor((now - allowAt) / interval + 1e-9))
    out[#out + 1] = tostring(nxt - now)
  end
end
if refused then return { 'ERR_RATE_LIMITED', tostring(retry), '-1', unpack(out) } end
local remaining = '-1'
local amount = tonumber(ARGV[2])
if amount >= 0 then
  local ck = KEYS[n + 1]
  local used = tonumber(redis.call('GET', ck) or '0')
  if used >= amount then return { 'ERR_CREDITS_EXHAUSTED', '0', '0', unpack(out) } end
  redis.call('INCR', ck)
  redis.call('PEXPIRE', ck, ARGV[3])
  remaining = tostring(amount - used - 1)
end
for i = 1, n do
  redis.call('SET', KEYS[i], tostring(nexts[i]), 'PX', math.ceil(nexts[i] - now) + 1000)
end
return { '', '0', remaining, unpack(out) }
`

/** `text` as a hash tag body: no braces inside. */
function tagOf(text: string): string {
  return text.replace(/[{}]/g, '_')
}

/** A {@link QuotaStore} on a Redis connection the registry's Redis store already holds. */
export class RedisQuota implements QuotaStore {
  readonly #client: RedisConnection
  readonly #prefix: string

  /**
   * @param client - an open connection (a node, a cluster or Sentinel)
   * @param prefix - the registry's key prefix, without braces
   */
  constructor(client: RedisConnection, prefix: string) {
    this.#client = client
    this.#prefix = prefix.replace(/[{}]/g, '')
  }

  #key(group: string, id: string): string {
    return `${this.#prefix}:quota:{${tagOf(group)}}:${id}`
  }

  async take(check: QuotaCheck): Promise<QuotaDecision> {
    const keys = check.limits.map((l) => this.#key(check.group, l.id))
    const args: (string | number)[] = [check.limits.length, -1, 0]
    if (check.credits !== undefined) {
      keys.push(this.#key(check.group, check.credits.id))
      args[1] = check.credits.amount
      args[2] = (check.credits.resetSeconds + 86_400) * 1000
    }
    for (const l of check.limits) args.push(l.spec.limit, l.spec.periodSeconds * 1000)
    let reply: string[]
    try {
      reply = (await this.#client.eval(TAKE_SCRIPT, keys.length, ...keys, ...args)) as string[]
    } catch (cause) {
      // Fail closed: a verifier that cannot count does not let the request through.
      throw new SignetError('ERR_STORE_UNAVAILABLE', 'the Redis quota is unreachable', { cause })
    }
    const [code, retryMs, credits, ...rest] = reply.map(String)
    const limits: { remaining: number; resetSeconds: number }[] = []
    for (let i = 0; i + 1 < rest.length; i += 2) limits.push({ remaining: Number(rest[i]), resetSeconds: Number(rest[i + 1]) / 1000 })
    const decision: QuotaDecision = {
      retryAfterSeconds: code === 'ERR_CREDITS_EXHAUSTED' ? (check.credits?.resetSeconds ?? 0) : Number(retryMs) / 1000,
      limits,
      ...(Number(credits) >= 0 ? { creditsRemaining: Number(credits) } : {}),
    }
    return code === 'ERR_RATE_LIMITED' || code === 'ERR_CREDITS_EXHAUSTED' ? { ...decision, code } : decision
  }

  async creditsUsed(group: string, id: string): Promise<number> {
    try {
      return Number((await this.#client.get(this.#key(group, id))) ?? 0)
    } catch (cause) {
      throw new SignetError('ERR_STORE_UNAVAILABLE', 'the Redis quota is unreachable', { cause })
    }
  }

  async close(): Promise<void> {}
}
