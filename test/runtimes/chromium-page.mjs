#!/usr/bin/env node
// A real browser page using the BUILT @signet/client, verified by the BUILT @signet/server and
// @signet/core on a loopback server (issue 4, items 7 and 8).
// Usage: node test/runtimes/chromium-page.mjs [--core FILE] [--client FILE] [--server FILE]
// Env CHROMIUM_PATH overrides the browser binary; SIGNET_VERBOSE=1 lists every passed check.
//
// How: esbuild bundles browser-page/page.js with the built client (tsconfig.runtime.json, so no
// package source can slip in); a Node HTTP server on 127.0.0.1 (ephemeral port) serves the page
// (browser-page/index.html, under a strict CSP), the bundle, POST /register (takes a public JWK)
// and /api/* (every request verified with createVerifier through the Node adapter, then again
// with core's verifyMessage, and recorded byte for byte). playwright-core drives /usr/bin/chromium
// in a persistent context on a fresh --user-data-dir, so IndexedDB survives a reload and a
// restart. Cases, each check counted:
//   1 HMAC: signedFetch GET and JSON POST verify; bodies arrive byte-identical.
//   2 browser keys: non-extractable Ed25519 (when Chromium has it) and P-256 pairs are
//     generated, saved to IndexedDB, only the public JWK is registered; FormData and Blob
//     POSTs verify.
//   3 persistence: after a reload and after a browser restart, loadKey returns the same,
//     still non-extractable key (exportKey and wrapKey reject); it signs and verifies.
//   4 secrets: web storage holds no key material; failing signs reject before any request is
//     sent, with errors that contain no key material; the console shows none either.
//   5 tampering: a signed request altered after signing (body, digest, content-type, path,
//     method, signature dropped) is refused; the genuine one is then accepted once, and its
//     replay refused.
// Ends with `N passed, N failed`; exits 1 on any failure. Missing Chromium: one line and a skip
// (a failure with CI=true), like the other launchers (common.mjs).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CHROMIUM_ARGS, CHROMIUM_PATH, ROOT, CI, bundle, finish, locate, missingRuntime } from './common.mjs'

const runtime = 'chromium-page'
const PAGE_DIR = fileURLToPath(new URL('./browser-page/', import.meta.url))
const VERBOSE = process.env.SIGNET_VERBOSE === '1'
const STEP_MS = 15_000
const WHOLE_RUN_MS = 60_000
const HMAC_KEY_ID = 'browser-hmac'
const KEY_ALGS = ['ed25519', 'ecdsa-p256-sha256']
const storedName = (alg) => `signet-page-${alg}`

const withTimeout = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms).unref())])

const report = { passed: 0, failed: 0, failures: [] }
const notes = []
/** One counted check. */
function check(name, ok, detail = '') {
  if (ok) {
    report.passed += 1
    if (VERBOSE) console.log(`  ok   [${runtime}] ${name}`)
  }
  else {
    report.failed += 1
    report.failures.push({ name, message: typeof detail === 'string' ? detail || 'check failed' : JSON.stringify(detail, null, 1).slice(0, 1500) })
  }
  return ok
}
/** A check whose body may throw: a throw is a failure with the error as detail. */
async function attempt(name, fn) {
  try {
    await fn()
  } catch (error) {
    check(name, false, String(error?.stack ?? error))
  }
}

/** Every form a secret could take in a text, cut into windows so a partial leak shows too. */
function leakProbes(secretB64) {
  const bytes = Buffer.from(secretB64.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  const forms = [bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), bytes.toString('hex'), Array.from(bytes).join(',')]
  const probes = new Set()
  for (const form of forms) {
    const width = form.includes(',') ? 24 : 12
    if (form.length <= width) probes.add(form)
    else for (let i = 0; i + width <= form.length; i += 4) probes.add(form.slice(i, i + width))
  }
  return [...probes]
}
const leaks = (texts, secrets) => {
  const probes = secrets.flatMap(leakProbes)
  return texts.filter((t) => probes.some((p) => t.toLowerCase().includes(p.toLowerCase())))
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`usage: node test/runtimes/chromium-page.mjs [--core FILE] [--client FILE] [--server FILE]

Loads the built @signet/client in a real headless Chromium page, signs fetches to a 127.0.0.1
server that verifies them with the built @signet/server and @signet/core (see the file's header).
  --core FILE    built @signet/core ESM entry (default packages/core/dist/index.js)
  --client FILE  built @signet/client entry (default packages/client/dist/index.js)
  --server FILE  built @signet/server entry (default packages/server/dist/index.js)
Env CHROMIUM_PATH (default /usr/bin/chromium), SIGNET_VERBOSE=1 (list passed checks).
Prints failures, then a final line "N passed, N failed"; exits 1 on any failure.`)
  process.exit(0)
}

if (!existsSync(CHROMIUM_PATH)) {
  missingRuntime(runtime, `${CHROMIUM_PATH} not found`)
} else if (!existsSync(`${ROOT}node_modules/playwright-core`)) {
  missingRuntime(runtime, 'the playwright-core package is not installed')
} else {
  const found = locate(runtime)
  // This launcher reads no vectors: their absence is not its failure.
  found.problems = found.problems.filter((p) => !p.startsWith('vectors missing'))
  if (found.core === undefined || found.client === undefined || found.server === undefined) {
    if (found.core !== undefined && !CI) console.log(`${runtime}: needs the client and server builds; skipped (run node scripts/build.mjs)`)
    finish(runtime, report, found.problems)
  } else {
    const rel = (f) => (f.startsWith(ROOT) ? f.slice(ROOT.length) : f)
    console.log(`${runtime}: client ${rel(found.client)}, server ${rel(found.server)}, core ${rel(found.core)}, ${CHROMIUM_PATH}`)
    const watchdog = setTimeout(() => {
      // Keep what was counted so far; the hang itself is one more failure.
      report.failed += 1
      report.failures.push({ name: 'runtime run', message: `the whole run took over ${WHOLE_RUN_MS / 1000} s` })
      finish(runtime, report, found.problems)
      process.exit(1)
    }, WHOLE_RUN_MS)
    watchdog.unref()
    let context
    let server
    const profile = mkdtempSync(join(tmpdir(), 'signet-chromium-page-'))
    try {
      await runCases(found, profile, (c) => (context = c), (s) => (server = s))
      finish(runtime, report, found.problems)
    } catch (error) {
      report.failed += 1
      report.failures.push({ name: 'runtime run', message: String(error?.stack ?? error) })
      finish(runtime, report, found.problems)
    } finally {
      await context?.close().catch(() => {})
      server?.close()
      server?.closeAllConnections?.()
      rmSync(profile, { recursive: true, force: true })
      clearTimeout(watchdog)
    }
  }
}

async function runCases(found, profile, setContext, setServer) {
  const core = await import(pathToFileURL(found.core).href)
  const srv = await import(pathToFileURL(found.server).href)
  // The client's bundle: the built client plus the page steps, nothing from packages/*/src.
  const spec = (file) => JSON.stringify(pathToFileURL(file).pathname)
  const script = await bundle(
    [`import * as client from ${spec(found.client)}`, `import { install } from ${spec(join(PAGE_DIR, 'page.js'))}`, 'install(client)'].join('\n'),
    { conditions: ['browser'], problems: found.problems },
  )
  const html = readFileSync(join(PAGE_DIR, 'index.html'), 'utf8')

  // --- the loopback API ---------------------------------------------------------------------
  const secret = core.randomBytes(32)
  const secretB64 = Buffer.from(secret).toString('base64url')
  const keys = srv.memoryKeys([{ id: HMAC_KEY_ID, key: await core.importKey(secret, { alg: 'hmac-sha256', kid: HMAC_KEY_ID }) }])
  const verifier = srv.createVerifier({ keys })
  const arrivals = []
  const registrations = []

  const handleApi = async (req, res) => {
    const arrival = { n: arrivals.length, method: req.method, url: req.url, headers: { ...req.headers }, body: Buffer.alloc(0) }
    arrivals.push(arrival)
    res.setHeader('x-arrival', String(arrival.n))
    try {
      const { identity, message, body } = await srv.verifyNodeRequest(verifier, req)
      arrival.body = Buffer.from(body)
      arrival.identity = identity
      // Core alone, with the key the verifier resolved: the same decision, reached directly.
      const record = await keys.resolve(identity.keyid)
      const [verified] = await core.verifyMessage(message, { key: record.key })
      if (message.body !== undefined) await core.verifyMessageDigest(message)
      arrival.core = verified?.keyid === identity.keyid ? 'ok' : `keyid ${verified?.keyid}`
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n: arrival.n, keyid: identity.keyid, alg: identity.alg, core: arrival.core }))
    } catch (error) {
      arrival.code = error?.code ?? 'ERR_INTERNAL'
      arrival.error = String(error?.message ?? error)
      srv.writeProblem(res, srv.problemFor(error, { policy: verifier.policy }))
    }
  }
  const handleRegister = async (req, res) => {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const text = Buffer.concat(chunks).toString('utf8')
    const entry = { text }
    registrations.push(entry)
    try {
      const jwk = JSON.parse(text)
      // Only public members may arrive: a private member here means the key left the page.
      const privateMembers = ['d', 'k', 'p', 'q', 'dp', 'dq', 'qi'].filter((m) => m in jwk)
      if (privateMembers.length > 0) throw new Error(`private members ${privateMembers.join(', ')}`)
      if (jwk.kid !== (await core.thumbprint(jwk))) throw new Error('kid is not the RFC 7638 thumbprint')
      const key = await core.importKey(jwk, { type: 'public' })
      keys.set({ id: jwk.kid, key, label: 'browser' })
      entry.kid = jwk.kid
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ kid: jwk.kid }))
    } catch (error) {
      entry.error = String(error?.message ?? error)
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: entry.error }))
    }
  }
  const server = createServer((req, res) => {
    const path = req.url.split('?')[0]
    if (req.method === 'GET' && path === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
    else if (req.method === 'GET' && path === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script)
    else if (path === '/register' && req.method === 'POST') handleRegister(req, res)
    else if (path.startsWith('/api/')) handleApi(req, res)
    else res.writeHead(404).end()
  })
  setServer(server)
  await new Promise((done) => server.listen(0, '127.0.0.1', done))
  const origin = `http://127.0.0.1:${server.address().port}`

  // --- the browser --------------------------------------------------------------------------
  const { chromium } = await import('playwright-core')
  const consoleTexts = []
  const pageErrors = []
  let page
  const open = async () => {
    const context = await withTimeout(chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true }), 30_000, 'chromium launch')
    setContext(context)
    page = context.pages()[0] ?? (await context.newPage())
    page.on('console', (m) => consoleTexts.push(m.text()))
    page.on('pageerror', (e) => pageErrors.push(String(e?.stack ?? e)))
    return context
  }
  const load = async (how) => {
    if (how === 'reload') await page.reload()
    else await page.goto(`${origin}/`)
    await page.waitForFunction(() => typeof globalThis.__signetPage === 'object', null, { timeout: STEP_MS }).catch((error) => {
      throw new Error(`the page did not load: ${pageErrors.join('\n') || error.message}`)
    })
  }
  const step = (name, args) => withTimeout(page.evaluate(([n, a]) => globalThis.__signetPage[n](a), [name, args]), STEP_MS, `page step ${name}`)

  let context = await open()
  await load('goto')

  /** A request the page sent through the signer: accepted by the verifier and by core. */
  const accepted = (name, result, keyid) => {
    const a = result?.arrival === undefined ? undefined : arrivals[result.arrival]
    check(`${name}: verified by createVerifier and core`, result?.status === 200 && a?.identity?.keyid === keyid && a?.core === 'ok', { status: result?.status, code: a?.code, error: a?.error, keyid: a?.identity?.keyid, expected: keyid, core: a?.core, text: result?.text })
    return a
  }
  const sameBytes = (name, a, sentB64) => check(`${name}: body arrived byte-identical`, a !== undefined && Buffer.from(sentB64, 'base64').equals(a.body), { sent: sentB64.length, got: a?.body?.toString('base64')?.slice(0, 200) })

  // --- 1 HMAC -------------------------------------------------------------------------------
  await attempt('1 HMAC', async () => {
    const r = await step('hmac', { secret: secretB64, keyId: HMAC_KEY_ID })
    const get = accepted('1 HMAC GET', r.get, HMAC_KEY_ID)
    check('1 HMAC GET: arrived with no body and no Content-Digest, query intact', get !== undefined && get.body.length === 0 && get.headers['content-digest'] === undefined && get.url === '/api/items?id=7&q=a%20b', { url: get?.url, digest: get?.headers?.['content-digest'] })
    const post = accepted('1 HMAC JSON POST', r.post, HMAC_KEY_ID)
    sameBytes('1 HMAC JSON POST', post, r.post.sent)
    check('1 HMAC JSON POST: content-type covered', post?.identity?.components?.includes('"content-type"') && post?.identity?.components?.includes('"content-digest"'), post?.identity?.components)
  })

  // --- 2 browser key pairs ------------------------------------------------------------------
  const kids = {}
  for (const alg of KEY_ALGS) {
    await attempt(`2 ${alg} key`, async () => {
      const r = await step('createKey', { alg, name: storedName(alg) })
      if (r.unsupported !== undefined) {
        const note = `${runtime}: note: this Chromium cannot generate ${alg} keys (${r.unsupported}); its cases are not run`
        if (alg === 'ed25519') notes.push(note)
        else check(`2 ${alg}: generated`, false, r.unsupported)
        return
      }
      kids[alg] = r.jwk.kid
      check(`2 ${alg}: private key non-extractable, public extractable`, r.privateExtractable === false && r.publicExtractable === true, r)
      const reg = registrations.find((e) => e.kid === r.jwk.kid)
      check(`2 ${alg}: only the public JWK was registered`, r.register.status === 201 && reg !== undefined && !/"(d|k|p|q|dp|dq|qi)"\s*:/.test(reg.text), { register: r.register, sent: reg?.text ?? registrations.at(-1) })
      const form = accepted(`2 ${alg} FormData POST`, r.formPost, r.jwk.kid)
      const type = form?.headers?.['content-type'] ?? ''
      const boundary = /boundary=(.+)$/.exec(type)?.[1]
      const fileBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
      check(
        `2 ${alg} FormData POST: multipart body as built (boundary, both parts, 256 file bytes)`,
        form !== undefined && boundary !== undefined && form.body.includes(`--${boundary}`) && form.body.includes(Buffer.from('signet ✓ ü')) && form.body.includes(fileBytes) && form.body.includes('filename="bytes.bin"'),
        { type, length: form?.body?.length },
      )
      const blob = accepted(`2 ${alg} Blob POST`, r.blobPost, r.jwk.kid)
      sameBytes(`2 ${alg} Blob POST`, blob, r.blobPost.sent)
      check(`2 ${alg} Blob POST: the Blob's type sent and covered`, blob?.headers?.['content-type'] === 'application/x-signet-test' && blob?.identity?.components?.includes('"content-type"'), { type: blob?.headers?.['content-type'], components: blob?.identity?.components })
    })
  }

  // --- 3 persistence: reload, then restart the browser on the same profile -------------------
  const persisted = async (when) => {
    for (const alg of Object.keys(kids)) {
      await attempt(`3 ${alg} after ${when}`, async () => {
        const r = await step('reloadKey', { name: storedName(alg) })
        check(`3 ${alg} after ${when}: loadKey returns the same key pair`, r.found === true && r.alg === alg && r.kid === kids[alg] && r.privateType === 'private', r)
        check(
          `3 ${alg} after ${when}: private key still non-extractable (exportKey jwk/pkcs8 and wrapKey reject)`,
          r.privateExtractable === false && [r.exportJwk, r.exportPkcs8, r.wrap].every((v) => v?.startsWith('rejected')),
          { extractable: r.privateExtractable, exportJwk: r.exportJwk, exportPkcs8: r.exportPkcs8, wrap: r.wrap },
        )
        // Counted even when the key is gone, so the total does not depend on what broke.
        const a = accepted(`3 ${alg} after ${when}: signed POST`, r.post, kids[alg])
        sameBytes(`3 ${alg} after ${when}: signed POST`, a, r.post?.sent ?? '')
      })
    }
  }
  await load('reload')
  await persisted('a reload')
  await context.close()
  context = await open()
  await load('goto')
  await persisted('a browser restart')

  // --- 4 nothing secret in storage, errors or the console ------------------------------------
  const firstStored = Object.keys(kids)[0]
  await attempt('4 secrets', async () => {
    const storage = await step('storage', {})
    const stored = [...storage.local, ...storage.session].map(([k, v]) => `${k}=${v}`)
    check('4 localStorage and sessionStorage hold nothing (no key material)', stored.length === 0 && leaks([...stored, storage.cookie], [secretB64]).length === 0, storage)
    const before = arrivals.length
    const results = await step('failingSigns', { secret: secretB64, storedName: firstStored === undefined ? undefined : storedName(firstStored) })
    for (const r of results) {
      check(`4 failing sign "${r.name}": rejected with a coded or option-naming error`, r.rejected === true && (typeof r.code === 'string' || r.errorName === 'TypeError' || r.errorName === 'RangeError'), { rejected: r.rejected, errorName: r.errorName, code: r.code, message: r.texts?.[1] })
      const found = r.texts === undefined ? [] : leaks(r.texts, r.secrets)
      check(`4 failing sign "${r.name}": no key material in message, stack, JSON or cause`, found.length === 0, found.join('\n---\n').slice(0, 800))
    }
    check('4 failing signs: nothing reached the server', arrivals.length === before, arrivals.slice(before).map((a) => `${a.method} ${a.url}`))
  })

  // --- 5 tampering ----------------------------------------------------------------------------
  const tamperWith = [...(firstStored === undefined ? [] : [storedName(firstStored)]), undefined]
  for (const name of tamperWith) {
    await attempt(`5 tamper (${name ?? 'HMAC'})`, async () => {
      const r = await step('tamper', { secret: secretB64, keyId: HMAC_KEY_ID, storedName: name })
      const kind = r.keyKind
      const refusedAs = (label, result, codes) => {
        const a = result.arrival === undefined ? undefined : arrivals[result.arrival]
        check(`5 ${kind}: ${label} refused (${codes.join(' or ')})`, result.status >= 400 && a !== undefined && a.identity === undefined && codes.includes(a.code) && codes.includes(result.json?.code), { status: result.status, code: a?.code, answered: result.json?.code })
      }
      refusedAs('body changed after signing', r.bodyChanged, ['ERR_DIGEST_MISMATCH'])
      refusedAs('body and Content-Digest changed', r.bodyAndDigestChanged, ['ERR_SIGNATURE_INVALID'])
      refusedAs('content-type changed', r.contentTypeChanged, ['ERR_SIGNATURE_INVALID'])
      refusedAs('path changed', r.pathChanged, ['ERR_SIGNATURE_INVALID'])
      refusedAs('method changed', r.methodChanged, ['ERR_SIGNATURE_INVALID'])
      refusedAs('Signature field dropped', r.signatureDropped, ['ERR_SIGNATURE_MISSING', 'ERR_MALFORMED_FIELD', 'ERR_LABEL_NOT_FOUND'])
      accepted(`5 ${kind}: the genuine request, after the refusals`, r.genuine, kind === 'hmac-sha256' ? HMAC_KEY_ID : kids[firstStored])
      refusedAs('the genuine request replayed', r.replayed, ['ERR_NONCE_REPLAYED'])
    })
  }

  // --- the console, over the whole run -------------------------------------------------------
  check('4 console: no key material logged', leaks(consoleTexts, [secretB64]).length === 0, consoleTexts.join('\n').slice(0, 800))
  check('page: no uncaught errors', pageErrors.length === 0, pageErrors.join('\n'))
  for (const note of notes) console.log(note)
}
