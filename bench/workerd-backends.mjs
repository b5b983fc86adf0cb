// The backend table in workerd (Cloudflare Workers, through miniflare): Signet's webcrypto and
// pure backends bundled into a module worker. workerd freezes the clock during execution
// (timers move only across I/O), so the time is taken outside: one dispatchFetch runs n
// operations, and n is doubled until a request takes long enough; the round trip of an empty
// request is subtracted.
import { existsSync } from 'node:fs'
import { ALL_ALGORITHM_NAMES, jwkPairs, signatureBase } from './fixtures.mjs'
import { builtResolution } from './bundle-size.mjs'
import { ROOT, signetSourcePlugin } from './load-signet.mjs'

const WORKER = `
import { getAlgorithm, getBackend, selectBackend } from '@signet/core'
import { pureBackend } from '@signet/core/pure'
let state
export default {
  async fetch(request) {
    const body = await request.json()
    if (body.setup) {
      const data = new Uint8Array(body.setup.base)
      const backends = { webcrypto: getBackend('webcrypto'), pure: pureBackend }
      const prepared = {}
      for (const [name, pair] of Object.entries(body.setup.keys)) {
        const alg = getAlgorithm(name)
        prepared[name] = { alg, priv: { jwk: pair.priv }, pub: { jwk: pair.pub }, sigs: {} }
        for (const [bn, b] of Object.entries(backends)) {
          const sig = await b.sign(alg, prepared[name].priv, data)
          if ((await b.verify(alg, prepared[name].pub, data, sig)) !== true) return new Response(bn + ' ' + name + ' did not verify', { status: 500 })
          prepared[name].sigs[bn] = sig
        }
      }
      state = { data, backends, prepared }
      const selected = {}
      for (const [name, p] of Object.entries(prepared)) selected[name] = selectBackend(p.alg, p.priv).name
      return Response.json({ ok: true, selected })
    }
    const { alg, backend, op, n } = body
    const p = state.prepared[alg]
    const b = state.backends[backend]
    for (let i = 0; i < n; i++) {
      if (op === 'sign') await b.sign(p.alg, p.priv, state.data)
      else await b.verify(p.alg, p.pub, state.data, p.sigs[backend])
    }
    return Response.json({ done: n })
  },
}
`


/** @returns {Promise<{ rows: object[], skipped?: string }>} */
export async function runWorkerdBackends({ built, targetMs = 200 }) {
  if (!existsSync(`${ROOT}node_modules/miniflare`)) return { rows: [], skipped: 'miniflare is not installed' }
  const esbuild = await import('esbuild')
  const { Miniflare } = await import('miniflare')
  const resolution = built ? builtResolution() : { resolveDir: ROOT, plugins: [signetSourcePlugin()] }
  const bundle = await esbuild.build({
    stdin: { contents: WORKER, resolveDir: resolution.resolveDir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: resolution.plugins,
    ...(resolution.tsconfig ? { tsconfig: resolution.tsconfig } : {}),
  })
  const mf = new Miniflare({ modules: true, script: bundle.outputFiles[0].text, compatibilityDate: '2026-07-01' })
  const call = async (body) => {
    const res = await mf.dispatchFetch('http://127.0.0.1/', { method: 'POST', body: JSON.stringify(body) })
    if (!res.ok) throw new Error(`worker answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
    return res.json()
  }
  const rows = []
  try {
    const { selected } = await call({ setup: { keys: jwkPairs(), base: Array.from(signatureBase('POST').base) } })
    rows.selected = selected
    const timed = async (body) => {
      const t = performance.now()
      await call(body)
      return performance.now() - t
    }
    // The cost of a request that does nothing, to subtract.
    const empties = []
    for (let i = 0; i < 15; i++) empties.push(await timed({ alg: 'hmac-sha256', backend: 'pure', op: 'sign', n: 0 }))
    const overhead = empties.sort((a, b) => a - b)[7]
    for (const alg of ALL_ALGORITHM_NAMES) {
      for (const backend of ['webcrypto', 'pure']) {
        for (const op of ['sign', 'verify']) {
          // Warm-up request, then double n until one request takes long enough.
          await timed({ alg, backend, op, n: 16 })
          let n = 4
          let ms = await timed({ alg, backend, op, n })
          while (ms < targetMs && n < 1_000_000) {
            n *= ms < targetMs / 8 ? 8 : 2
            ms = await timed({ alg, backend, op, n })
          }
          rows.push({ alg, backend, op, opsPerSecond: (n * 1000) / Math.max(ms - overhead, 0.001) })
        }
      }
    }
  } finally {
    await mf.dispose()
  }
  return { rows, selected: rows.selected }
}
