/**
 * Long-lived runtime processes for tests (a server under Deno, Bun, Node), started so that
 * stopping them stops everything they started.
 *
 * `node_modules/.bin/deno` is a shell shim that runs a Node launcher that runs the binary: a
 * SIGTERM to the shim's pid leaves the other two running, holding whatever pipes they inherited.
 * A CI runner waiting for its output pipe to close then waits forever. So the runtimes are
 * started from their real binaries, in their own process group, and stopped by group.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root: string = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The real executables inside the npm packages `deno` and `bun`, not their shims. The `deno`
 * package links its platform binary into place on first run, so a fresh install may not have it
 * yet: its own installer (the one its shim calls) puts it there and says where it is.
 */
const finders = {
  deno: (): string | undefined => {
    const pkg = join(root, 'node_modules', 'deno', 'package.json')
    if (!existsSync(pkg)) return undefined
    const installer = createRequire(pkg)('./install_api.cjs') as { runInstall(): string }
    return installer.runInstall()
  },
  bun: (): string | undefined => {
    const path = join(root, 'node_modules', 'bun', 'bin', 'bun.exe')
    return existsSync(path) ? path : undefined
  },
} as const

export type Runtime = keyof typeof finders

export function runtimeBinary(name: Runtime): string | undefined {
  return finders[name]()
}

export interface Service {
  readonly child: ChildProcess
  /** The last 2000 characters the process wrote, stdout and stderr interleaved. */
  output(): string
  /** SIGTERM to the whole group, SIGKILL after 5 s; resolves once the leader has exited. */
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // The group is already gone.
  }
}

// A worker that ends without running afterAll (a crash, a timeout) still takes its services down.
process.once('exit', () => {
  for (const child of running) signalGroup(child, 'SIGKILL')
})

export function startService(command: string, args: string[], env: Record<string, string> = {}): Service {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  running.add(child)
  let text = ''
  const keep = (d: Buffer) => void (text = (text + d.toString()).slice(-2000))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    output: () => text,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child, 'SIGTERM')
        const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      // Whatever the leader left behind in its group goes too.
      signalGroup(child, 'SIGKILL')
      running.delete(child)
    },
  }
}
