#!/usr/bin/env node
// The packages as a user gets them, outside the workspace: packs every package (what
// `pnpm release:pack` writes), lints the tarballs (publint --strict, and attw with the node16
// profile), installs them with npm into scratch projects under .tmp/consumer, then:
//   - runs fixtures/consumer.mjs (sign with the client, verify with the server) on Node 20
//     (this process's), 22 and 24, in Deno and in Bun;
//   - checks require() of the ESM-only packages: it loads them where Node has require(esm), and
//     fails with ERR_REQUIRE_ESM (which says to use import()) where it is turned off;
//   - type-checks fixtures/consumer.ts with moduleResolution nodenext and bundler, skipLibCheck
//     false, without the optional peers (hono, ky) installed;
//   - runs `npx signet --help` and `npx signet keygen --alg ed25519`;
//   - bundles the client for a browser with esbuild and finds no Node built-in in it.
// Needs a full build first (pnpm build; pnpm test runs it before this step). npm may fetch the
// packages' own dependencies from the registry (its cache first). The tarballs go to
// .tmp/consumer; the projects go to a fresh directory in the system's temporary directory,
// outside the checkout, so nothing resolves through the workspace's node_modules (which has
// hono and ky); it is removed after a clean run and kept, and named, after a failure. Ends with `N passed, N failed`;
// with CI=true a missing runtime or Node release is a failure, elsewhere a skip.
//
//   node test/consumer/run.mjs
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CI, ROOT, run } from '../runtimes/common.mjs'
import { nodeReleases } from '../support/node-releases.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const WORK = join(ROOT, '.tmp', 'consumer')
const PACKED = join(WORK, 'packages')
const PROJECTS = mkdtempSync(join(tmpdir(), 'signet-consumer-'))
const LIBRARIES = ['core', 'client', 'server', 'registry', 'profiles']
const counts = { passed: 0, failed: 0, skipped: 0 }
const bin = (name) => join(ROOT, 'node_modules', '.bin', name)
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']

function record(name, ok, detail = '') {
  if (ok) {
    counts.passed += 1
    console.log(`  ok   ${name}`)
  } else {
    counts.failed += 1
    console.log(`  FAIL ${name}${detail ? `\n       ${String(detail).trim().replace(/\n/g, '\n       ')}` : ''}`)
  }
  return ok
}

function unavailable(name, why) {
  if (CI) return record(name, false, `${why} (required in CI)`)
  counts.skipped += 1
  console.log(`  skip ${name}: ${why}`)
  return false
}

/** Runs a command; records it as passed when it exits 0 and `expect` (if given) accepts it. */
async function step(name, command, args, { cwd, timeoutMs = 120_000, expect, env } = {}) {
  const result = await run(command, args, { cwd, timeoutMs, ...(env === undefined ? {} : { env }) })
  const output = `${result.stdout}${result.stderr}`.slice(-3000)
  if (result.timedOut) return record(name, false, `no end after ${timeoutMs / 1000} s\n${output}`)
  if (result.code !== 0 && expect?.allowFailure !== true) return record(name, false, `exit ${result.code}\n${output}`)
  const verdict = expect?.check?.(result)
  if (verdict !== undefined && verdict !== true) return record(name, false, `${verdict}\n${output}`)
  return record(name, true)
}

const tarball = (pkg) => join(PACKED, `signet-${pkg}-${JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')).version}.tgz`)

/** A scratch npm project depending on the given tarballs (and extra registry packages). */
function project(name, pkgs, extra = {}) {
  const dir = join(PROJECTS, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const dependencies = Object.fromEntries(pkgs.map((pkg) => [`@signet/${pkg}`, `file:${tarball(pkg)}`]))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `signet-consumer-${name}`, private: true, type: 'module', dependencies: { ...dependencies, ...extra } }, null, 2))
  return dir
}

console.log('consumer: pack, lint, install the tarballs outside the workspace')
rmSync(WORK, { recursive: true, force: true })
mkdirSync(WORK, { recursive: true })

if (!(await step('pack every package (release:pack --no-build)', process.execPath, [join(ROOT, 'scripts/release-pack.mjs'), '--no-build', '--out', PACKED], { cwd: ROOT }))) {
  console.log(`${counts.passed} passed, ${counts.failed} failed`)
  process.exit(1)
}

// The tarballs: what is in them, and what the linters say.
for (const pkg of [...LIBRARIES, 'cli']) {
  const listing = await run('tar', ['tzf', tarball(pkg)])
  const files = listing.stdout.split('\n')
  const manifest = JSON.parse((await run('tar', ['xzf', tarball(pkg), '-O', 'package/package.json'])).stdout)
  const missing = ['package/LICENSE', 'package/README.md', 'package/package.json'].filter((f) => !files.includes(f))
  const targets = [...Object.values(manifest.exports ?? {}).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))), ...Object.values(manifest.bin ?? {})]
  missing.push(...targets.map((t) => `package/${t.replace(/^\.\//, '')}`).filter((f) => !files.includes(f)))
  const workspaceRanges = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(([, v]) => String(v).startsWith('workspace:'))
  record(`@signet/${pkg} tarball holds LICENSE, README and every exports/bin target`, missing.length === 0, `missing: ${missing.join(', ')}`)
  record(`@signet/${pkg} tarball has no workspace: ranges`, workspaceRanges.length === 0, JSON.stringify(workspaceRanges))
  record(`@signet/${pkg} tarball has no source maps or tests`, !files.some((f) => /\.map$|\/test\/|\/src\//.test(f)), files.filter((f) => /\.map$|\/test\/|\/src\//.test(f)).join(', '))
  await step(`publint --strict @signet/${pkg}`, bin('publint'), ['--strict', tarball(pkg)], { cwd: WORK, timeoutMs: 60_000 })
}
// attw: the libraries (the cli package is an executable with no types to check). ESM-only is a
// decision (see the packages' READMEs): under the node16 profile, require() of an ES module is
// what attw calls cjs-resolves-to-esm, which every Node in `engines` (>=20.19) supports; every
// other rule of the profile applies.
for (const pkg of LIBRARIES) {
  await step(`attw --profile node16 @signet/${pkg}`, bin('attw'), ['--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii', '--no-color', tarball(pkg)], { cwd: WORK, timeoutMs: 120_000 })
}

// The application project: the four libraries, @types/node for the TypeScript check, and
// neither optional peer (hono, ky).
const typesNode = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies['@types/node']
const app = project('app', LIBRARIES, { '@types/node': typesNode })
for (const file of readdirSync(join(HERE, 'fixtures'))) cpSync(join(HERE, 'fixtures', file), join(app, file))
const installed = await step('npm install of the library tarballs', 'npm', ['install', ...npmFlags], { cwd: app, timeoutMs: 300_000 })
if (installed) {
  await step('the optional peers (hono, ky) do not resolve from the project', process.execPath, ['-e', "for (const p of ['hono', 'ky']) { try { require.resolve(p); console.log('resolves: ' + p) } catch {} }"], {
    cwd: app,
    expect: { check: (r) => (r.stdout.trim() === '' ? true : r.stdout.trim()) },
  })
  const ok = (r) => (/^consumer ok: /m.test(r.stdout) ? true : 'no "consumer ok" line')
  await step(`consumer.mjs on Node ${process.version}`, process.execPath, ['consumer.mjs'], { cwd: app, expect: { check: ok } })
  const releases = nodeReleases()
  const nodes = [{ label: process.version, bin: process.execPath }]
  for (const release of releases) {
    if (release.bin === undefined) unavailable(`consumer.mjs on Node ${release.version}`, release.problem)
    else {
      nodes.push({ label: `v${release.version}`, bin: release.bin })
      await step(`consumer.mjs on Node v${release.version}`, release.bin, ['consumer.mjs'], { cwd: app, expect: { check: ok } })
    }
  }
  for (const node of nodes) {
    await step(`require('@signet/*') on Node ${node.label} loads the ES modules (require(esm))`, node.bin, ['-e', `for (const p of ${JSON.stringify(LIBRARIES.map((p) => `@signet/${p}`))}) if (Object.keys(require(p)).length === 0) throw new Error(p + ': empty')`], { cwd: app })
    await step(`require('@signet/core') on Node ${node.label} without require(esm) names ERR_REQUIRE_ESM and import()`, node.bin, ['--no-experimental-require-module', '-e', "try { require('@signet/core'); console.log('loaded') } catch (e) { console.log(e.code, e.message) }"], {
      cwd: app,
      expect: { check: (r) => (/^ERR_REQUIRE_ESM .*import\(\)/s.test(r.stdout) ? true : `expected ERR_REQUIRE_ESM naming import(), got: ${r.stdout.trim()}`) },
    })
  }

  const deno = bin('deno')
  if (existsSync(deno)) await step('consumer.mjs in Deno', deno, ['run', '--allow-read', '--allow-env', '--no-prompt', '--quiet', 'consumer.mjs'], { cwd: app, expect: { check: ok } })
  else unavailable('consumer.mjs in Deno', `${deno} not found`)
  const bun = bin('bun')
  if (existsSync(bun)) await step('consumer.mjs in Bun', bun, ['consumer.mjs'], { cwd: app, expect: { check: ok } })
  else unavailable('consumer.mjs in Bun', `${bun} not found`)

  for (const mode of ['nodenext', 'bundler']) {
    await step(`tsc: consumer.ts, moduleResolution ${mode}, skipLibCheck false, no optional peers`, bin('tsc'), ['-p', `tsconfig.${mode}.json`], { cwd: app })
  }

  // The browser bundle: esbuild resolves with the browser platform's conditions and fails on a
  // Node built-in (it cannot resolve one for a browser); its metafile lists any import left in
  // the output, and there must be none. (Core names "node:crypto" as a string for
  // process.getBuiltinModule, which a browser lacks: a runtime probe, not an import.)
  try {
    const esbuild = await import('esbuild')
    const built = await esbuild.build({ entryPoints: [join(app, 'browser.js')], absWorkingDir: app, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' })
    const left = Object.values(built.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path))
    record('esbuild browser bundle of @signet/client has no Node built-in', left.length === 0, `left in the bundle: ${left.join(', ')}`)
    // A warning (a side-effect import dropped under sideEffects: false, a missing export) is
    // something every user's bundler would print too.
    record('esbuild browser bundle of @signet/client prints no warning', built.warnings.length === 0, built.warnings.map((w) => w.text).join('\n'))
  } catch (error) {
    record('esbuild browser bundle of @signet/client has no Node built-in', false, error instanceof Error ? error.message : String(error))
  }
}

// The command-line tool, installed as a user installs it (it brings the libraries with it).
const tool = project('tool', [...LIBRARIES, 'cli'])
if (await step('npm install of the cli tarball', 'npm', ['install', ...npmFlags], { cwd: tool, timeoutMs: 300_000 })) {
  await step('npx signet --help', 'npx', ['--no-install', 'signet', '--help'], { cwd: tool, expect: { check: (r) => (/Usage: signet/.test(r.stdout) ? true : 'no usage text') } })
  await step('npx signet keygen --alg ed25519', 'npx', ['--no-install', 'signet', 'keygen', '--alg', 'ed25519'], {
    cwd: tool,
    expect: {
      check: (r) => {
        const jwk = JSON.parse(r.stdout)
        return jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.d === 'string' && typeof jwk.kid === 'string' ? true : `not an Ed25519 private JWK: ${r.stdout}`
      },
    },
  })
}

if (counts.failed === 0) rmSync(PROJECTS, { recursive: true, force: true })
else console.log(`consumer: the scratch projects are kept in ${PROJECTS}`)
console.log(`${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`)
process.exitCode = counts.failed === 0 ? 0 : 1
