// The per-algorithm backend table: each backend's sign and verify on the same signature base,
// through the CryptoBackend interface (KeyMaterial = { jwk }), and which one selection picks.
import { Bench } from 'tinybench'
import { ALL_ALGORITHM_NAMES, jwkPairs, signatureBase } from './fixtures.mjs'


/**
 * @param core @signet/core; @param pure @signet/core/pure (or undefined)
 * @returns rows { alg, op, backend, opsPerSecond, p50us, p99us, selected } or { error }
 */
export async function runBackends({ core, pure, time, warmupTime }) {
  const backends = []
  for (const name of ['native', 'webcrypto']) {
    try {
      backends.push(core.getBackend(name))
    } catch {}
  }
  if (pure?.pureBackend) backends.push(pure.pureBackend)
  const { base } = signatureBase('POST')
  const rows = []
  const pairs = jwkPairs()
  for (const name of ALL_ALGORITHM_NAMES) {
    const alg = core.getAlgorithm(name)
    const { priv, pub } = pairs[name]
    // One KeyMaterial object per key, as an imported key has: backends cache by it.
    const privMaterial = { jwk: priv }
    const pubMaterial = { jwk: pub }
    let selected
    try {
      selected = core.selectBackend(alg, privMaterial).name
    } catch {}
    for (const op of ['sign', 'verify']) {
      const bench = new Bench({ time, warmupTime, throws: false })
      for (const b of backends) {
        if (!b.supports(alg, privMaterial)) {
          rows.push({ alg: name, op, backend: b.name, error: 'not supported' })
          continue
        }
        try {
          if (op === 'sign') {
            await b.sign(alg, privMaterial, base)
            bench.add(b.name, () => b.sign(alg, privMaterial, base))
          } else {
            const sig = await b.sign(alg, privMaterial, base)
            if ((await b.verify(alg, pubMaterial, base, sig)) !== true) throw new Error('did not verify')
            bench.add(b.name, () => b.verify(alg, pubMaterial, base, sig))
          }
        } catch (e) {
          rows.push({ alg: name, op, backend: b.name, error: String(e?.message ?? e).split('\n')[0] })
        }
      }
      await bench.run()
      for (const task of bench.tasks) {
        const r = task.result
        const row = { alg: name, op, backend: task.name, selected: task.name === selected }
        if (r.state === 'completed' || r.state === 'aborted-with-statistics') {
          Object.assign(row, { opsPerSecond: r.throughput.mean, p50us: r.latency.p50 * 1000, p99us: r.latency.p99 * 1000 })
        } else row.error = r.state
        rows.push(row)
      }
    }
  }
  return rows
}
