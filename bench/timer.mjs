// The one timing loop of the benchmark scripts that run in a child (a Node release, Deno, Bun):
// warm up for half the measuring time (JIT tiers take a moment), then count completed calls.

/**
 * Operations per second of `fn`, measured for `ms` milliseconds after a warm-up of `ms / 2`.
 *
 * @param {() => unknown} fn - the operation (awaited)
 * @param {number} ms - the measuring time
 * @returns {Promise<number>} completed calls per second
 */
export async function opsPerSecond(fn, ms) {
  const warm = performance.now()
  while (performance.now() - warm < ms / 2) await fn()
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    await fn()
    n++
  }
  return (n * 1000) / (performance.now() - start)
}
