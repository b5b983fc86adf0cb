/**
 * `signet serve` on a Redis Cluster (issue 14): a three-primary cluster started by the test
 * (test/support/redis-cluster.ts), and two `signet serve` processes with both the registry and
 * the nonce store on it (`redis://H:P,H:P,H:P`).
 *
 * - 100 concurrent copies of one signed request, spread over both servers: exactly 1 accepted.
 * - `signet keys revoke` reaches both servers within one second (the delays are printed).
 * - One primary crashes: requests whose nonce lives on it get 503 within 2 s, none hangs, no
 *   replay is ever accepted; once it is back, service resumes and its nonces still count.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli } from './helpers.ts'
import { fleet, send, sleep } from './fleet-harness.ts'
import type { Answer, Server } from './fleet-harness.ts'
import { clusterAvailable, startRedisCluster } from '../../../test/support/redis-cluster.ts'
import type { RedisCluster } from '../../../test/support/redis-cluster.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const bin = `${root}.tmp/serve-cluster-test/bin.mjs`
const { work, keys, signedRequest, serve: serveWith } = fleet('serve-cluster')
const serve = (url: string): Promise<Server> => serveWith(bin, ['--registry', url, '--nonce-store', url])

if (!clusterAvailable) {
  if (process.env['CI']) throw new Error('redis-server and redis-cli are required in CI for the Redis Cluster tests')
  console.log('redis-server not found: skipping the Redis Cluster tests (required when CI is set)')
}

// CRC16/XMODEM, Redis Cluster's key-to-slot function (cluster spec, "Keys distribution model").
function slotOf(key: string): number {
  let crc = 0
  for (const byte of Buffer.from(key, 'utf8')) {
    crc ^= byte << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc % 16384
}

describe.runIf(clusterAvailable)('two signet serve processes on a three-primary Redis Cluster', () => {
  let cluster: RedisCluster
  let a: Server
  let b: Server
  let registry: string[]
  /** Slot ranges of each primary, by index in cluster.ports. */
  let owners: { from: number; to: number; node: number }[] = []

  async function createKey(): Promise<{ keyid: string; jwkFile: string }> {
    const created = await keys(['create', ...registry, '--owner', 'acme', '--alg', 'hmac-sha256', '--scopes', 'orders:read'])
    const keyid = created['keyid'] as string
    const jwkFile = join(work, `${keyid}.jwk`)
    writeFileSync(jwkFile, JSON.stringify(created['jwk']))
    return { keyid, jwkFile }
  }

  const nodeOfNonce = (keyid: string, nonce: string): number => {
    const slot = slotOf(`signet:nonce:${keyid}\u0000${nonce}`)
    return owners.find((o) => slot >= o.from && slot <= o.to)!.node
  }

  beforeAll(async () => {
    await bundleCli(bin)
    cluster = await startRedisCluster()
    registry = ['--registry', cluster.url]
    const { Redis } = await import('ioredis')
    const probe = new Redis({ host: '127.0.0.1', port: cluster.ports[0]!, lazyConnect: true })
    await probe.connect()
    const slots = (await probe.cluster('SLOTS')) as [number, number, [string, number]][]
    probe.disconnect()
    owners = slots.map(([from, to, [, port]]) => ({ from, to, node: cluster.ports.indexOf(port) }))
    expect(new Set(owners.map((o) => o.node)).size).toBe(3)
    // The registry exists (its data key is written, on the cluster) before the servers start.
    await createKey()
    ;[a, b] = await Promise.all([serve(cluster.url), serve(cluster.url)])
  }, 60_000)

  afterAll(async () => {
    await Promise.all([a?.service.stop(), b?.service.stop()])
    await cluster?.stop()
  })

  it('100 concurrent copies of one signed request over both servers: exactly 1 accepted', async () => {
    const { jwkFile } = await createKey()
    const { bytes } = await signedRequest(a.port, jwkFile)
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => send(i % 2 === 0 ? a.port : b.port, bytes)))
    expect(answers.filter((x) => x.status === 200)).toHaveLength(1)
    expect(answers.filter((x) => x.status === 401 && x.code === 'ERR_NONCE_REPLAYED')).toHaveLength(99)
    // Fresh requests, their nonces on every primary, are all accepted.
    const fresh = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const s = i % 2 === 0 ? a : b
      return (await send(s.port, (await signedRequest(s.port, jwkFile)).bytes)).status
    }))
    expect(fresh).toEqual(Array(12).fill(200))
  }, 30_000)

  it('signet keys revoke on the cluster reaches both servers within one second', async () => {
    const { keyid, jwkFile } = await createKey()
    for (const s of [a, b]) for (let i = 0; i < 2; i++) expect((await send(s.port, (await signedRequest(s.port, jwkFile)).bytes)).status).toBe(200)
    const started = Date.now()
    const command = keys(['revoke', ...registry, keyid])
    const delays = await Promise.all([a, b].map(async (s) => {
      for (;;) {
        const x = await send(s.port, (await signedRequest(s.port, jwkFile)).bytes)
        if (x.status === 401 && x.code === 'ERR_KEY_REVOKED') return Date.now() - started
        if (Date.now() - started > 3000) throw new Error(`port ${s.port}: still ${x.status} ${x.code} 3 s after revoke`)
        await sleep(5)
      }
    }))
    expect(await command).toMatchObject({ keyid, state: 'revoked' })
    console.log(`redis cluster, 2 signet serve processes: revoke refused after ${delays.join(' and ')} ms (from the start of signet keys revoke)`)
    for (const d of delays) expect(d).toBeLessThan(1000)
  }, 30_000)

  it('a primary crashes: 503 within 2 s for its nonces, no replay accepted, service resumes when it returns', async () => {
    const { keyid, jwkFile } = await createKey()
    const victim = 1
    // Requests accepted before the crash, with nonces on the victim and elsewhere.
    const before: { port: number; bytes: string; node: number }[] = []
    while (before.filter((r) => r.node === victim).length < 2 || before.filter((r) => r.node !== victim).length < 2) {
      const s = before.length % 2 === 0 ? a : b
      const { bytes, nonce } = await signedRequest(s.port, jwkFile)
      expect((await send(s.port, bytes)).status).toBe(200)
      before.push({ port: s.port, bytes, node: nodeOfNonce(keyid, nonce) })
    }

    await cluster.kill(victim)
    const killedAt = Date.now()
    const outage: (Answer & { kind: 'fresh' | 'replay'; node: number })[] = []
    // Signing is local: pick nonces on the dead primary and elsewhere on purpose, so both kinds
    // are sent in every round however few rounds fit in the 3 s.
    const freshOn = async (port: number, onVictim: boolean): Promise<{ bytes: string; node: number }> => {
      for (;;) {
        const { bytes, nonce } = await signedRequest(port, jwkFile)
        const node = nodeOfNonce(keyid, nonce)
        if ((node === victim) === onVictim) return { bytes, node }
      }
    }
    for (let round = 0; round < 2 || Date.now() - killedAt < 3000; round++) {
      const s = round % 2 === 0 ? a : b
      for (const onVictim of [true, false]) {
        const { bytes, node } = await freshOn(s.port, onVictim)
        outage.push({ ...(await send(s.port, bytes)), kind: 'fresh', node })
      }
      const old = before[round % before.length]!
      outage.push({ ...(await send(old.port, old.bytes)), kind: 'replay', node: old.node })
    }
    const summary = (list: Answer[]): string => Object.entries(list.reduce<Record<string, number>>((m, x) => ((m[`${x.status}${x.code === undefined ? '' : ` ${x.code}`}`] = (m[`${x.status}${x.code === undefined ? '' : ` ${x.code}`}`] ?? 0) + 1), m), {})).map(([k, n]) => `${n}x ${k}`).join(', ')
    const slowest = Math.max(...outage.map((x) => x.ms))
    console.log(`redis cluster, one primary killed: ${outage.length} requests in ${Date.now() - killedAt} ms (${summary(outage)}); slowest answer ${slowest} ms; fresh requests with nonces on the dead primary: ${summary(outage.filter((x) => x.kind === 'fresh' && x.node === victim))}`)
    // Never a hang, never an accepted replay, never a nonce recorded nowhere.
    expect(slowest).toBeLessThan(2000)
    expect(outage.filter((x) => x.kind === 'replay' && x.status === 200)).toEqual([])
    for (const x of outage) expect([200, 401, 503]).toContain(x.status)
    for (const x of outage.filter((y) => y.status === 503)) expect(x.code).toBe('ERR_STORE_UNAVAILABLE')
    const onVictim = outage.filter((x) => x.kind === 'fresh' && x.node === victim)
    expect(onVictim.length).toBeGreaterThan(0)
    for (const x of onVictim) expect(x.status).toBe(503)

    await cluster.restart(victim)
    const backAt = Date.now()
    const resumed = await Promise.all([a, b].map(async (s) => {
      for (;;) {
        const x = await send(s.port, (await signedRequest(s.port, jwkFile)).bytes)
        if (x.status === 200) return Date.now() - backAt
        if (Date.now() - backAt > 10_000) throw new Error(`port ${s.port}: still ${x.status} ${x.code} 10 s after the primary returned`)
        await sleep(50)
      }
    }))
    // Fresh nonces on every primary accepted again, and what was recorded before the crash
    // (on the victim too: its append-only file kept it) is still a replay.
    const fresh: number[] = []
    while (fresh.length < 9) {
      const s = fresh.length % 2 === 0 ? a : b
      const { bytes } = await signedRequest(s.port, jwkFile)
      fresh.push((await send(s.port, bytes)).status)
    }
    expect(fresh).toEqual(Array(9).fill(200))
    for (const old of before) expect(await send(old.port, old.bytes)).toMatchObject({ status: 401, code: 'ERR_NONCE_REPLAYED' })
    console.log(`redis cluster: service resumed ${resumed.join(' and ')} ms after the primary was back (cluster state ok)`)
  }, 60_000)
})
