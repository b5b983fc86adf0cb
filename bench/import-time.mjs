// Cold import time of each entry, two ways, each in fresh processes:
// - wall clock of `node -e "import(entry)"` minus bare `node -e 0`, paired run by run (an entry
//   run and a bare run back to back) and the median of the differences taken, so a change in
//   machine load between runs cancels out;
// - the time import() itself takes inside the process (performance.now() around it), which
//   leaves out Node's own start-up and is much less noisy.
import { spawnSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'

function timeRun(args) {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(String(r.stderr).split('\n').find((l) => l.trim()) ?? `exit ${r.status}`)
  return { ms, stdout: r.stdout }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** @returns {{ bareMs: number, rows: Array<{ entry, medianMs?, overBareMs?, inProcessMs?, error? }> }} */
export function measureImports(entries, runs = 9) {
  const bare = []
  const diffs = Object.fromEntries(Object.keys(entries).map((e) => [e, []]))
  const walls = Object.fromEntries(Object.keys(entries).map((e) => [e, []]))
  const inside = Object.fromEntries(Object.keys(entries).map((e) => [e, []]))
  const errors = {}
  for (let i = 0; i < runs; i++) {
    for (const [name, file] of Object.entries(entries)) {
      if (errors[name]) continue
      try {
        const b = timeRun(['-e', '0']).ms
        bare.push(b)
        const url = JSON.stringify(pathToFileURL(file).href)
        const w = timeRun(['-e', `import(${url})`]).ms
        walls[name].push(w)
        diffs[name].push(w - b)
        const t = timeRun([
          '-e',
          `import('data:text/javascript,').then(()=>{const t=performance.now();return import(${url}).then(()=>process.stdout.write(String(performance.now()-t)))})`,
        ])
        inside[name].push(Number(t.stdout))
      } catch (e) {
        errors[name] = e.message
      }
    }
  }
  const rows = Object.keys(entries).map((entry) =>
    errors[entry]
      ? { entry, error: errors[entry] }
      : { entry, medianMs: median(walls[entry]), overBareMs: median(diffs[entry]), inProcessMs: median(inside[entry]) },
  )
  return { bareMs: median(bare), rows }
}
