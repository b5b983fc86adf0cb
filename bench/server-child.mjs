// The server side of the loopback benchmark (bench/server-throughput.mjs), in its own process so
// the load generator never shares its event loop. Forked with IPC; the parent sends one `setup`
// message, this process answers `listening` with its ephemeral port on 127.0.0.1, then answers
// each `mark` with its CPU time and event-loop utilization so the parent can tell how busy the
// server was during the timed window.
//
// Variants:
//   bare     reads the body, answers 200 JSON (no verification; the signature fields are ignored)
//   model    what the Node adapter does before verifying, and nothing more: reads the body with
//            readNodeBody and builds the message model with fromNodeRequest, then answers as bare
//   verified the same handler behind @signet/server's withSignetNode(createVerifier(...)), one key
//            record, a MemoryNonceStore (every request carries a fresh nonce, so every request is
//            recorded), default policy.
//   control  model, plus a busy loop as long as verifier.verify() takes in a hot loop in process
//            (`spinUs` per request kind): a server that adds the same CPU work as verification
//            but none of its code. The gap between control and verified is what verification
//            costs in a server beyond its hot-loop time; the gap between bare and control is
//            what any added CPU time costs here.
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

function answer(res, bytes) {
  const out = JSON.stringify({ ok: true, bytes })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
  res.end(out)
}

function bareHandler(req, res) {
  let bytes = 0
  req.on('data', (chunk) => {
    bytes += chunk.length
  })
  req.on('end', () => answer(res, bytes))
}

async function verifiedHandler({ entries, alg, jwk, kid }) {
  const core = await import(pathToFileURL(entries['@signet/core']).href)
  const server = await import(pathToFileURL(entries['@signet/server']).href)
  const key = await core.importKey(jwk, { alg, kid })
  const verifier = server.createVerifier({ keys: [{ id: kid, key, owner: 'bench' }], nonces: new server.MemoryNonceStore() })
  return server.withSignetNode(verifier, (req, res) => {
    // A handler that did not get an identity would be a broken adapter: fail loudly.
    if (req.signet?.keyid !== kid) throw new Error('no identity on a verified request')
    answer(res, req.rawBody.length)
  })
}

async function modelHandler({ entries }) {
  const core = await import(pathToFileURL(entries['@signet/core']).href)
  const server = await import(pathToFileURL(entries['@signet/server']).href)
  const empty = new Uint8Array(0)
  return (req, res) => {
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0'
    ;(hasBody ? server.readNodeBody(req, 1 << 20) : Promise.resolve(empty)).then((body) => {
      const message = core.fromNodeRequest(req, body.length > 0 ? { scheme: 'http', body } : { scheme: 'http' })
      answer(res, message.body?.length ?? 0)
    })
  }
}

async function controlHandler(setup) {
  const model = await modelHandler(setup)
  const spin = { GET: setup.spinUs.GET * 1000, POST: setup.spinUs.POST * 1000 }
  return (req, res) => {
    const ns = spin[req.method] ?? 0
    const start = process.hrtime.bigint()
    while (Number(process.hrtime.bigint() - start) < ns);
    model(req, res)
  }
}

const handlers = { bare: () => bareHandler, model: modelHandler, control: controlHandler, verified: verifiedHandler }

process.once('message', async (setup) => {
  try {
    const handler = await handlers[setup.variant](setup)
    const server = createServer({ keepAliveTimeout: 30_000 }, handler)
    server.listen(0, '127.0.0.1', () => {
      process.send({ type: 'listening', port: server.address().port })
    })
    process.on('message', (msg) => {
      if (msg?.type === 'mark') process.send({ type: 'mark', cpu: process.cpuUsage(), elu: performance.eventLoopUtilization() })
      else if (msg?.type === 'close') server.close(() => process.exit(0))
    })
  } catch (e) {
    process.send({ type: 'error', message: String(e?.message ?? e).split('\n')[0] })
    process.exit(1)
  }
})
// The parent going away must not leave a server behind.
process.on('disconnect', () => process.exit(0))
