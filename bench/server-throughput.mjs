// Requests per second of a Node `http` server on loopback, bare and behind @signet/server's Node
// adapter (issue 5, item 9), and the verifier alone in process against the peers.
//
// The server runs in a child process (bench/server-child.mjs) so the load generator here never
// shares its event loop. Variants: `bare` (reads the body, answers 200 JSON), `hmac-sha256` and
// `ed25519` (the same handler behind withSignetNode(createVerifier(...)) with a MemoryNonceStore).
// `model` is the bare server plus what the adapter does before verifying (readNodeBody and
// fromNodeRequest), to split the verified server's cost into the adapter's and the verifier's.
// Every request is signed before the timed window with its own fresh nonce, so client signing
// never pollutes the server figure; the bare server is sent the very same signed bytes (HMAC).
// A fresh child per (variant, round) starts with an empty nonce store, so a pool can be replayed
// to the next child and every nonce is still new to the server that receives it.
//
// The load generator is a minimal HTTP/1.1 client on raw `net` sockets: `concurrency` persistent
// (keep-alive) connections, one request in flight on each, the request bytes serialized in
// advance. It is several times cheaper per request than `http.request`, so on a small machine the
// server, not the client, is the bottleneck; the report shows the server's CPU time per request
// and its event-loop utilization to make that checkable.
//
// Rounds interleave the variants (rotating the order) and the report takes the median across
// rounds; the overhead is computed per round, bare against verified measured in the same round.
import { execFile, fork } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { CREATED, KEY_ID, REQUESTS, componentsFor } from './fixtures.mjs'
import { ROOT } from './load-signet.mjs'

const CHILD = fileURLToPath(new URL('./server-child.mjs', import.meta.url))
export const SERVER_ALGORITHMS = ['hmac-sha256', 'ed25519']
export const VARIANTS = ['bare', 'model', 'control', 'hmac-sha256', 'ed25519']
const UNSIGNED = new Set(['bare', 'model', 'control'])

// ---------------------------------------------------------------- keys and pre-signed requests

/** One key per algorithm as JWKs: the private half signs, the public half goes to the server. */
export function serverKeys() {
  const secret = { kty: 'oct', k: randomBytes(32).toString('base64url') }
  const pair = generateKeyPairSync('ed25519')
  return {
    'hmac-sha256': { priv: secret, pub: secret },
    ed25519: { priv: pair.privateKey.export({ format: 'jwk' }), pub: pair.publicKey.export({ format: 'jwk' }) },
  }
}

/** The message model of a fixture request, plus extra field lines. */
function messageOf(req, extra, scheme) {
  const fields = []
  for (const [name, value] of req.headers) fields.push({ name, value })
  for (const [name, value] of extra) fields.push({ name, value })
  return { kind: 'request', method: req.method, scheme, authority: req.authority, target: req.target, fields, trailers: [], body: req.body }
}

/**
 * Sign `count` copies of a fixture request, each with its own nonce, `created` = now, and
 * serialize each as HTTP/1.1 bytes. The `Host` is the fixture's (api.example.com); the server
 * rebuilds `@target-uri` from it with scheme `http` (plain loopback socket).
 */
export async function presign({ core, key, kind, count }) {
  const req = REQUESTS[kind]
  const extra = req.body === undefined ? [] : [['content-digest', await core.createContentDigest(req.body)]]
  const components = componentsFor(kind)
  const created = Math.floor(Date.now() / 1000)
  const head = `${req.method} ${req.target} HTTP/1.1\r\n${[...req.headers, ...extra].map(([n, v]) => `${n}: ${v}\r\n`).join('')}`
  const model = messageOf(req, extra, 'http')
  const body = req.body === undefined ? undefined : Buffer.from(req.body)
  const out = new Array(count)
  for (let i = 0; i < count; i++) {
    const r = await core.signMessage(model, { key, components, created, nonce: core.createNonce(), keyid: KEY_ID })
    const text = `${head}signature-input: ${r.signatureInput}\r\nsignature: ${r.signature}\r\n\r\n`
    out[i] = body === undefined ? Buffer.from(text, 'latin1') : Buffer.concat([Buffer.from(text, 'latin1'), body])
  }
  return out
}

// ---------------------------------------------------------------- load generator

/**
 * Send `requests` (each once, in order; with `cycle`, round and round up to `maxCount`) over
 * `concurrency` keep-alive connections, one in flight per connection, until all are answered or
 * `durationMs` has passed (requests in flight then still complete). Responses must carry Content-Length (every response of server-child.mjs and
 * of Signet's problem responses does).
 *
 * @returns {{ count, seconds, statuses: Record<string, number>, p50ms, p99ms, reconnects }}
 */
export function drive({ port, requests, concurrency, durationMs, cycle = false, maxCount = requests.length }) {
  const total = cycle ? maxCount : Math.min(maxCount, requests.length)
  const latencies = new Float64Array(total)
  const statuses = {}
  let next = 0
  let done = 0
  let reconnects = 0
  let open = 0
  const t0 = performance.now()
  const deadline = t0 + durationMs
  let tLast = t0
  return new Promise((resolve, reject) => {
    const finished = () => {
      latencies.subarray(0, done).sort()
      const at = (q) => (done === 0 ? undefined : latencies[Math.min(done - 1, Math.floor(q * done))])
      resolve({ count: done, seconds: (tLast - t0) / 1000, statuses, p50ms: at(0.5), p99ms: at(0.99), reconnects })
    }
    const start = () => {
      open++
      const socket = connect({ port, host: '127.0.0.1', noDelay: true })
      let buf
      let sentAt = 0
      let closing = false
      const send = () => {
        if (next >= total || performance.now() >= deadline) {
          closing = true
          socket.destroy()
          return
        }
        sentAt = performance.now()
        socket.write(requests[next++ % requests.length])
      }
      socket.on('connect', send)
      socket.on('data', (chunk) => {
        buf = buf === undefined ? chunk : Buffer.concat([buf, chunk])
        const headEnd = buf.indexOf('\r\n\r\n')
        if (headEnd < 0) return
        const head = buf.toString('latin1', 0, headEnd)
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
        if (buf.length < headEnd + 4 + (m ? Number(m[1]) : 0)) return
        const now = performance.now()
        latencies[done++] = now - sentAt
        tLast = now
        const status = head.slice(9, 12)
        statuses[status] = (statuses[status] ?? 0) + 1
        buf = undefined
        send()
      })
      socket.on('error', (e) => {
        if (!closing && e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e)
      })
      socket.on('close', () => {
        open--
        // A refusal that closes the connection (400/413 answers do): open another one.
        if (!closing && next < total && performance.now() < deadline) {
          reconnects++
          start()
        } else if (open === 0) finished()
      })
    }
    for (let i = 0; i < concurrency; i++) start()
  })
}

// ---------------------------------------------------------------- wrk, optional

// wrk (the C load generator; Debian package `wrk`) as an alternative to drive(): one thread,
// the same connections, each request taken in turn from the pre-signed pool by a Lua script
// (round and round with `cycle`). Only used with --loadgen=wrk; never needed by `pnpm bench`.
const WRK_LUA = `
local reqs, n, i = {}, 0, 0
local f = assert(io.open(os.getenv("SIGNET_BENCH_REQUESTS"), "rb"))
local data = f:read("*a")
f:close()
local pos = 1
while true do
  local at = string.find(data, "\\0", pos, true)
  if at == nil then break end
  n = n + 1
  reqs[n] = string.sub(data, pos, at - 1)
  pos = at + 1
end
local cycle = os.getenv("SIGNET_BENCH_CYCLE") == "1"
request = function()
  i = i + 1
  if i > n then
    if cycle then i = 1 else i = n end
  end
  return reqs[i]
end
`

/** Whether `wrk` can be run here. */
export function wrkAvailable() {
  return new Promise((resolve) => execFile('wrk', ['--version'], (error, stdout, stderr) => resolve(/wrk/.test(`${stdout}${stderr}`))))
}

const wrkTime = (value, unit) => Number(value) * ({ us: 1e-3, ms: 1, s: 1000, m: 60_000 }[unit] ?? NaN)

/** Run wrk over `requests`; same result shape as drive(). */
export async function driveWrk({ port, requests, concurrency, durationMs, cycle = false }) {
  const dir = `${ROOT}.tmp/bench/wrk`
  mkdirSync(dir, { recursive: true })
  const file = `${dir}/requests-${process.pid}.bin`
  const script = `${dir}/pool.lua`
  writeFileSync(file, Buffer.concat(requests.flatMap((r) => [r, Buffer.from([0])])))
  writeFileSync(script, WRK_LUA)
  const seconds = Math.max(1, Math.round(durationMs / 1000))
  try {
    const stdout = await new Promise((resolve, reject) =>
      execFile(
        'wrk',
        ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`],
        { env: { ...process.env, SIGNET_BENCH_REQUESTS: file, SIGNET_BENCH_CYCLE: cycle ? '1' : '0' } },
        (error, out, err) => (error ? reject(new Error(`wrk: ${String(err || error.message).split('\n')[0]}`)) : resolve(out)),
      ),
    )
    const count = Number(/(\d+) requests in ([\d.]+)(\w+)/.exec(stdout)?.[1])
    const took = /(\d+) requests in ([\d.]+)(\w+)/.exec(stdout)
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0)
    const socketErrors = /Socket errors: (.*)/.exec(stdout)?.[1]
    const pct = (q) => {
      const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s|m)`).exec(stdout)
      return m ? wrkTime(m[1], m[2]) : undefined
    }
    const statuses = { 200: count - non2xx }
    if (non2xx > 0) statuses['non-2xx'] = non2xx
    if (socketErrors) statuses['socket errors'] = socketErrors
    return { count, seconds: wrkTime(took[2], took[3]) / 1000, statuses, p50ms: pct(50), p99ms: pct(99), reconnects: 0 }
  } finally {
    rmSync(file, { force: true })
  }
}

// ---------------------------------------------------------------- the child server

function startChild(setup) {
  // SIGNET_BENCH_PROFILE=DIR writes a CPU profile of every server child into DIR.
  const profile = process.env.SIGNET_BENCH_PROFILE
  const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${setup.variant}-${setup.alg ?? 'none'}-${Date.now()}.cpuprofile`] : []
  const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const waitFor = (type, ms = 10_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server child: no ${type} within ${ms} ms`)), ms)
      const onMessage = (msg) => {
        if (msg?.type === type || msg?.type === 'error') {
          clearTimeout(timer)
          child.off('message', onMessage)
          child.off('exit', onExit)
          if (msg.type === 'error') reject(new Error(`server child: ${msg.message}`))
          else resolve(msg)
        }
      }
      const onExit = (code) => {
        clearTimeout(timer)
        child.off('message', onMessage)
        reject(new Error(`server child exited (${code}): ${stderr.split('\n').filter(Boolean).slice(-1)[0] ?? ''}`))
      }
      child.on('message', onMessage)
      child.once('exit', onExit)
    })
  const listening = waitFor('listening')
  child.send(setup)
  return {
    listening,
    async mark() {
      child.send({ type: 'mark' })
      return waitFor('mark')
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send({ type: 'close' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** CPU (user + system) in microseconds and event-loop utilization between two marks. */
function between(a, b) {
  const cpuUs = b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system)
  const active = b.elu.active - a.elu.active
  const idle = b.elu.idle - a.elu.idle
  return { cpuUs, elu: active + idle > 0 ? active / (active + idle) : undefined }
}

/** One child: warm up GET and POST (and check), then measure GET, then POST. */
async function measureVariant({ variant, entries, keys, pools, concurrency, durationMs, maxCount, loadgen, spinUs }) {
  const alg = UNSIGNED.has(variant) ? 'hmac-sha256' : variant
  const child = startChild({ variant: UNSIGNED.has(variant) ? variant : 'verified', entries, alg, jwk: keys[alg]?.pub, kid: KEY_ID, spinUs })
  const out = {}
  try {
    const { port } = await child.listening
    for (const kind of ['GET', 'POST']) {
      const pool = pools[alg][kind]
      const warm = await drive({ port, requests: pool.warm, concurrency, durationMs: 30_000 })
      if ((warm.statuses['200'] ?? 0) !== pool.warm.length) throw new Error(`${variant} ${kind}: warm-up answered ${JSON.stringify(warm.statuses)}`)
      // The verified server must refuse a replayed nonce (so no row times a server that accepts
      // anything); bare and model accept it.
      const replay = await drive({ port, requests: [pool.warm[0]], concurrency: 1, durationMs: 5000 })
      if (!UNSIGNED.has(variant) && replay.statuses['200'] !== undefined) throw new Error(`${variant} ${kind}: a replayed request was accepted`)
    }
    for (const kind of ['GET', 'POST']) {
      const pool = pools[alg][kind]
      const a = await child.mark()
      const c0 = process.cpuUsage()
      // The bare and model servers ignore nonces: they may be sent the pool round and round.
      const run = await (loadgen === 'wrk' ? driveWrk : drive)({ port, requests: pool.timed, concurrency, durationMs, cycle: UNSIGNED.has(variant), maxCount })
      const c1 = process.cpuUsage(c0)
      const b = await child.mark()
      const { cpuUs, elu } = between(a, b)
      out[kind] = {
        ...run,
        rps: run.count / run.seconds,
        cpuUsPerReq: cpuUs / run.count,
        // Share of one CPU the server actually got: well under its event-loop use means it was
        // runnable but waiting for a CPU (the machine is busy).
        cpuShare: cpuUs / 1e6 / run.seconds,
        // wrk's own CPU time is not measured (it is not this process).
        clientCpuUsPerReq: loadgen === 'wrk' ? undefined : (c1.user + c1.system) / run.count,
        elu,
        ok: (run.statuses['200'] ?? 0) === run.count,
      }
    }
  } catch (e) {
    out.error = String(e?.message ?? e).split('\n')[0]
  } finally {
    await child.stop()
  }
  return out
}

const median = (xs) => {
  const v = xs.filter((x) => x !== undefined && Number.isFinite(x)).sort((p, q) => p - q)
  if (v.length === 0) return undefined
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

/**
 * The whole loopback measurement.
 *
 * @param {{ core: object, entries: Record<string, string>, quick?: boolean, loadgen?: 'node' | 'wrk', onProgress?: (line: string) => void }} options
 * @returns {Promise<{ rows?: object[], error?: string, settings: object }>}
 */
/**
 * @param {object} options
 * @param {{ GET: number, POST: number }} [options.spinUs] HMAC verifier.verify() µs per request
 *   kind, measured in process: with it, the `control` variant runs too.
 */
export async function runServerThroughput({ core, entries, quick = false, loadgen = 'node', onProgress = () => {}, spinUs }) {
  const variants = spinUs === undefined ? VARIANTS.filter((v) => v !== 'control') : VARIANTS
  const settings = {
    loadgen,
    rounds: quick ? 1 : 3,
    concurrency: 32,
    // wrk counts whole seconds.
    durationMs: loadgen === 'wrk' ? 1000 : quick ? 700 : 1200,
    // Pre-signed requests per (algorithm, request) for the timed runs: a verified run ends early
    // (still a valid rate) if it uses them all; the bare run cycles through the HMAC ones up to
    // maxCount. Ed25519 verifies several times slower, so it gets fewer (signing them is the
    // slow part of the preparation). Per child: 2 x (warm + timed) nonces, under the
    // MemoryNonceStore's default 100 000 entries.
    timed: { 'hmac-sha256': quick ? 12_000 : 30_000, ed25519: quick ? 6000 : 15_000 },
    warm: quick ? 1000 : 2000,
    maxCount: 200_000,
    spinUs,
  }
  if (entries['@signet/server'] === undefined || entries['@signet/core'] === undefined || typeof core?.signMessage !== 'function') {
    return { error: '@signet/server or @signet/core is not available', settings }
  }
  if (loadgen === 'wrk' && !(await wrkAvailable())) return { error: '--loadgen=wrk: wrk is not installed (Debian package `wrk`)', settings }
  settings.loadAverage = loadavg()[0]
  const started = performance.now()
  const keys = serverKeys()
  const pools = {}
  for (const alg of SERVER_ALGORITHMS) {
    const key = await core.importKey(keys[alg].priv, { alg, kid: KEY_ID })
    pools[alg] = {}
    for (const kind of ['GET', 'POST']) {
      const all = await presign({ core, key, kind, count: settings.warm + settings.timed[alg] })
      pools[alg][kind] = { warm: all.slice(0, settings.warm), timed: all.slice(settings.warm) }
    }
  }
  settings.presignSeconds = (performance.now() - started) / 1000
  onProgress(`  server: pre-signed ${SERVER_ALGORITHMS.reduce((n, alg) => n + 2 * (settings.warm + settings.timed[alg]), 0)} requests in ${settings.presignSeconds.toFixed(1)} s`)

  const perRound = []
  for (let round = 0; round < settings.rounds; round++) {
    const results = {}
    // Rotate the order so no variant always runs first (or last) in a round.
    const order = variants.map((_, i) => variants[(i + round) % variants.length])
    for (const variant of order) {
      results[variant] = await measureVariant({ variant, entries, keys, pools, concurrency: settings.concurrency, durationMs: settings.durationMs, maxCount: settings.maxCount, loadgen, spinUs })
      const r = results[variant]
      onProgress(`  server round ${round + 1} ${variant}: ${r.error ? `ERR ${r.error}` : ['GET', 'POST'].map((k) => `${k} ${r[k].rps.toFixed(0)} req/s`).join(', ')}`)
    }
    perRound.push(results)
  }
  settings.seconds = (performance.now() - started) / 1000

  const rows = []
  for (const kind of ['GET', 'POST']) {
    for (const variant of variants) {
      const runs = perRound.map((r) => r[variant]).filter((r) => r.error === undefined)
      const errors = perRound.map((r) => r[variant].error).filter(Boolean)
      const ks = runs.map((r) => r[kind])
      const best = (v) => Math.max(...perRound.filter((r) => r[v].error === undefined).map((r) => r[v][kind].rps))
      const bad = ks.filter((k) => !k.ok).map((k) => JSON.stringify(k.statuses))
      // Per round, and best against best: on a shared machine a run is sometimes held back by
      // the load generator or a neighbour (the bare server then shows an event-loop use well
      // under 100%), and the best of the rounds is the least disturbed one.
      const overheads = perRound
        .filter((r) => variant !== 'bare' && r.bare.error === undefined && r[variant].error === undefined)
        .map((r) => 1 - r[variant][kind].rps / r.bare[kind].rps)
      const cpuOverheads = perRound
        .filter((r) => variant !== 'bare' && r.bare.error === undefined && r[variant].error === undefined)
        .map((r) => 1 - r.bare[kind].cpuUsPerReq / r[variant][kind].cpuUsPerReq)
      rows.push({
        kind,
        variant,
        rounds: ks.length,
        error: errors[0] ?? (bad.length ? `non-200 answers: ${bad.join(' ')}` : undefined),
        rps: median(ks.map((k) => k.rps)),
        bestRps: ks.length ? Math.max(...ks.map((k) => k.rps)) : undefined,
        rpsAll: ks.map((k) => k.rps),
        p50ms: median(ks.map((k) => k.p50ms)),
        p99ms: median(ks.map((k) => k.p99ms)),
        cpuUsPerReq: median(ks.map((k) => k.cpuUsPerReq)),
        clientCpuUsPerReq: median(ks.map((k) => k.clientCpuUsPerReq)),
        elu: median(ks.map((k) => k.elu)),
        cpuShare: median(ks.map((k) => k.cpuShare)),
        requests: median(ks.map((k) => k.count)),
        overhead: median(overheads),
        bestOverhead: variant === 'bare' || ks.length === 0 || !(best('bare') > 0) ? undefined : 1 - best(variant) / best('bare'),
        // The same overhead read off the server's CPU time per request (robust when the load
        // generator, not the server, limits the bare figure).
        cpuOverhead: median(cpuOverheads),
        overheadAll: overheads,
      })
    }
  }
  return { rows, settings }
}

// ---------------------------------------------------------------- the verifier alone, in process

/** The fixture request as a message model, for the in-process verifier. */
function inProcessMessage(req, extra) {
  return messageOf(req, extra, 'https')
}

/**
 * @signet/server's `verifier.verify()` as a throughput contender (bench/throughput.mjs), verify
 * only, HMAC and Ed25519: a verifier with one key record and a MemoryNonceStore, fed a pool of
 * requests signed in advance, each with its own nonce (so every call records a nonce, as in
 * production). When the pool wraps, the store is cleared (once every `poolSize` calls).
 */
export function serverVerifierContender(server, core, { poolSize = 10_000 } = {}) {
  return {
    name: 'Signet verifier (server)',
    signet: true,
    supports: (alg, kind, op) => op === 'verify' && SERVER_ALGORITHMS.includes(alg.name) && typeof server?.createVerifier === 'function',
    async prepare({ alg, kind, keys }) {
      const k = keys[alg.name]
      const signKey = await core.importKey(k.privateJwk, { alg: alg.name, kid: KEY_ID })
      const verifyKey = alg.name === 'hmac-sha256' ? signKey : await core.importKey(k.publicJwk, { alg: alg.name, kid: KEY_ID })
      const req = REQUESTS[kind]
      const extra = req.body === undefined ? [] : [['content-digest', await core.createContentDigest(req.body)]]
      const components = componentsFor(kind)
      const unsigned = inProcessMessage(req, extra)
      const pool = new Array(poolSize)
      for (let i = 0; i < poolSize; i++) {
        const r = await core.signMessage(unsigned, { key: signKey, components, created: CREATED, nonce: core.createNonce(), keyid: KEY_ID })
        pool[i] = inProcessMessage(req, [...extra, ['signature-input', r.signatureInput], ['signature', r.signature]])
      }
      const nowMs = () => (CREATED + 1) * 1000
      const nonces = new server.MemoryNonceStore({ now: nowMs })
      const verifier = server.createVerifier({ keys: [{ id: KEY_ID, key: verifyKey, owner: 'bench' }], nonces, clock: nowMs })
      const options = { clientIp: '127.0.0.1' }
      // Checks that can fail: the first message verifies, its replay and a tampered copy do not.
      if ((await verifier.verify(pool[0], options)).keyid !== KEY_ID) throw new Error('the verifier did not verify its own request')
      for (const bad of [pool[0], { ...pool[1], method: req.method === 'GET' ? 'PUT' : 'PATCH' }]) {
        let refused = false
        try {
          await verifier.verify(bad, options)
        } catch {
          refused = true
        }
        if (!refused) throw new Error('the verifier accepted a replayed or tampered request')
      }
      nonces.clear()
      let i = 0
      return async () => {
        if (i === poolSize) {
          i = 0
          nonces.clear()
        }
        return (await verifier.verify(pool[i++], options)).keyid === KEY_ID
      }
    },
  }
}
