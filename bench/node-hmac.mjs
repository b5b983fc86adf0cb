// Runs inside one Node release (spawned by scripts/bench.mjs for Node 20, 22 and 24): Signet's
// native HMAC-SHA256 sign and verify, end to end on the message model (a GET, and a POST with
// Content-Digest), beside node:crypto's createHmac over the same base (the limit). The native
// backend's HMAC over text is RFC 2104 on crypto.hash where the release has it (Node >= 20.12,
// 21.7) and createHmac elsewhere, so the figures show what each release gets.
// argv: the built @signet/core entry, the time per task in ms. Prints one JSON line:
// { node, cryptoHash, rows: [{ task, ops }] }.
import crypto from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { makeKeys, nodePrimitive, signatureBase } from './fixtures.mjs'
import { signetContender } from './signet.mjs'
import { opsPerSecond } from './timer.mjs'

const [coreFile, msArg] = process.argv.slice(2)
const ms = Number(msArg ?? 150)
const core = await import(pathToFileURL(coreFile).href)
const keys = makeKeys()
const alg = { name: 'hmac-sha256' }

const time = (fn) => opsPerSecond(fn, ms)

const contender = signetContender(core, { backend: 'native' })
const rows = []
for (const kind of ['GET', 'POST']) {
  for (const op of ['sign', 'verify']) rows.push({ task: `Signet ${op} ${kind}`, ops: await time(await contender.prepare({ alg, kind, op, keys })) })
  const { base } = signatureBase(kind)
  const raw = nodePrimitive(alg, keys)
  rows.push({ task: `createHmac ${kind} base (limit)`, ops: await time(() => raw.sign(base)) })
}
console.log(JSON.stringify({ node: process.version, cryptoHash: typeof crypto.hash === 'function', rows }))
