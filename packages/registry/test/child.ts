/** Build a fixture into a runnable ESM file (child processes run built JS, not TypeScript). */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const src = (pkg: string): string => fileURLToPath(new URL(`../../${pkg}/src/${pkg === 'core' ? 'entries/' : ''}index.ts`, import.meta.url))

export async function buildFixture(name: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-fixture-'))
  const outfile = join(dir, `${name}.mjs`)
  await build({
    entryPoints: [fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    alias: { '@signet/core': src('core'), '@signet/core/verifying': fileURLToPath(new URL('../../core/src/entries/verifying.ts', import.meta.url)), '@signet/registry': src('registry'), '@signet/server': src('server') },
    // Bundled CommonJS (ioredis) calls require() for Node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  })
  return outfile
}

export interface Child {
  readonly proc: ChildProcess
  readonly lines: string[]
  /** Resolves with the first line matching `test` (rejects after `timeoutMs`). */
  waitFor(test: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
  stderr(): string
}

export function run(file: string, args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let err = ''
  let buf = ''
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = []
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk
    let nl: number
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      lines.push(line)
      for (const w of [...waiters]) if (w.test(line)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  })
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (err += chunk))
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  return {
    proc,
    lines,
    exited,
    stderr: () => err,
    waitFor(test, timeoutMs = 10_000) {
      const found = lines.find(test)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting; stderr: ${err.slice(0, 500)}`)), timeoutMs)
        waiters.push({ test, resolve: (l) => { clearTimeout(timer); resolve(l) } })
      })
    },
  }
}
