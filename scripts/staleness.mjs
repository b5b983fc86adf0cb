// Whether the build in packages/*/dist is older than its sources, for `pnpm demo` and `pnpm signet`
// (scripts/build.mjs --if-stale): the newest modification time of every package's src/ and
// package.json and of rollup.config.mjs, against the oldest entry file the build writes (each
// library's `exports` targets and the CLI's bin.js). Modification times, not content hashes:
// an editor's save or a checkout both touch them, and the check costs a few milliseconds.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Newest modification time under `path` (a file or a directory, recursively), in ms. */
function newest(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)))
  return latest
}

/**
 * Why the build under `root` is out of date, or undefined when every built entry file is newer
 * than every input.
 * @param {string} root the repository root
 * @param {string[]} libraries the library packages (`core`, ...); `cli` is added
 * @returns {string | undefined} e.g. `packages/core/src is newer than the build`
 */
export function staleness(root, libraries) {
  const outputs = [
    ...libraries.flatMap((pkg) => {
      const { exports } = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'))
      return Object.values(exports ?? {}).flatMap((target) => (typeof target === 'string' ? [] : [join('packages', pkg, target.default)]))
    }),
    join('packages', 'cli', 'dist', 'bin.js'),
  ]
  const missing = outputs.find((file) => !existsSync(join(root, file)))
  if (missing !== undefined) return `${missing} is missing`
  const built = Math.min(...outputs.map((file) => statSync(join(root, file)).mtimeMs))
  const inputs = ['rollup.config.mjs', ...[...libraries, 'cli'].flatMap((pkg) => [join('packages', pkg, 'src'), join('packages', pkg, 'package.json')])]
  const changed = inputs.find((input) => existsSync(join(root, input)) && newest(join(root, input)) > built)
  return changed === undefined ? undefined : `${changed} is newer than the build`
}
