// The backend tables of the other runtimes: Deno and Bun (in-process timing, spawned), headless
// Chromium and workerd. Each part is skipped, with the reason, when its runtime is missing.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { jwkPairs, signatureBase } from './fixtures.mjs'
import { ROOT } from './load-signet.mjs'
import { runBrowserBackends } from './browser-backends.mjs'
import { runWorkerdBackends } from './workerd-backends.mjs'

function spawnRuntime(label, command, args, entries, ms) {
  if (!existsSync(command)) return { runtime: label, rows: [], skipped: `${command} not installed` }
  const dir = `${ROOT}.tmp/bench`
  mkdirSync(dir, { recursive: true })
  const input = `${dir}/runtime-input.json`
  writeFileSync(input, JSON.stringify({ keys: jwkPairs(), base: Array.from(signatureBase('POST').base), ms }))
  const r = spawnSync(command, [...args, `${ROOT}bench/runtime-backends.mjs`, entries['@signet/core'], entries['@signet/core/pure'], input], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (r.status !== 0) return { runtime: label, rows: [], skipped: `failed: ${(r.stderr || String(r.error)).split('\n').filter(Boolean).slice(0, 2).join(' ')}` }
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  return { runtime: out.runtime, rows: out.rows, selected: out.selected }
}

/** @returns {Promise<Array<{ runtime: string, rows: object[], selected?: Record<string, string>, skipped?: string }>>} */
export async function runOtherRuntimes({ entries, built, ms = 200 }) {
  const results = []
  if (entries['@signet/core'] === undefined || entries['@signet/core/pure'] === undefined) {
    return [{ runtime: 'all', rows: [], skipped: 'core or pure entry missing' }]
  }
  results.push(spawnRuntime('Deno', `${ROOT}node_modules/.bin/deno`, ['run', '--allow-read', '--allow-env'], entries, ms))
  results.push(spawnRuntime('Bun', `${ROOT}node_modules/.bin/bun`, [], entries, ms))
  try {
    const chromium = await runBrowserBackends({ built, ms })
    const version = /HeadlessChrome\/([\d.]+)/.exec(chromium.userAgent ?? '')?.[1]
    results.push({ runtime: `Chromium ${version ?? ''}`.trim(), rows: chromium.rows, selected: chromium.selected, skipped: chromium.skipped })
  } catch (e) {
    results.push({ runtime: 'Chromium', rows: [], skipped: `failed: ${String(e?.message ?? e).split('\n')[0]}` })
  }
  try {
    const workerd = await runWorkerdBackends({ built, targetMs: ms })
    results.push({ runtime: 'workerd (miniflare)', rows: workerd.rows, selected: workerd.selected, skipped: workerd.skipped })
  } catch (e) {
    results.push({ runtime: 'workerd (miniflare)', rows: [], skipped: `failed: ${String(e?.message ?? e).split('\n')[0]}` })
  }
  return results
}
