/**
 * A throwaway Redis Cluster for tests: three primaries (no replicas) from `redis-server
 * --cluster-enabled yes`, joined by `redis-cli --cluster create ... --cluster-yes`, on free
 * loopback ports (client and cluster-bus ports both picked, never fixed). Each node runs through
 * service.ts, so nothing outlives the run, and writes an append-only file with `fsync always`,
 * so a node killed and started again comes back with its data, as a durable production node
 * would. `kill(i)` crashes one primary (SIGKILL); `restart(i)` brings it back on the same
 * ports with the same node id and slots.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService } from './service.ts'
import type { Service } from './service.ts'

export const REDIS_SERVER = '/usr/bin/redis-server'
export const REDIS_CLI = '/usr/bin/redis-cli'
export const clusterAvailable: boolean = existsSync(REDIS_SERVER) && existsSync(REDIS_CLI)

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

function cli(port: number, ...args: string[]): string {
  const r = spawnSync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 })
  return `${r.stdout ?? ''}${r.stderr ?? ''}`
}

export interface RedisCluster {
  /** Client ports of the three primaries. */
  readonly ports: readonly number[]
  /** `redis://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  readonly url: string
  /** Crash primary `i` (SIGKILL) and wait for its exit. */
  kill(i: number): Promise<void>
  /** Start primary `i` again and wait until the cluster reports `cluster_state:ok`. */
  restart(i: number): Promise<void>
  /** Wait until every live node reports `cluster_state:ok`. */
  healthy(timeoutMs?: number): Promise<void>
  /** Stop every node and remove the data directory. */
  stop(): Promise<void>
}

/**
 * Start a three-primary cluster.
 *
 * @param nodeTimeoutMs - `cluster-node-timeout`: how long before a dead primary is marked failed
 */
export async function startRedisCluster(nodeTimeoutMs = 1000): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-redis-cluster-'))
  const ports: number[] = []
  const busPorts: number[] = []
  while (ports.length < 3) {
    const [p, b] = [await freePort(), await freePort()]
    if (p === b || ports.includes(p) || busPorts.includes(b) || ports.includes(b) || busPorts.includes(p)) continue
    ports.push(p)
    busPorts.push(b)
  }
  const services: (Service | undefined)[] = [undefined, undefined, undefined]

  async function start(i: number): Promise<void> {
    const port = ports[i]!
    const service = startService(REDIS_SERVER, [
      '--bind', '127.0.0.1', '--port', String(port), '--cluster-enabled', 'yes', '--cluster-port', String(busPorts[i]),
      '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(nodeTimeoutMs),
      '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
      '--appenddirname', `aof-${port}`, '--protected-mode', 'yes',
    ])
    services[i] = service
    for (let tries = 0; tries < 100; tries++) {
      if (service.child.exitCode !== null) throw new Error(`redis-server on ${port} exited: ${service.output()}`)
      if (cli(port, 'ping').trim() === 'PONG') return
      await sleep(50)
    }
    throw new Error(`redis-server on ${port} did not answer: ${service.output()}`)
  }

  async function healthy(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const states = ports.filter((_, i) => services[i] !== undefined).map((p) => /cluster_state:(\w+)/.exec(cli(p, 'cluster', 'info'))?.[1])
      if (states.every((s) => s === 'ok')) return
      if (Date.now() > deadline) throw new Error(`the cluster is not ok after ${timeoutMs} ms: ${states.join(',')}`)
      await sleep(100)
    }
  }

  try {
    await Promise.all([0, 1, 2].map(start))
    const created = spawnSync(REDIS_CLI, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 })
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`)
    await healthy()
  } catch (error) {
    await Promise.all(services.map((s) => s?.stop()))
    rmSync(dir, { recursive: true, force: true })
    throw error
  }

  return {
    ports,
    url: `redis://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    async kill(i: number): Promise<void> {
      const service = services[i]
      if (service === undefined) return
      const exited = new Promise<void>((resolve) => (service.child.exitCode !== null ? resolve() : service.child.once('exit', () => resolve())))
      service.child.kill('SIGKILL')
      await exited
      await service.stop()
      services[i] = undefined
    },
    async restart(i: number): Promise<void> {
      await start(i)
      await healthy()
    },
    healthy,
    async stop(): Promise<void> {
      await Promise.all(services.map((s) => s?.stop()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
