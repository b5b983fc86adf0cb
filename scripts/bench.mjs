#!/usr/bin/env node
// pnpm bench: Signet side by side with its peers and the raw crypto limit, in one run.
//
// Measures (Node, this machine): sign and verify ops/s, p50 and p99 for HMAC-SHA256, Ed25519,
// ECDSA P-256 and RSA-PSS, on a GET and on a POST with a 256-byte JSON body and Content-Digest;
// the share of the node:crypto limit and the ratio to each peer; @signet/server's verifier alone
// and a Node http server on loopback, bare and verifying (issue 5); each backend per algorithm;
// cold import time and bundle size of each entry; memory over 100k verifications. Prints the
// tables and writes the same text to bench/results.md.
//
// Also: the native HMAC path on each Node release (20, this process's; 22 and 24, installed into
// .tmp by test/support/node-releases.mjs), since its fast path depends on crypto.hash.
//
// Options: --quick (shorter sampling), --only=throughput,client,server,backends,runtimes,nodes,imports,bundles,memory,
// --sources (bundle the TypeScript sources instead of using packages/*/dist), --loadgen=wrk (drive
// the loopback server with wrk instead of the built-in Node load generator)
// Benchmarks are never tests: no figure here fails the build; the targets are reported.
import { spawnSync } from 'node:child_process'
import { cpus } from 'node:os'
import { statSync, writeFileSync } from 'node:fs'
import { ALGORITHMS, makeKeys } from '../bench/fixtures.mjs'
import { ROOT, loadSignet } from '../bench/load-signet.mjs'
import { peers, rawLimit } from '../bench/peers.mjs'
import { missingExports, signetContender } from '../bench/signet.mjs'
import { clientSignContender, fetchFloorContender, fetchOverhead, fetchVerifyContender, nodeVerifyContender } from '../bench/client.mjs'
import { runCases } from '../bench/throughput.mjs'
import { runBackends } from '../bench/backends.mjs'
import { measureImports } from '../bench/import-time.mjs'
import { measureBundles } from '../bench/bundle-size.mjs'
import { runOtherRuntimes } from '../bench/runtimes.mjs'
import { SERVER_ALGORITHMS, runServerThroughput, serverVerifierContender } from '../bench/server-throughput.mjs'
import { nodeReleases } from '../test/support/node-releases.mjs'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const fromSources = args.includes('--sources')
const onlyArg = args.find((a) => a.startsWith('--only='))
// The loopback server part's load generator: this process (default) or wrk, if installed.
const loadgen = args.includes('--loadgen=wrk') ? 'wrk' : 'node'
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : undefined
const wants = (part) => only === undefined || only.has(part)
const TIME = quick ? 150 : 450
const WARMUP = quick ? 40 : 100

const out = []
const say = (line = '') => {
  out.push(line)
  console.log(line)
}
const started = performance.now()

// ---------------------------------------------------------------- formatting helpers
const fmtOps = (n) => (n === undefined ? 'n/a' : n >= 100_000 ? `${Math.round(n / 1000)}k` : n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n >= 1000 ? `${(n / 1000).toFixed(2)}k` : n.toFixed(0))
const fmtUs = (n) => (n === undefined ? 'n/a' : n >= 100 ? n.toFixed(0) : n.toFixed(1))
const fmtPct = (n) => (n === undefined ? 'n/a' : `${(n * 100).toFixed(0)}%`)
const fmtRatio = (a, b) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`)
const fmtKB = (bytes) => `${(bytes / 1024).toFixed(2)} KB`
function table(headers, rows) {
  say(`| ${headers.join(' | ')} |`)
  say(`| ${headers.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`)
  for (const r of rows) say(`| ${r.join(' | ')} |`)
  say()
}

const BACKEND_NAMES = ['native', 'webcrypto', 'pure']
const selectionNotes = []
/** One backend table: ops/s per backend, the fastest, and what the default selection picks. */
function backendTable(rows, selected, runtime) {
  const algs = [...new Set(rows.map((r) => r.alg))]
  table(
    ['algorithm', 'op', ...BACKEND_NAMES.map((n) => `${n} ops/s`), 'fastest', 'default selection'],
    algs.flatMap((alg) =>
      ['sign', 'verify'].map((op) => {
        const rs = rows.filter((r) => r.alg === alg && r.op === op)
        const ok = rs.filter((r) => r.opsPerSecond !== undefined).sort((a, b) => b.opsPerSecond - a.opsPerSecond)
        const fastest = ok[0]
        const pick = selected?.[alg]
        const picked = ok.find((r) => r.backend === pick)
        // A pick well behind the fastest (more than 25% slower) is worth a look.
        if (fastest && picked && picked.opsPerSecond < fastest.opsPerSecond * 0.75) {
          selectionNotes.push(`${runtime}: ${alg} ${op} selects ${pick} (${fmtOps(picked.opsPerSecond)}/s) but ${fastest.backend} does ${fmtOps(fastest.opsPerSecond)}/s`)
        }
        return [
          alg,
          op,
          ...BACKEND_NAMES.map((n) => {
            const r = rs.find((x) => x.backend === n)
            return r === undefined ? 'absent' : r.error ? r.error : fmtOps(r.opsPerSecond)
          }),
          fastest?.backend ?? 'n/a',
          pick ?? 'n/a',
        ]
      }),
    ),
  )
}

// ---------------------------------------------------------------- load Signet
const signet = await loadSignet({ sources: args.includes('--sources') })
// A rebuild during the run (build.mjs empties dist first) would break the later parts.
const builtAt = () => {
  try {
    return statSync(signet.entries['@signet/core'] ?? '').mtimeMs
  } catch {
    return undefined
  }
}
const startedBuild = builtAt()
const core = signet.modules['@signet/core']
const pure = signet.modules['@signet/core/pure']
const missing = missingExports(core)

say('# Signet benchmarks')
say()
say(`- Date: ${new Date().toISOString()}; Node ${process.version}; ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}`)
say(`- Signet loaded from: ${signet.source === 'dist' ? 'the built packages (packages/*/dist)' : `an esbuild bundle of the sources in .tmp/bench (${fromSources ? '--sources' : 'no build found'})`}`)
if (signet.error) say(`- Load problem: ${signet.error}`)
if (missing.length > 0) say(`- Signet rows are n/a: @signet/core lacks ${missing.join(', ')}`)
say(`- Sampling: tinybench, ${TIME} ms per task after ${WARMUP} ms warm-up${quick ? ' (--quick)' : ''}. Figures move by 10-20% run to run on a shared machine; ratios within one run are the comparison.`)
say()

const targets = []
const server = signet.modules['@signet/server']
// The in-process verifier contender (HMAC and Ed25519 verify only); its rows feed both the
// throughput tables and the server section.
const verifierContender = serverVerifierContender(server, core ?? {})
let throughputRows

// ---------------------------------------------------------------- throughput
if (wants('throughput')) {
  const keys = makeKeys()
  // Signet forced onto the other two backends: what a runtime without node:crypto gets.
  const forced = pure?.pureBackend
    ? [signetContender(core ?? {}, { name: 'Signet (webcrypto)', backend: 'webcrypto' }), signetContender(core ?? {}, { name: 'Signet (pure)', backend: 'pure' })]
    : [signetContender(core ?? {}, { name: 'Signet (webcrypto)', backend: 'webcrypto' })]
  const contenders = [rawLimit, signetContender(core ?? {}), ...peers, ...forced, ...(server ? [verifierContender] : [])]
  const rows = await runCases({
    algorithms: ALGORITHMS,
    kinds: ['GET', 'POST'],
    ops: ['sign', 'verify'],
    contenders,
    keys,
    time: TIME,
    warmupTime: WARMUP,
    onCase: (caseRows) => {
      const c = caseRows[0]
      process.stderr.write(`  ${c.alg} ${c.kind} ${c.op}: ${caseRows.map((r) => `${r.contender} ${r.error ? 'ERR' : fmtOps(r.opsPerSecond)}`).join(', ')}\n`)
    },
  })
  throughputRows = rows
  const peerNames = peers.map((p) => p.name)
  const cases = []
  for (const alg of ALGORITHMS) for (const kind of ['GET', 'POST']) for (const op of ['sign', 'verify']) cases.push({ alg: alg.name, kind, op })
  const find = (c, name) => rows.find((r) => r.alg === c.alg && r.kind === c.kind && r.op === c.op && r.contender === name)

  say('## Internals: core signMessage / verifyMessage against the limit and the peers')
  say()
  say('These rows are **internals**: `signMessage` and `verifyMessage` of @signet/core on a prepared message model, a building block no application calls directly. The public entry points (client `sign()`, `signedFetch`, `verify(request)`) are in "Public API: what users call"; a claim about being ahead of the peers holds only for those rows.')
  say()
  say('Share of limit = Signet ops/s / node:crypto ops/s on the same signature base (plus the body digest on POST).')
  say('Peer columns = Signet ops/s / peer ops/s (above 1.00x: Signet is faster); blank where the peer lacks the algorithm.')
  say()
  table(
    ['case', 'Signet ops/s', 'p50 µs', 'p99 µs', 'limit ops/s', 'share of limit', ...peerNames],
    cases.map((c) => {
      const s = find(c, 'Signet')
      const limit = find(c, rawLimit.name)
      return [
        `${c.alg} ${c.kind} ${c.op}`,
        s?.error ? `error: ${s.error}` : fmtOps(s?.opsPerSecond),
        fmtUs(s?.p50us),
        fmtUs(s?.p99us),
        fmtOps(limit?.opsPerSecond),
        fmtPct(s?.opsPerSecond && limit?.opsPerSecond ? s.opsPerSecond / limit.opsPerSecond : undefined),
        ...peerNames.map((p) => {
          const r = find(c, p)
          if (r === undefined) return ''
          if (r.error) return `error`
          return fmtRatio(s?.opsPerSecond, r.opsPerSecond)
        }),
      ]
    }),
  )

  say('### Every contender')
  say()
  table(
    ['case', 'contender', 'ops/s', 'p50 µs', 'p99 µs', 'share of limit'],
    cases.flatMap((c) => {
      const limit = find(c, rawLimit.name)
      return rows
        .filter((r) => r.alg === c.alg && r.kind === c.kind && r.op === c.op)
        .map((r) => [
          `${c.alg} ${c.kind} ${c.op}`,
          r.contender,
          r.error ? `error: ${r.error}` : fmtOps(r.opsPerSecond),
          fmtUs(r.p50us),
          fmtUs(r.p99us),
          fmtPct(r.opsPerSecond && limit?.opsPerSecond ? r.opsPerSecond / limit.opsPerSecond : undefined),
        ])
    }),
  )
  say('Notes: "Signet" uses the default backend (node:crypto here); "Signet (webcrypto)" and "Signet (pure)" force the backend, as a runtime without node:crypto would run. http-message-signatures, http-message-sig and the limit use node:crypto; web-bot-auth signs with WebCrypto; @smithy/signature-v4 is AWS SigV4 (its own scheme, HMAC only; "verify" recomputes the Authorization value and compares it); jose signs a compact JWS over the body (POST) or over the request line (GET). Peers that do not check Content-Digest themselves get the node:crypto digest check added. "Signet verifier (server)" is @signet/server\'s `verifier.verify()` (whole pipeline: policy, key record, time checks, signature, Content-Digest, a MemoryNonceStore recording a fresh nonce per request), HMAC and Ed25519 only.')
  say()

  // Targets from issue 3, read off this run.
  const share = (alg, kind, op) => {
    const c = { alg, kind, op }
    const s = find(c, 'Signet')
    const l = find(c, rawLimit.name)
    return s?.opsPerSecond && l?.opsPerSecond ? s.opsPerSecond / l.opsPerSecond : undefined
  }
  for (const [alg, op, min] of [
    ['hmac-sha256', 'sign', 0.6],
    ['hmac-sha256', 'verify', 0.5],
    ['ed25519', 'sign', 0.9],
    ['ed25519', 'verify', 0.9],
  ]) {
    for (const kind of ['GET', 'POST']) {
      const v = share(alg, kind, op)
      targets.push([`${alg} ${kind} ${op} >= ${min * 100}% of limit`, v === undefined ? 'n/a' : fmtPct(v), v === undefined ? 'n/a' : v >= min ? 'met' : 'NOT met'])
    }
  }
  let behind = []
  let compared = 0
  for (const c of cases) {
    const s = find(c, 'Signet')
    for (const p of peerNames) {
      const r = find(c, p)
      if (!s?.opsPerSecond || !r?.opsPerSecond) continue
      compared++
      if (s.opsPerSecond <= r.opsPerSecond) behind.push(`${c.alg} ${c.kind} ${c.op} vs ${p}`)
    }
  }
  targets.push(['internals (core) ahead of every peer in every row', compared === 0 ? 'n/a' : behind.length === 0 ? `${compared} of ${compared} comparisons` : `behind in: ${behind.join('; ')}`, compared === 0 ? 'n/a' : behind.length === 0 ? 'met' : 'NOT met'])
}

// ---------------------------------------------------------------- client (issue 10)
// The public entry points a user calls, beside the limit and the RFC 9421 peers, in one run.
const RFC9421_PEERS = ['http-message-signatures', 'http-message-sig', 'web-bot-auth']
const FETCH_FLOOR = 'Fetch floor (no Signet code)'
if (wants('client')) {
  const client = signet.modules['@signet/client']
  const lean = signet.modules['@signet/client/sign']
  say('## Public API: what users call (issue 10)')
  say()
  if (client?.createSigner === undefined || server?.createVerifier === undefined) {
    say('n/a: @signet/client or @signet/server is not loaded.')
    say()
  } else {
    const keys = makeKeys()
    const publicContenders = [
      clientSignContender(client, { name: 'client sign(description)', path: 'description' }),
      clientSignContender(client, { name: 'client sign(Request)', path: 'request' }),
      ...(lean?.createSigner ? [clientSignContender(lean, { name: 'lean sign(description)', path: 'description', lean: true })] : []),
      fetchVerifyContender(server, core, client, { name: 'verify(Fetch Request)' }),
      fetchFloorContender({ name: FETCH_FLOOR }),
      nodeVerifyContender(server, core, client, { name: 'verifyNodeRequest (Node adapter)' }),
      verifierContender,
    ]
    const rfcPeers = peers.filter((p) => RFC9421_PEERS.includes(p.name))
    const rows = await runCases({
      algorithms: ALGORITHMS.filter((a) => a.name === 'hmac-sha256' || a.name === 'ed25519'),
      kinds: ['GET', 'POST'],
      ops: ['sign', 'verify'],
      contenders: [rawLimit, signetContender(core ?? {}, { name: 'core (internal)' }), ...publicContenders, ...rfcPeers],
      keys,
      time: TIME,
      warmupTime: WARMUP,
      onCase: (caseRows) => {
        const c = caseRows[0]
        process.stderr.write(`  client ${c.alg} ${c.kind} ${c.op}: ${caseRows.map((r) => `${r.contender} ${r.error ? 'ERR ' + r.error : fmtOps(r.opsPerSecond)}`).join(', ')}\n`)
      },
    })
    const at = (alg, kind, op, name) => rows.find((r) => r.alg === alg && r.kind === kind && r.op === op && r.contender === name)
    const bestPeer = (alg, kind, op) =>
      rows.filter((r) => r.alg === alg && r.kind === kind && r.op === op && RFC9421_PEERS.includes(r.contender) && r.opsPerSecond).sort((a, b) => b.opsPerSecond - a.opsPerSecond)[0]
    say('Rows marked **public** are what an application calls; `core (internal)` is `signMessage`/`verifyMessage` on a prepared message model, an internal building block. Share of limit = ops/s / node:crypto ops/s on the same base (plus the body digest on POST). vs best peer = ops/s / the fastest RFC 9421 peer in the same case (http-message-signatures, http-message-sig, web-bot-auth). Signers sign the peers\' profile (the same components, `created`, `keyid`, no nonce) and digest the body themselves. `client sign(Request)` and `verify(Fetch Request)` are handed a Request built before each timed call, as a runtime or the caller builds it. `Fetch floor (no Signet code)` is what any Request-in code pays this runtime first: on sign, read the body once and build the outgoing Request (same headers, the caller\'s signal, redirect manual); on verify, read the body once. Its share of the limit is the ceiling of the Request path here. `verifier.verify (message model)` is what the Node adapter calls after reading the body (no nonce store in the client rows; the server section has one).')
    say()
    const caseList = []
    for (const alg of ['hmac-sha256', 'ed25519']) for (const kind of ['GET', 'POST']) for (const op of ['sign', 'verify']) caseList.push([alg, kind, op])
    table(
      ['case', 'contender', 'API', 'ops/s', 'p50 µs', 'p99 µs', 'share of limit', 'vs best peer'],
      caseList.flatMap(([alg, kind, op]) => {
        const limit = at(alg, kind, op, rawLimit.name)
        const peer = bestPeer(alg, kind, op)
        return rows
          .filter((r) => r.alg === alg && r.kind === kind && r.op === op && r.contender !== rawLimit.name)
          .map((r) => {
            const contender = publicContenders.find((c) => c.name === r.contender)
            const kindOf = contender?.publicApi === true || r.contender === verifierContender.name ? 'public' : RFC9421_PEERS.includes(r.contender) ? 'peer' : r.contender === FETCH_FLOOR ? 'floor' : 'internal'
            return [
              `${alg} ${kind} ${op}`,
              r.contender,
              kindOf,
              r.error ? `error: ${r.error}` : fmtOps(r.opsPerSecond),
              fmtUs(r.p50us),
              fmtUs(r.p99us),
              fmtPct(r.opsPerSecond && limit?.opsPerSecond ? r.opsPerSecond / limit.opsPerSecond : undefined),
              kindOf === 'peer' || kindOf === 'floor' ? '' : fmtRatio(r.opsPerSecond, peer?.opsPerSecond),
            ]
          })
      }),
    )
    const share = (alg, kind, op, name) => {
      const r = at(alg, kind, op, name)
      const l = at(alg, kind, op, rawLimit.name)
      return r?.opsPerSecond && l?.opsPerSecond ? r.opsPerSecond / l.opsPerSecond : undefined
    }
    const floorShare = (alg, kind, op) => share(alg, kind, op, FETCH_FLOOR)
    say('Fetch floor alone, as a share of the limit (the ceiling of the Request path on this runtime): ' + ['sign', 'verify'].flatMap((op) => ['hmac-sha256', 'ed25519'].flatMap((alg) => ['GET', 'POST'].map((kind) => `${alg} ${kind} ${op} ${fmtPct(floorShare(alg, kind, op))}`))).join('; '))
    say()
    const target = (label, value, min) => targets.push([label, value === undefined ? 'n/a' : fmtPct(value), value === undefined ? 'n/a' : value >= min ? 'met' : 'NOT met'])
    target('client sign(description) HMAC POST >= 50% of limit', share('hmac-sha256', 'POST', 'sign', 'client sign(description)'), 0.5)
    target('client sign(description) Ed25519 POST >= 80% of limit', share('ed25519', 'POST', 'sign', 'client sign(description)'), 0.8)
    target('client sign(Request) HMAC POST >= 20% of limit', share('hmac-sha256', 'POST', 'sign', 'client sign(Request)'), 0.2)
    target('verify(Fetch Request) HMAC POST >= 25% of limit', share('hmac-sha256', 'POST', 'verify', 'verify(Fetch Request)'), 0.25)
    const ofFloor = (op, name) => {
      const r = at('hmac-sha256', 'POST', op, name)
      const f = at('hmac-sha256', 'POST', op, FETCH_FLOOR)
      return r?.opsPerSecond && f?.opsPerSecond ? `${fmtPct(r.opsPerSecond / f.opsPerSecond)} of the Fetch floor's rate, which alone is ${fmtPct(floorShare('hmac-sha256', 'POST', op))} of the limit` : 'n/a'
    }
    targets.push(['(context) client sign(Request) HMAC POST against the Fetch floor', ofFloor('sign', 'client sign(Request)'), 'info'])
    targets.push(['(context) verify(Fetch Request) HMAC POST against the Fetch floor', ofFloor('verify', 'verify(Fetch Request)'), 'info'])
    const behindPeers = []
    for (const [alg, kind] of [['hmac-sha256', 'GET'], ['hmac-sha256', 'POST'], ['ed25519', 'GET'], ['ed25519', 'POST']]) {
      const s = at(alg, kind, 'sign', 'client sign(description)')
      const p = bestPeer(alg, kind, 'sign')
      if (s?.opsPerSecond && p?.opsPerSecond && s.opsPerSecond < p.opsPerSecond) behindPeers.push(`${alg} ${kind} (${fmtRatio(s.opsPerSecond, p.opsPerSecond)} of ${p.contender})`)
    }
    targets.push(['client sign(description) >= 1.0x the best RFC 9421 peer, every sign row', behindPeers.length === 0 ? '4 of 4 rows' : `behind: ${behindPeers.join('; ')}`, behindPeers.length === 0 ? 'met' : 'NOT met'])

    process.stderr.write('  client: signedFetch against fetch on loopback...\n')
    const f = await fetchOverhead({ client, keys, requests: quick ? 400 : 1500, rounds: quick ? 3 : 5 })
    say(`### signedFetch against plain fetch (HMAC, POST with the 256-byte body, loopback, one request at a time)`)
    say()
    table(
      ['', 'µs per round trip (median of rounds)', 'each round'],
      [
        ['fetch', fmtUs(f.plainUs), f.plainAll.map(fmtUs).join(', ')],
        ['signedFetch(createSigner(...))', fmtUs(f.signedUs), f.signedAll.map(fmtUs).join(', ')],
      ],
    )
    say(`Overhead: ${(f.overhead * 100).toFixed(1)}% (${f.requests} requests per round, ${f.rounds} interleaved rounds; the server runs in this process).`)
    say()
    targets.push(['signedFetch adds <= 10% to a plain fetch round trip (HMAC POST, loopback)', `${(f.overhead * 100).toFixed(1)}%`, f.overhead <= 0.1 ? 'met' : 'NOT met'])

    const clientEntry = signet.entries['@signet/client']
    if (clientEntry !== undefined) {
      const total = quick ? 30_000 : 100_000
      const r = spawnSync(process.execPath, ['--expose-gc', `${ROOT}bench/client-memory.mjs`, clientEntry, String(total)], { encoding: 'utf8' })
      if (r.status === 0) {
        const m = JSON.parse(r.stdout)
        const growth = m.endBytes - m.at10kBytes
        say(`Memory over ${m.total / 1000}k description signatures (HMAC POST, heapUsed after GC): start ${fmtKB(m.startBytes)}, after 10k ${fmtKB(m.at10kBytes)}, end ${fmtKB(m.endBytes)} (${(growth / 1024).toFixed(0)} KB growth after 10k; ${m.seconds.toFixed(1)} s).`)
        say()
        targets.push([`memory flat over ${m.total / 1000}k client signatures`, `${(growth / 1024).toFixed(0)} KB growth after 10k`, growth < 1024 * 1024 ? 'met' : 'NOT met'])
      } else {
        say(`Client memory: n/a (${(r.stderr || '').split('\n')[0]})`)
        say()
      }
    }
  }
}

// ---------------------------------------------------------------- server (issue 5, item 9)
if (wants('server')) {
  say('## @signet/server: the verifier alone, and a Node http server on loopback (issue 5)')
  say()
  if (server?.createVerifier === undefined || missing.length > 0) {
    say('n/a: @signet/server or @signet/core is not complete yet.')
    say()
  } else {
    // The verifier alone, in process, against the peers: the rows of the throughput run when
    // it ran, else the few contenders needed, measured here.
    let rows = throughputRows
    if (rows === undefined) {
      rows = await runCases({
        algorithms: ALGORITHMS.filter((a) => SERVER_ALGORITHMS.includes(a.name)),
        kinds: ['GET', 'POST'],
        ops: ['verify'],
        contenders: [rawLimit, signetContender(core), verifierContender, ...peers.filter((p) => p.name === 'http-message-signatures' || p.name === 'http-message-sig')],
        keys: makeKeys(),
        time: TIME,
        warmupTime: WARMUP,
      })
    }
    const one = (alg, kind, name) => rows.find((r) => r.alg === alg && r.kind === kind && r.op === 'verify' && r.contender === name)
    say('### The verifier alone, in process')
    say()
    say('`verifier.verify()` per request (one key record, a MemoryNonceStore, every request with its own nonce) against `verifyMessage` of @signet/core and the peers verifying the same request (peers get the node:crypto Content-Digest check added, and check no nonce). Ratio columns = verifier ops/s / that contender\'s ops/s.')
    say()
    table(
      ['case', 'verifier ops/s', 'p50 µs', 'p99 µs', 'core verifyMessage', 'http-message-signatures', 'http-message-sig', 'node:crypto limit'],
      SERVER_ALGORITHMS.flatMap((alg) =>
        ['GET', 'POST'].map((kind) => {
          const v = one(alg, kind, verifierContender.name)
          const ratio = (name) => {
            const r = one(alg, kind, name)
            return r === undefined ? '' : r.error ? 'error' : `${fmtRatio(v?.opsPerSecond, r.opsPerSecond)} (${fmtOps(r.opsPerSecond)})`
          }
          return [`${alg} ${kind}`, v?.error ? `error: ${v.error}` : fmtOps(v?.opsPerSecond), fmtUs(v?.p50us), fmtUs(v?.p99us), ratio('Signet'), ratio('http-message-signatures'), ratio('http-message-sig'), ratio(rawLimit.name)]
        }),
      ),
    )

    process.stderr.write('  server: Node http on loopback...\n')
    // The control server burns as much CPU per request as verifier.verify() takes in process.
    const verifyUs = (kind) => {
      const r = one('hmac-sha256', kind, verifierContender.name)
      return r?.opsPerSecond ? 1e6 / r.opsPerSecond : undefined
    }
    const spinUs = verifyUs('GET') !== undefined && verifyUs('POST') !== undefined ? { GET: verifyUs('GET'), POST: verifyUs('POST') } : undefined
    const result = await runServerThroughput({ core, entries: signet.entries, quick, loadgen, spinUs, onProgress: (line) => process.stderr.write(`${line}\n`) })
    say('### Node http server on loopback')
    say()
    if (result.error) {
      say(`n/a: ${result.error}`)
      say()
    } else {
      const st = result.settings
      const row = (kind, variant) => result.rows.find((r) => r.kind === kind && r.variant === variant)
      const pct = (x) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(0)}%`)
      say(`The server runs in a child process on 127.0.0.1 (ephemeral port): \`bare\` reads the body and answers 200 JSON; \`model\` does in addition what the Node adapter does before verifying (\`readNodeBody\` and \`fromNodeRequest\`), no verification; \`hmac-sha256\` and \`ed25519\` are the same handler behind \`withSignetNode(createVerifier({ keys, nonces: new MemoryNonceStore() }))\` with the default policy. The load generator (${st.loadgen === 'wrk' ? 'wrk, one thread, a Lua script handing out the pre-signed requests' : 'this process, raw `net` sockets'}) keeps ${st.concurrency} keep-alive connections busy, one request in flight on each, for ${st.durationMs} ms per run; every request was signed before the run with its own nonce (up to ${st.timed['hmac-sha256']} HMAC and ${st.timed.ed25519} Ed25519 per request kind, plus ${st.warm} for warm-up; a verified run that uses them all ends early; the bare and model servers get the same HMAC-signed bytes, round and round). ${st.rounds} round(s), variants interleaved, a fresh server process per variant and round; medians. req/s: best round / median of rounds. Overhead = 1 - verified req/s / bare req/s, given as best against best / median of the per-round figures / read off the server's CPU time per request (1 - bare / verified CPU time per request). Pre-signing took ${st.presignSeconds.toFixed(1)} s; the whole measurement ${st.seconds.toFixed(0)} s.`)
      say()
      table(
        ['request', 'bare req/s', 'model only: overhead', 'control: overhead', 'HMAC req/s', 'HMAC overhead', 'HMAC against control', 'Ed25519 req/s', 'Ed25519 overhead'],
        ['GET', 'POST'].map((kind) => {
          const b = row(kind, 'bare')
          const m = row(kind, 'model')
          const c = row(kind, 'control')
          const h = row(kind, 'hmac-sha256')
          const e = row(kind, 'ed25519')
          const rps = (r) => (r.error ? `error: ${r.error}` : `${fmtOps(r.bestRps)} / ${fmtOps(r.rps)}`)
          const over = (r) => (r === undefined || r.error ? 'n/a' : `${pct(r.bestOverhead)} / ${pct(r.overhead)} / ${pct(r.cpuOverhead)}`)
          // Verified against the control server: what verification costs beyond its own CPU time.
          const againstControl = c === undefined || c.error || h.error ? 'n/a' : pct(1 - h.bestRps / c.bestRps)
          return [kind, rps(b), over(m), over(c), rps(h), over(h), againstControl, rps(e), over(e)]
        }),
      )
      if (st.spinUs !== undefined) {
        say(`\`control\` is \`model\` plus a busy loop of ${st.spinUs.GET.toFixed(1)} µs (GET) / ${st.spinUs.POST.toFixed(1)} µs (POST) per request, the time \`verifier.verify()\` takes for HMAC in a hot loop in this process: the same added CPU work as verification, none of its code. "HMAC against control" is 1 - verified req/s / control req/s (best rounds). When control loses about as much as the verified server, the loss is the price of any added CPU time on this machine (with the server now the bottleneck, each response's write has to wake an idle load generator, which made writev about twice as expensive per request in a CPU profile of the server), not something verification does.`)
        say()
      }
      table(
        ['request', 'server', 'req/s (each round)', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server event-loop use', 'server CPU use', 'client CPU µs/req'],
        result.rows.map((r) => [
          r.kind,
          r.variant,
          r.error ? `error: ${r.error}` : `${fmtOps(r.rps)} (${r.rpsAll.map((x) => fmtOps(x)).join(', ')})`,
          r.p50ms?.toFixed(2) ?? 'n/a',
          r.p99ms?.toFixed(2) ?? 'n/a',
          r.cpuUsPerReq?.toFixed(1) ?? 'n/a',
          pct(r.elu),
          pct(r.cpuShare),
          r.clientCpuUsPerReq?.toFixed(1) ?? 'n/a',
        ]),
      )
      say(`Server CPU use is the share of one CPU the server process got during the run (CPU time / wall time); event-loop use is the share of time it was not waiting for I/O. A bare server with either well under 100% was held back by the load generator or by other processes on the machine (its CPU use then lags its event-loop use: runnable, but waiting for a CPU), and the req/s overhead understates the cost; the CPU-time overhead does not depend on that. Load average (1 min) when this part started: ${result.settings.loadAverage.toFixed(2)} on ${cpus().length} CPUs.`)
      say()
      // Where the verified server's extra CPU goes, and what the 20% target leaves for it: a
      // server-bound verified run reaches 80% of the bare req/s only if it adds at most a quarter
      // of the bare server's CPU time per request.
      say('Where the time goes (server CPU time per request, medians). Budget: what a verified request may add for the req/s overhead to stay within 20% (a quarter of the bare server\'s CPU time per request). Model: what reading the body and building the message model add (`model` minus `bare`). verify() in process: 1 / the ops/s of `verifier.verify()` above, in a hot loop. Rest: what verification costs inside the server beyond that hot-loop figure (verified minus model minus verify() in process: cache and GC effects of a busy server, allocation, the nonce store growing over the run, and the dearer writes of a server that has become the bottleneck, which the control server pays too).')
      say()
      table(
        ['request', 'algorithm', 'bare µs', 'verified µs', 'added µs', 'budget µs (20%)', 'model µs', 'verify() in process µs', 'rest µs'],
        ['GET', 'POST'].flatMap((kind) =>
          SERVER_ALGORITHMS.map((alg) => {
            const b = row(kind, 'bare').cpuUsPerReq
            const m = row(kind, 'model').cpuUsPerReq
            const v = row(kind, alg).cpuUsPerReq
            const alone = one(alg, kind, verifierContender.name)
            const verifyUs = alone?.opsPerSecond ? 1e6 / alone.opsPerSecond : undefined
            const f = (x) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(1))
            const sub = (x, y) => (x === undefined || y === undefined ? undefined : x - y)
            return [kind, alg, f(b), f(v), f(sub(v, b)), f(b === undefined ? undefined : b / 4), f(sub(m, b)), f(verifyUs), f(sub(sub(v, m), verifyUs))]
          }),
        ),
      )
      for (const kind of ['GET', 'POST']) {
        const h = row(kind, 'hmac-sha256')
        const v = h?.error ? undefined : h?.bestOverhead
        const c = row(kind, 'control')
        const control = c === undefined || c.error || h?.error ? '' : `; the control server with the same added CPU and no Signet code: ${pct(c.bestOverhead)}, verified against it ${pct(1 - h.bestRps / c.bestRps)}`
        targets.push([`HMAC verification costs <= 20% of the bare server's req/s (${kind}, issue 5)`, v === undefined ? 'n/a' : `${pct(v)} best against best (median of rounds ${pct(h.overhead)}, CPU per request ${pct(h.cpuOverhead)}${control})`, v === undefined ? 'n/a' : v <= 0.2 ? 'met' : 'NOT met'])
      }
    }
  }
}

// ---------------------------------------------------------------- backends
if (wants('backends')) {
  say('## Backends per algorithm (sign and verify on the POST signature base)')
  say()
  if (core?.getBackend === undefined || core?.getAlgorithm === undefined) {
    say('n/a: @signet/core does not export getBackend/getAlgorithm yet.')
    say()
  } else {
    const rows = await runBackends({ core, pure, time: Math.max(100, TIME / 2), warmupTime: WARMUP })
    const selected = Object.fromEntries(rows.filter((r) => r.selected).map((r) => [r.alg, r.backend]))
    backendTable(rows, selected, 'Node')
    say('Backends are called directly (KeyMaterial `{ jwk }`, cached per object); webcrypto is awaited. `pure` is present only when `@signet/core/pure` is imported.')
    say()
  }
}

// ---------------------------------------------------------------- other runtimes
if (wants('runtimes')) {
  say('## Backends in other runtimes')
  say()
  say('The same backend measurement (sign and verify on the POST signature base, key prepared once) in Deno and Bun (spawned, timed in process), headless Chromium (a page from 127.0.0.1) and workerd (miniflare; its clock stands still during execution, so requests of n operations are timed from outside and the empty-request round trip subtracted). `absent`: the runtime lacks that backend.')
  say()
  if (missing.length > 0 || pure?.pureBackend === undefined) {
    say('n/a: Signet core or the pure entry is not complete yet.')
    say()
  } else {
    for (const result of await runOtherRuntimes({ entries: signet.entries, built: signet.source === 'dist', ms: quick ? 80 : 200 })) {
      say(`### ${result.runtime}`)
      say()
      if (result.skipped) {
        say(`skipped: ${result.skipped}`)
        say()
        continue
      }
      backendTable(result.rows, result.selected, result.runtime)
    }
  }
}
if (selectionNotes.length > 0) {
  say('### Selection check')
  say()
  say('Where the default selection picks a backend more than 25% slower than the fastest one present:')
  say()
  for (const note of selectionNotes) say(`- ${note}`)
  say()
}

// ---------------------------------------------------------------- Node releases
if (wants('nodes')) {
  say('## Native HMAC per Node release')
  say()
  say('Signet\'s HMAC-SHA256 sign and verify on the native backend, end to end on the message model, in each Node release the packages support (spawned, timed in process), beside createHmac over the same signature base. The native HMAC over text is RFC 2104 on `crypto.hash` where the release has it, createHmac elsewhere.')
  say()
  const core = signet.entries['@signet/core']
  if (core === undefined || missing.length > 0) {
    say('n/a: Signet core is not built or not complete.')
    say()
  } else {
    const nodes = [{ version: process.version, bin: process.execPath }]
    for (const release of nodeReleases()) {
      if (release.bin === undefined) say(`- Node ${release.version}: skipped (${release.problem})`)
      else nodes.push({ version: `v${release.version}`, bin: release.bin })
    }
    const results = []
    for (const node of nodes) {
      const r = spawnSync(node.bin, [`${ROOT}bench/node-hmac.mjs`, core, String(quick ? 150 : 400)], { encoding: 'utf8', timeout: 120_000 })
      if (r.status !== 0) {
        say(`- Node ${node.version}: failed (${(r.stderr || String(r.error)).split('\n').filter(Boolean).slice(0, 2).join(' ')})`)
        continue
      }
      results.push(JSON.parse(r.stdout.trim().split('\n').pop()))
    }
    if (results.length > 0) {
      const tasks = results[0].rows.map((row) => row.task)
      table(
        ['ops/s', ...results.map((x) => `Node ${x.node}${x.cryptoHash ? '' : ' (no crypto.hash)'}`)],
        tasks.map((task) => [task, ...results.map((x) => fmtOps(x.rows.find((row) => row.task === task)?.ops))]),
      )
      for (const kind of ['GET', 'POST']) {
        say(`- verify ${kind} as a share of the createHmac limit: ${results.map((x) => `Node ${x.node} ${fmtPct(x.rows.find((row) => row.task === `Signet verify ${kind}`).ops / x.rows.find((row) => row.task === `createHmac ${kind} base (limit)`).ops)}`).join(', ')}`)
      }
      say()
    }
  }
}

// ---------------------------------------------------------------- cold import
if (wants('imports')) {
  say('## Cold import time')
  say()
  if (Object.keys(signet.entries).length === 0) {
    say('n/a: no entry could be built.')
    say()
  } else {
    const { bareMs, rows } = measureImports(signet.entries, quick ? 5 : 9)
    say(`Median of ${quick ? 5 : 9} fresh processes each; bare \`node -e 0\` takes ${bareMs.toFixed(1)} ms. "Over bare node" is the median of paired differences (entry run minus a bare run just before it); "inside the process" times import() of the entry alone, after the ESM loader is up.`)
    say()
    table(
      ['entry', 'node -e import(), ms', 'over bare node, ms', 'import() inside the process, ms'],
      rows.map((r) => (r.error ? [r.entry, `error: ${r.error}`, '', ''] : [r.entry, r.medianMs.toFixed(1), r.overBareMs.toFixed(1), r.inProcessMs.toFixed(1)])),
    )
    const coreRow = rows.find((r) => r.entry === '@signet/core')
    if (coreRow && !coreRow.error) {
      targets.push([
        'core cold import <= 15 ms over bare node',
        `${coreRow.overBareMs.toFixed(1)} ms (import() alone: ${coreRow.inProcessMs.toFixed(1)} ms)`,
        coreRow.overBareMs <= 15 ? 'met' : 'NOT met',
      ])
    }
  }
}

// ---------------------------------------------------------------- bundle size
if (wants('bundles')) {
  say('## Bundle size (esbuild, browser, minified; gzip level 9)')
  say()
  const rows = await measureBundles({ built: signet.source === 'dist' })
  table(
    ['bundle', 'min', 'min+gzip', 'contains (checked: pure backend, @noble/curves, BigInt RSA, @signet/server, node:crypto import)'],
    rows.map((r) => (r.error ? [r.name, `error: ${r.error}`, '', ''] : [r.name, fmtKB(r.minBytes), fmtKB(r.gzipBytes), r.contains.length ? r.contains.join(', ') : '-'])),
  )
  const sideEffect = rows.find((r) => r.name.startsWith('side-effect import'))
  // Only a build resolves through package.json ("sideEffects"); the sources bundle cannot tell.
  if (sideEffect && !sideEffect.error && signet.source === 'dist') {
    const kept = sideEffect.contains.includes('pure backend')
    targets.push(['`import "@signet/core/pure"` survives bundling (registers the backend)', kept ? 'kept' : 'dropped by the bundler (package.json "sideEffects": false)', kept ? 'met' : 'NOT met'])
  }
  say('Largest inputs of the client signing bundles (minified bytes in the output):')
  say()
  for (const r of rows.filter((x) => x.name.startsWith('client:') && !x.error)) {
    say(`- ${r.name}: ${r.largest.map((l) => `${l.file} ${(l.bytes / 1024).toFixed(1)} KB`).join(', ')}`)
  }
  say()
  for (const r of rows.filter((x) => x.name.startsWith('client:'))) {
    if (r.error) continue
    const clean = r.contains.length === 0
    // The size target is the lean signing entry's; the full entry's rows show what it costs.
    if (r.name.includes('lean entry')) targets.push([`${r.name} <= 5 KB min+gzip`, fmtKB(r.gzipBytes), r.gzipBytes <= 5 * 1024 ? 'met' : 'NOT met'])
    // Issue 10 item 3: createSigner + signedFetch of the full client, as a browser loads it.
    if (r.name.includes('initial load')) targets.push([`${r.name} <= 12 KB min+gzip`, fmtKB(r.gzipBytes), r.gzipBytes <= 12 * 1024 ? 'met' : 'NOT met'])
    targets.push([`${r.name} carries no pure backend / RSA / server`, r.contains.length ? r.contains.join(', ') : 'none', clean ? 'met' : 'NOT met'])
  }
}

// ---------------------------------------------------------------- memory
if (wants('memory')) {
  say('## Memory over 100k verifications')
  say()
  const file = signet.entries['@signet/core']
  if (file === undefined || missing.length > 0) {
    say('n/a: Signet core is not complete yet.')
    say()
  } else {
    const total = quick ? 30_000 : 100_000
    const r = spawnSync(process.execPath, ['--expose-gc', `${ROOT}bench/memory.mjs`, file, String(total)], { encoding: 'utf8' })
    if (r.status !== 0) {
      say(`error: ${(r.stderr || '').split('\n').filter(Boolean).slice(0, 2).join(' ')}`)
      say()
    } else {
      const m = JSON.parse(r.stdout)
      const mb = (b) => (b / 1048576).toFixed(2)
      const growth = m.endBytes - m.at10kBytes
      table(
        ['reading', 'heapUsed (MB, after GC)'],
        [
          ['after warm-up', mb(m.startBytes)],
          ['after 10k verifications', mb(m.at10kBytes)],
          [`after ${m.total / 1000}k verifications`, mb(m.endBytes)],
        ],
      )
      say(`HMAC-SHA256 POST requests with Content-Digest, 1000 distinct signed requests round-robin, a new message object per verification; ${(m.total / m.seconds).toFixed(0)} verifications/s in this loop. Growth from 10k to ${m.total / 1000}k: ${(growth / 1024).toFixed(0)} KB.`)
      say()
      // Flat: under 1 MB growth over the last 90% of the run (GC noise is a few hundred KB).
      targets.push([`memory flat over ${m.total / 1000}k verifications`, `${(growth / 1024).toFixed(0)} KB growth after 10k`, growth < 1024 * 1024 ? 'met' : 'NOT met'])
    }
  }
}

// ---------------------------------------------------------------- targets
if (targets.length > 0) {
  say('## Targets (issues 3, 5 and 10)')
  say()
  table(['target', 'measured', 'status'], targets)
}
say(`Total benchmark time: ${((performance.now() - started) / 1000).toFixed(0)} s.`)
const rebuilt = signet.source === 'dist' && builtAt() !== startedBuild
if (rebuilt) say('WARNING: packages/core/dist changed during this run (a rebuild); figures after that point are unreliable. Run again.')

if (only === undefined && !quick && !fromSources && !rebuilt && loadgen === 'node') writeFileSync(`${ROOT}bench/results.md`, out.join('\n') + '\n')
else console.error('(partial, quick, --sources, --loadgen=wrk or disturbed run: bench/results.md not written)')
