/**
 * `signet serve --nonce-store redis+sentinel://S:P/NAME` against a real Sentinel setup started by
 * the test (a primary, a replica and one Sentinel on free loopback ports, through
 * test/support/service.ts): two servers accept exactly 1 of 100 replays; when the primary
 * crashes, requests get 503 (each within 2 s, none accepted twice) until Sentinel promotes the
 * replica, then service resumes on it and a nonce recorded before the crash is still a replay.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli } from './helpers.ts'
import { fleet, send, sleep } from './fleet-harness.ts'
import type { Answer, Server } from './fleet-harness.ts'
import { REDIS_CLI, REDIS_SERVER, clusterAvailable, freePort } from '../../../test/support/redis-cluster.ts'
import { startService } from '../../../test/support/service.ts'
import type { Service } from '../../../test/support/service.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = `${root}.tmp/serve-sentinel-test/bin.mjs`
const { work, signedRequest, serve } = fleet('serve-sentinel')

if (!clusterAvailable && process.env['CI']) throw new Error('redis-server and redis-cli are required in CI for the Sentinel tests')

const cli = (port: number, ...args: string[]): string => spawnSync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 }).stdout ?? ''

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(100)
  }
}

describe.runIf(clusterAvailable)('signet serve with Redis Sentinel', () => {
  const services: Service[] = []
  let ports: { primary: number; replica: number; sentinel: number }
  let url: string
  let jwkFile: string
  let a: Server
  let b: Server

  beforeAll(async () => {
    await bundleCli(bin)
    ports = { primary: await freePort(), replica: await freePort(), sentinel: await freePort() }
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work]
    services.push(startService(REDIS_SERVER, ['--port', String(ports.primary), ...common]))
    services.push(startService(REDIS_SERVER, ['--port', String(ports.replica), ...common, '--replicaof', '127.0.0.1', String(ports.primary)]))
    await until('primary and replica answer', () => cli(ports.primary, 'ping').trim() === 'PONG' && cli(ports.replica, 'ping').trim() === 'PONG')
    await until('replica in sync', () => /master_link_status:up/.test(cli(ports.replica, 'info', 'replication')))
    const conf = join(work, 'sentinel.conf')
    writeFileSync(conf, [
      `port ${ports.sentinel}`, 'bind 127.0.0.1', `dir ${work}`,
      `sentinel monitor signet-primary 127.0.0.1 ${ports.primary} 1`,
      'sentinel down-after-milliseconds signet-primary 1000',
      'sentinel failover-timeout signet-primary 5000',
      '',
    ].join('\n'))
    services.push(startService(REDIS_SERVER, [conf, '--sentinel']))
    await until('the Sentinel knows the replica', () => cli(ports.sentinel, 'sentinel', 'replicas', 'signet-primary').includes(String(ports.replica)))
    url = `redis+sentinel://127.0.0.1:${ports.sentinel}/signet-primary`

    const secret = randomBytes(32).toString('base64url')
    jwkFile = join(work, 'caller.jwk')
    writeFileSync(jwkFile, JSON.stringify({ kty: 'oct', k: secret, kid: 'k-sentinel' }))
    writeFileSync(join(work, 'keys.json'), JSON.stringify({ keys: [{ kty: 'oct', k: secret, kid: 'k-sentinel', owner: 'acme' }] }))
    ;[a, b] = await Promise.all([serve(bin, ['--jwks', join(work, 'keys.json'), '--nonce-store', url]), serve(bin, ['--jwks', join(work, 'keys.json'), '--nonce-store', url])])
  }, 60_000)

  afterAll(async () => {
    await Promise.all([a?.service.stop(), b?.service.stop()])
    await Promise.all(services.map((s) => s.stop()))
  })

  it('100 concurrent copies of one signed request over both servers: exactly 1 accepted', async () => {
    const { bytes } = await signedRequest(a.port, jwkFile)
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => send(i % 2 === 0 ? a.port : b.port, bytes)))
    expect(answers.filter((x) => x.status === 200)).toHaveLength(1)
    expect(answers.filter((x) => x.status === 401 && x.code === 'ERR_NONCE_REPLAYED')).toHaveLength(99)
  }, 30_000)

  it('the primary crashes: 503 until Sentinel promotes the replica, then service resumes there with the nonces it had', async () => {
    const accepted = await signedRequest(a.port, jwkFile)
    expect((await send(a.port, accepted.bytes)).status).toBe(200)
    await until('the nonce reached the replica', () => cli(ports.replica, 'dbsize').trim() !== '0', 5000)
    const primary = services[0]!
    primary.child.kill('SIGKILL')
    const killedAt = Date.now()
    const during: Answer[] = []
    for (;;) {
      const s = during.length % 2 === 0 ? a : b
      const x = await send(s.port, (await signedRequest(s.port, jwkFile)).bytes)
      during.push(x)
      expect(x.ms).toBeLessThan(2000)
      expect((await send(s.port, accepted.bytes)).status).not.toBe(200)
      if (x.status === 200 && during.length > 1) break
      if (Date.now() - killedAt > 30_000) throw new Error(`no service 30 s after the crash: ${during.map((d) => d.status).join(',')}`)
      await sleep(100)
    }
    const failoverMs = Date.now() - killedAt
    expect(during.filter((x) => x.status === 503).length).toBeGreaterThan(0)
    for (const x of during) expect([200, 503]).toContain(x.status)
    expect(cli(ports.sentinel, 'sentinel', 'get-master-addr-by-name', 'signet-primary')).toContain(String(ports.replica))
    // Both servers now serve from the promoted replica; the nonce recorded before the crash is still there.
    for (const s of [a, b]) {
      let status = 0
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await send(s.port, (await signedRequest(s.port, jwkFile)).bytes)).status
        if (status !== 200) await sleep(100)
      }
      expect(status).toBe(200)
      expect(await send(s.port, accepted.bytes)).toMatchObject({ status: 401, code: 'ERR_NONCE_REPLAYED' })
    }
    console.log(`redis sentinel: primary killed, ${during.length} requests answered (${during.filter((x) => x.status === 503).length}x 503, slowest ${Math.max(...during.map((x) => x.ms))} ms), service back on the promoted replica after ${failoverMs} ms`)
  }, 60_000)
})
