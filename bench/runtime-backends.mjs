// Runs inside Deno or Bun (spawned by scripts/bench.mjs): each backend present, each algorithm,
// sign and verify on the signature base for a fixed time. argv: core entry, pure entry, JSON
// file with { keys, base, ms }. Prints { rows, runtime, selected } as JSON (selected: the
// backend the default selection picks per algorithm there).
const [coreFile, pureFile, inputFile] = (globalThis.Deno ? Deno.args : process.argv.slice(2))
const core = await import(new URL(coreFile, 'file://').href)
const { pureBackend } = await import(new URL(pureFile, 'file://').href)
const { readFile } = await import('node:fs/promises')
const { opsPerSecond } = await import(new URL('./timer.mjs', import.meta.url).href)
const { keys, base, ms } = JSON.parse(await readFile(inputFile, 'utf8'))
const data = new Uint8Array(base)
const backends = []
for (const name of ['native', 'webcrypto']) {
  try {
    backends.push(core.getBackend(name))
  } catch {}
}
backends.push(pureBackend)
const time = (fn) => opsPerSecond(fn, ms)
const rows = []
const selected = {}
for (const [name, pair] of Object.entries(keys)) {
  const alg = core.getAlgorithm(name)
  selected[name] = core.selectBackend(alg, { jwk: pair.priv }).name
  for (const b of backends) {
    const priv = { jwk: pair.priv }
    const pub = { jwk: pair.pub }
    try {
      if (!b.supports(alg, priv)) throw new Error('not supported')
      const sig = await b.sign(alg, priv, data)
      if ((await b.verify(alg, pub, data, sig)) !== true) throw new Error('did not verify')
      rows.push({ alg: name, backend: b.name, op: 'sign', opsPerSecond: await time(() => b.sign(alg, priv, data)) })
      rows.push({ alg: name, backend: b.name, op: 'verify', opsPerSecond: await time(() => b.verify(alg, pub, data, sig)) })
    } catch (e) {
      for (const op of ['sign', 'verify']) rows.push({ alg: name, backend: b.name, op, error: String(e?.message ?? e) })
    }
  }
}
const runtime = globalThis.Deno ? `Deno ${Deno.version.deno}` : globalThis.Bun ? `Bun ${Bun.version}` : `Node ${process.version}`
console.log(JSON.stringify({ rows, runtime, selected }))
