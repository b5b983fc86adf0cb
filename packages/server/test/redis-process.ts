/** Start and stop a throwaway redis-server on a free loopback port (tests only). */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'

export const REDIS_SERVER = '/usr/bin/redis-server'
export const available = existsSync(REDIS_SERVER)
if (!available) {
  if (process.env['CI']) throw new Error(`${REDIS_SERVER} is missing: CI must run the Redis replay tests`)
  console.log(`${REDIS_SERVER} not found: skipping the Redis replay tests (they are required in CI)`)
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface RedisProcess {
  port: number
  dir: string
  start(): Promise<void>
  stop(): void
}

export function redisProcess(port: number): RedisProcess {
  const dir = mkdtempSync(join(tmpdir(), 'signet-redis-'))
  return {
    port,
    dir,
    async start() {
      const r = spawnSync(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--dir', dir, '--pidfile', join(dir, 'redis.pid')], { timeout: 5000 })
      if (r.status !== 0) throw new Error(`redis-server failed: ${r.stderr}`)
      const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
      probe.on('error', () => {})
      for (let i = 0; i < 100; i++) {
        try {
          await probe.connect()
          await probe.ping()
          probe.disconnect()
          return
        } catch {
          probe.disconnect()
          await sleep(50)
        }
      }
      throw new Error('redis-server did not come up')
    },
    stop() {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { timeout: 5000 })
    },
  }
}

