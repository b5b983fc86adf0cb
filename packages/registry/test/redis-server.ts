/** Start and stop a throwaway redis-server for tests (127.0.0.1, free port, no persistence). */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const candidates = ['/usr/bin/redis-server', '/usr/local/bin/redis-server']

export function findRedisServer(): string | undefined {
  for (const c of candidates) if (existsSync(c)) return c
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  const path = which.stdout.trim()
  return path === '' ? undefined : path
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

export interface RedisHandle {
  readonly url: string
  readonly port: number
  stop(): void
}

export async function startRedis(binary: string, fixedPort?: number): Promise<RedisHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-redis-'))
  const port = fixedPort ?? (await freePort())
  execFileSync(binary, [
    '--bind', '127.0.0.1', '--port', String(port), '--daemonize', 'yes', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log'),
  ])
  // Wait until it answers.
  const cli = binary.replace(/redis-server$/, 'redis-cli')
  for (let i = 0; i < 100; i++) {
    const ping = spawnSync(cli, ['-p', String(port), 'ping'], { encoding: 'utf8' })
    if (ping.stdout?.trim() === 'PONG') break
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop() {
      spawnSync(cli, ['-p', String(port), 'shutdown', 'nosave'])
    },
  }
}
