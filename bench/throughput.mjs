// Runs every contender on every (algorithm, request, operation) case with tinybench and
// returns plain rows: ops/s, p50, p99 (microseconds), or the reason a contender did not run.
import { Bench } from 'tinybench'

export async function runCases({ algorithms, kinds, ops, contenders, keys, time, warmupTime, onCase }) {
  const rows = []
  for (const alg of algorithms) {
    for (const kind of kinds) {
      for (const op of ops) {
        const bench = new Bench({ time, warmupTime, throws: false })
        const caseRows = []
        for (const c of contenders) {
          if (!c.supports(alg, kind, op)) continue
          const row = { alg: alg.name, kind, op, contender: c.name, signet: c.signet === true }
          caseRows.push(row)
          try {
            // A contender returns its timed function, or { fn, beforeEach } when each call needs
            // a fresh input built outside the timed window (a Fetch Request, read once).
            const prepared = await c.prepare({ alg, kind, op, keys })
            if (typeof prepared === 'function') bench.add(c.name, prepared)
            else bench.add(c.name, prepared.fn, { beforeEach: prepared.beforeEach, async: true })
          } catch (e) {
            row.error = String(e?.message ?? e).split('\n')[0]
          }
        }
        await bench.run()
        for (const task of bench.tasks) {
          const row = caseRows.find((r) => r.contender === task.name)
          const r = task.result
          if (r.state === 'completed' || r.state === 'aborted-with-statistics') {
            row.opsPerSecond = r.throughput.mean
            row.p50us = r.latency.p50 * 1000
            row.p99us = r.latency.p99 * 1000
            row.samples = r.latency.samplesCount ?? r.latency.samples?.length
          } else {
            row.error = r.state === 'errored' ? String(r.error?.message ?? r.error) : r.state
          }
        }
        rows.push(...caseRows)
        onCase?.(caseRows)
      }
    }
  }
  return rows
}
