/**
 * The console page in headless Chromium (playwright-core driving /usr/bin/chromium): the test
 * clicks through the inspector (a tampered body marks `content-digest`; a server behind a proxy
 * marks `@target-uri` and `@authority`; the untouched request is valid), the keys view (state,
 * scopes, IP lists, limits, a usage chart, the rotation timeline), a cancelled and then a
 * confirmed revoke, and keeps screenshots in .tmp/console-screenshots/ (in docs/images/, the
 * pictures the README shows, with SIGNET_UPDATE_SCREENSHOTS=1).
 *
 * The console server runs in-process (`startConsole`) and is closed in `afterAll`; its clock is
 * the test's, so the usage chart gets several minutes of samples in a second. The browser is
 * closed in `afterAll` too. Chromium is required when CI=true; elsewhere a missing binary is
 * reported and the file is skipped, never silently.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { connect } from 'node:net'
import { startConsole } from '../src/console/server.ts'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'
import type { RunningConsole } from '../src/console/server.ts'
import { ed25519Key, registryFixture, signedRequest } from './console-support.ts'
import type { Fixture } from './console-support.ts'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
// A test run must not change tracked files: the docs' pictures are refreshed only when asked.
const images = fileURLToPath(new URL(process.env['SIGNET_UPDATE_SCREENSHOTS'] === '1' ? '../../../docs/images/' : '../../../.tmp/console-screenshots/', import.meta.url))
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is required in CI for the console's browser test`)
  console.log(`${CHROMIUM} not found: skipping the signet console browser test (required when CI=true)`)
}

let fixture: Fixture
let running: RunningConsole
let browser: Browser
let page: Page
let signer: Awaited<ReturnType<typeof ed25519Key>>
let target: { keyid: string }
let busy: { keyid: string; previous: { keyid: string } }
const pageErrors: string[] = []
const realNow = Math.floor(Date.now() / 1000)
let clock = realNow - 40 * 60

describe.skipIf(!haveChromium)('signet console in Chromium', () => {
  beforeAll(async () => {
    fixture = await registryFixture()
    signer = await ed25519Key(fixture.registry)
    await fixture.registry.create({ owner: 'globex', scopes: ['reports:read'], denyIps: ['192.0.2.0/24'] })
    const old = await fixture.registry.create({ owner: 'initech', scopes: ['billing:write'] })
    busy = await fixture.registry.rotate(old.keyid, { overlapSeconds: 6 * 3600 })
    target = await fixture.registry.create({ owner: 'umbrella', scopes: ['orders:read'], allowIps: ['203.0.113.7/32'] })
    running = await startConsole({ registry: fixture.registry, port: 0, now: () => clock, sampleIntervalMs: 60_000 })
    // Forty minutes of traffic on the rotated key's successor, sampled minute by minute as the
    // console does.
    for (let minute = 0; minute < 40; minute++) {
      const accepted = 5 + Math.round(12 * Math.abs(Math.sin(minute / 5)))
      for (let i = 0; i < accepted; i++) fixture.registry.recordUsage({ keyid: busy.keyid, time: clock * 1000, ip: '10.1.2.3' })
      if (minute % 7 === 3) fixture.registry.recordUsage({ keyid: busy.keyid, time: clock * 1000, code: 'ERR_SIGNATURE_INVALID' })
      if (minute % 11 === 5) fixture.registry.recordUsage({ keyid: busy.keyid, time: clock * 1000, code: 'ERR_IP_DENIED' })
      await fixture.registry.flushUsage()
      const answer = await fetch(`${running.url}/api/keys/${busy.keyid}/usage?by=minute`)
      if (!answer.ok) throw new Error(`usage: ${answer.status}`)
      clock += 60
    }
    const { chromium } = await import('playwright-core')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } })
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    await page.goto(running.url)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await running?.close()
    await fixture?.registry.close()
  })

  it('inspector: a changed body marks content-digest, a proxy marks the target URI, the untouched request is valid', async () => {
    const request = await signedRequest(signer.signing, signer.keyid)
    await page.fill('#key', JSON.stringify(signer.publicJwk, null, 2))
    await page.fill('#request', request.replace('{"item":42}', '{"item":4200}'))
    await page.selectOption('#server-scheme', 'https')
    await page.click('#inspect')
    await page.waitForSelector('#verdict.invalid')
    expect(await page.textContent('#verdict')).toContain('ERR_DIGEST_MISMATCH')
    expect(await page.$$eval('#base tr.failed', (rows) => rows.map((r) => (r as HTMLElement).dataset['component']))).toEqual(['"content-digest"'])

    // The request sent to a real `signet serve --debug` (plain http, behind which the client
    // signed https): its answer names what it rebuilt, and pasted here sets what the server saw.
    const local = await ed25519Key(fixture.registry, 'local-client', [])
    const sent = await signedRequest(local.signing, local.keyid)
    const answer = await sendToServeDebug(sent)
    expect(JSON.parse(answer).debug['@target-uri']).toBe('http://api.example.com/orders?x=1')
    await page.fill('#request', sent)
    await page.fill('#key', JSON.stringify(local.publicJwk, null, 2))
    await page.fill('#debug-answer', answer)
    expect(await page.inputValue('#server-authority')).toBe('api.example.com')
    expect(await page.inputValue('#server-scheme')).toBe('http')
    await page.click('#inspect')
    await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes("client's base") === true)
    expect(await page.$$eval('#base tr.failed', (rows) => rows.map((r) => (r as HTMLElement).dataset['component']))).toEqual(['"@target-uri"'])

    await page.screenshot({ path: `${mkdir(images)}console-inspector.png`, fullPage: true })

    // A proxy that also rewrote Host: the authority line is marked too.
    await page.fill('#server-authority', '127.0.0.1:8080')
    await page.click('#inspect')
    await page.waitForFunction(() => document.querySelectorAll('#base tr.failed').length === 2)
    expect(await page.$$eval('#base tr.failed', (rows) => rows.map((r) => (r as HTMLElement).dataset['component']))).toEqual(['"@target-uri"', '"@authority"'])
    expect(await page.textContent('#server-view')).toContain('http://127.0.0.1:8080/orders?x=1')
    expect(await page.textContent('#client-view')).toContain('https://api.example.com/orders?x=1')
    expect(await page.textContent('#server-base')).toContain('"@target-uri": http://127.0.0.1:8080/orders?x=1')
    expect(await page.textContent('#client-base')).toContain('"@target-uri": https://api.example.com/orders?x=1')

    await page.fill('#request', request)
    await page.fill('#key', JSON.stringify(signer.publicJwk, null, 2))
    await page.fill('#server-authority', '')
    await page.selectOption('#server-scheme', 'https')
    await page.click('#inspect')
    await page.waitForSelector('#verdict.valid')
    expect(await page.textContent('#verdict')).toMatch(/^Valid\./)
    expect(await page.$$eval('#base tbody tr', (rows) => rows.length)).toBe(6)
  })

  it('keys: state, scopes, IP lists, limits, a usage chart and the rotation timeline', async () => {
    await page.click('#tab-keys')
    await page.waitForSelector('#key-table tbody tr')
    const rows = await page.$$eval('#key-table tbody tr', (list) => list.map((r) => r.textContent ?? ''))
    expect(rows).toHaveLength(6)
    expect(rows.join('\n')).toContain('no rate limit set')
    expect(rows.join('\n')).toContain('allow 203.0.113.7/32')
    expect(rows.join('\n')).not.toContain('sgn_sk_')
    expect(rows.join('\n')).toContain('rotated')
    // The rotated key's successor: its traffic on the chart, and on the timeline both keys with
    // the overlap window between them.
    await page.click(`#key-table tr[data-keyid="${busy.keyid}"]`)
    await page.waitForSelector('#usage-chart canvas')
    await page.waitForFunction(() => (document.querySelector('#usage-note')?.textContent ?? '').includes('Refusals by code'))
    expect(await page.textContent('#usage-note')).toContain('ERR_SIGNATURE_INVALID')
    await page.waitForSelector('#timeline .tl-overlap')
    expect(await page.$$eval('#timeline .tl-row', (list) => list.map((r) => (r as HTMLElement).dataset['keyid']))).toEqual([busy.previous.keyid, busy.keyid])
    expect(await page.textContent('#timeline .tl-legend')).toContain('overlap')
    await page.waitForSelector('#history tbody tr')
    expect(await page.textContent('#history tbody')).toContain('create')
    const shot = await page.screenshot({ path: `${mkdir(images)}console.png`, fullPage: true })
    expect([...shot.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
    expect(shot.length).toBeGreaterThan(50_000)
  })

  it('revoke: cancelled changes nothing, confirmed revokes', async () => {
    await page.click(`#key-table tr[data-keyid="${target.keyid}"]`)
    await page.click('.actions button[data-action="revoke"]')
    await page.waitForSelector('#confirm[open]')
    expect(await page.textContent('#confirm-text')).toContain(target.keyid)
    await page.click('#confirm-cancel')
    await page.waitForSelector('#confirm:not([open])', { state: 'attached' })
    expect((await fixture.registry.get(target.keyid)).state).toBe('active')

    await page.click('.actions button[data-action="revoke"]')
    await page.waitForSelector('#confirm[open]')
    await page.click('#confirm-ok')
    await page.waitForFunction(() => (document.querySelector('#keys-status')?.textContent ?? '').includes('revoke done'))
    expect((await fixture.registry.get(target.keyid)).state).toBe('revoked')
    expect(await page.textContent(`#key-table tr[data-keyid="${target.keyid}"] .state`)).toBe('revoked')
    expect(await page.isDisabled('.actions button[data-action="enable"]')).toBe(true)
    expect(pageErrors).toEqual([])
  })
})

/**
 * Send a raw request to `signet serve --debug --registry FILE` (run in-process, stopped after)
 * as a client reaching it by the name in the request's Host, and return the answer's body.
 */
async function sendToServeDebug(raw: string): Promise<string> {
  const controller = new AbortController()
  let announced: (url: string) => void = () => {}
  const ready = new Promise<string>((resolve) => {
    announced = resolve
  })
  let out = ''
  const io: CliIO = {
    stdin: async () => new Uint8Array(0),
    stdout: (text) => {
      out += text
      const m = /listening on (http:\/\/\S+)\n/.exec(out)
      if (m !== null) announced(m[1] as string)
    },
    stderr: () => {},
    env: fixture.env,
    cwd: fixture.dir,
    signal: controller.signal,
  }
  const exit = main(['serve', '--debug', '--registry', fixture.file, '--port', '0'], io)
  const url = new URL(await ready)
  try {
    return await new Promise<string>((resolve, reject) => {
      // Written, not ended: a half-closed connection gets no answer. The answer is complete when
      // its Content-Length of body bytes has arrived.
      const socket = connect(Number(url.port), url.hostname, () => socket.write(raw))
      let answer = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        answer = Buffer.concat([answer, chunk])
        const text = answer.toString('latin1')
        const head = text.indexOf('\r\n\r\n')
        const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head))
        if (head < 0 || length === null || answer.length < head + 4 + Number(length[1])) return
        socket.destroy()
        resolve(answer.subarray(head + 4, head + 4 + Number(length[1])).toString('utf8'))
      })
      socket.on('error', reject)
      socket.setTimeout(5000, () => socket.destroy(new Error('signet serve did not answer')))
    })
  } finally {
    controller.abort()
    await exit
  }
}

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true })
  return dir
}
