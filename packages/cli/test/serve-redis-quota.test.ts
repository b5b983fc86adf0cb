/**
 * `signet serve --nonce-store redis://... --nonce-quota N`: the per-key nonce quota on a shared
 * Redis (RedisNonceStore `maxEntriesPerOwner`), so one key holder cannot fill the store that
 * every verifier process shares. Past its quota the flooding key gets 429 `ERR_RATE_LIMITED`,
 * another key is served, and a captured request of the flooding key is still a replay.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import { hmacKey, requestMessage, sign } from '../../server/test/helpers.ts'
import { available, freePort, redisProcess } from '../../server/test/redis-process.ts'
import type { RedisProcess } from '../../server/test/redis-process.ts'
import { exchangeRaw, serveInProcess } from './serve-harness.ts'
import type { ServeRunning } from './serve-harness.ts'

const QUOTA = 2

describe.runIf(available)('serve with a Redis nonce store and --nonce-quota', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-redis-quota-'))
  let redis: RedisProcess
  let serve: ServeRunning
  let flood: SignetKey
  let calm: SignetKey

  beforeAll(async () => {
    redis = redisProcess(await freePort())
    await redis.start()
    const a = await hmacKey('k-flood')
    const b = await hmacKey('k-calm')
    flood = a.key
    calm = b.key
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [a.jwk, b.jwk] }))
    const s = await serveInProcess(['serve', '--port', '0', '--jwks', 'keys.json', '--nonce-store', `redis://127.0.0.1:${redis.port}`, '--nonce-quota', String(QUOTA)], dir)
    if (!('port' in s)) throw new Error(`serve exited ${s.exit}: ${s.stderr.join('')}`)
    serve = s
  }, 60_000)

  afterAll(async () => {
    await serve?.stop()
    redis?.stop()
    if (redis) rmSync(redis.dir, { recursive: true, force: true })
    rmSync(dir, { recursive: true, force: true })
  })

  async function signed(key: SignetKey): Promise<HttpRequestMessage> {
    const message = await requestMessage({ authority: `127.0.0.1:${serve.port}`, target: '/orders', scheme: 'http' })
    return sign(message, key, { created: Math.floor(Date.now() / 1000), components: ['@method', '@target-uri'] })
  }

  async function send(message: HttpRequestMessage): Promise<{ status: number; code?: string }> {
    const lines = [`${message.method} ${message.target} HTTP/1.1`, ...message.fields.map((f) => `${f.name}: ${f.value}`), 'Connection: close', '', '']
    const answer = await exchangeRaw(serve.port, lines.join('\r\n'))
    const body = answer.body === '' ? {} : (JSON.parse(answer.body) as { code?: string })
    return { status: answer.status, ...(body.code === undefined ? {} : { code: body.code }) }
  }

  it('past its quota a key gets 429 ERR_RATE_LIMITED, another key is served, a replay stays ERR_NONCE_REPLAYED', async () => {
    const first = await signed(flood)
    const answer = await send(first)
    expect(answer, JSON.stringify(answer)).toMatchObject({ status: 200 })
    expect(await send(await signed(flood))).toMatchObject({ status: 200 })
    expect(await send(await signed(flood))).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED' })
    expect(await send(await signed(calm))).toMatchObject({ status: 200 })
    expect(await send(first)).toMatchObject({ status: 401, code: 'ERR_NONCE_REPLAYED' })
  })
})
