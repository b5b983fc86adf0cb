#!/usr/bin/env node
// pnpm release:pack: the five packages as the tarballs a registry would serve, in dist-packages/
// (or --out DIR): a full build (JavaScript and declarations), then `pnpm pack` in each package,
// which rewrites `workspace:*` to the real versions. From a clone, before anything is published:
//
//   pnpm release:pack && npm i ./dist-packages/signet-client-0.1.0.tgz ./dist-packages/signet-core-0.1.0.tgz
//
//   node scripts/release-pack.mjs [--out DIR] [--no-build]
//
// --no-build packs the current build (pnpm test packs right after its own build step).
// Prints one tarball path per line, core first.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const PACKAGES = ['core', 'client', 'server', 'registry', 'profiles', 'cli']

const argv = process.argv.slice(2)
let out = 'dist-packages'
let build = true
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--out' && argv[i + 1] !== undefined) out = argv[++i]
  else if (argv[i] === '--no-build') build = false
  else {
    console.error(`release:pack: unknown argument ${JSON.stringify(argv[i])} (expected --out DIR, --no-build)`)
    process.exit(2)
  }
}
out = resolve(out)

if (build) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
// Every file `exports` names must be built (a JavaScript-only build, as `pnpm demo` leaves it,
// has no declarations): a tarball without them would install and then fail to type-check.
for (const pkg of PACKAGES) {
  const { exports, bin } = JSON.parse(readFileSync(`packages/${pkg}/package.json`, 'utf8'))
  const targets = [...Object.values(exports ?? {}).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))), ...Object.values(bin ?? {})]
  const missing = targets.map((t) => join('packages', pkg, t)).filter((file) => !existsSync(file))
  if (missing.length > 0) {
    console.error(`release:pack: not built: ${missing.join(', ')}\nrun a full build first (pnpm build), or drop --no-build`)
    process.exit(1)
  }
}
mkdirSync(out, { recursive: true })
for (const name of readdirSync(out)) if (/^signet-.*\.tgz$/.test(name)) rmSync(join(out, name))

for (const pkg of PACKAGES) {
  const { name, version } = JSON.parse(readFileSync(`packages/${pkg}/package.json`, 'utf8'))
  execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: `packages/${pkg}`, stdio: ['ignore', 'ignore', 'inherit'] })
  const file = join(out, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`)
  readFileSync(file) // fails loudly when pnpm named the tarball otherwise
  console.log(file)
}
