/**
 * The console page's script (bundled with uPlot by esbuild; see ../assets.ts). Plain DOM, no
 * framework: two views, a few tables, one chart and one dialog.
 *
 * Every value from the server reaches the page through `textContent`, never as HTML, so a key
 * label or a pasted request cannot inject markup. State-changing calls carry the session token
 * from the page's meta element (guard.ts); an action is sent only after its user confirmed it
 * in the dialog, and the request body repeats the key id as the server requires.
 *
 * @module
 */
import uPlot from 'uplot'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Obj = Record<string, Json | undefined>

interface BaseLine {
  component: string
  value: string | null
  clientValue?: string | null
  failed: boolean
  note?: string
}

interface InspectResult {
  verdict: 'valid' | 'invalid'
  code?: string
  reason: string
  keySource: string
  labels: string[]
  label?: string
  keyid?: string | null
  alg?: string | null
  lines: BaseLine[]
  server?: { targetUri: string | null; authority: string | null }
  client?: { targetUri: string | null; authority: string | null }
  notes: string[]
}

interface KeyView extends Obj {
  keyid: string
  state: string
}

interface RotationStep {
  keyid: string
  state: string
  from: number
  until: number | null
  overlap: { from: number; until: number } | null
}

interface UsageSeries {
  by: string
  source: 'registry' | 'console'
  since: number
  buckets: Array<{ start: number; requests: number; rejections: Record<string, number> }>
}

const token = document.querySelector<HTMLMetaElement>('meta[name="signet-console-token"]')?.content ?? ''

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`the page has no #${id}`)
  return el as T
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  if (className !== undefined) node.className = className
  return node
}

async function call<T>(path: string, body?: unknown): Promise<T> {
  const init: RequestInit =
    body === undefined
      ? { headers: { accept: 'application/json' } }
      : { method: 'POST', headers: { 'content-type': 'application/json', 'x-signet-console-token': token }, body: JSON.stringify(body) }
  const response = await fetch(path, init)
  const answer = (await response.json()) as T & { code?: string; message?: string }
  if (!response.ok) throw new Error(`${answer.code ?? response.status}: ${answer.message ?? response.statusText}`)
  return answer
}

function time(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'never'
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

// ---- tabs ----------------------------------------------------------------------------------

function showTab(name: 'inspector' | 'keys'): void {
  $('inspector').hidden = name !== 'inspector'
  $('keys').hidden = name !== 'keys'
  $('tab-inspector').setAttribute('aria-selected', String(name === 'inspector'))
  $('tab-keys').setAttribute('aria-selected', String(name === 'keys'))
  if (name === 'keys') void loadKeys()
}
$('tab-inspector').addEventListener('click', () => showTab('inspector'))
$('tab-keys').addEventListener('click', () => showTab('keys'))

// ---- inspector -----------------------------------------------------------------------------

function fillView(list: HTMLElement, view: { targetUri: string | null; authority: string | null } | undefined, other: { targetUri: string | null; authority: string | null } | undefined): void {
  list.replaceChildren()
  for (const [name, member] of [['@target-uri', 'targetUri'], ['@authority', 'authority']] as const) {
    const value = view?.[member] ?? null
    list.append(el('dt', name))
    const dd = el('dd', value ?? '(cannot be built)')
    if (other !== undefined && other[member] !== value) dd.classList.add('differs')
    list.append(dd)
  }
}

function showInspection(result: InspectResult): void {
  $('inspect-result').hidden = false
  const verdict = $('verdict')
  verdict.className = result.verdict
  verdict.replaceChildren()
  verdict.append(el('strong', result.verdict === 'valid' ? 'Valid. ' : 'Invalid. '))
  if (result.code !== undefined) verdict.append(el('code', result.code), ' ')
  verdict.append(result.reason)
  fillView($('server-view'), result.server, result.client)
  fillView($('client-view'), result.client, result.server)
  const body = $<HTMLTableElement>('base').tBodies[0] as HTMLTableSectionElement
  body.replaceChildren()
  for (const line of result.lines) {
    const row = el('tr')
    if (line.failed) row.className = 'failed'
    row.dataset['component'] = line.component
    row.append(el('td', line.failed ? '✗' : '', 'mark'), el('td', line.component))
    const value = el('td', line.value ?? '(missing)')
    if (line.note !== undefined) value.append(el('span', line.note, 'line-note'))
    else if (line.clientValue !== undefined) value.append(el('span', `client's base: ${line.clientValue ?? '(missing)'}`, 'line-note'))
    row.append(value)
    body.append(row)
  }
  const notes = $('notes')
  notes.replaceChildren(...result.notes.map((n) => el('li', n)))
  if (result.labels.length > 1) {
    notes.append(el('li', `This request carries ${result.labels.length} signatures (${result.labels.join(', ')}); this is ${result.label ?? '?'}. Name another under Signature.`))
  }
  // RFC 9421 section 2.5: one line per component, `@signature-params` last, no final newline.
  const baseText = (client: boolean): string =>
    result.lines.map((l) => `${l.component}: ${(client && l.clientValue !== undefined ? l.clientValue : l.value) ?? '(missing)'}`).join('\n')
  $('server-base').textContent = baseText(false)
  $('client-base').textContent = baseText(true)
  $('base-text').hidden = result.lines.length === 0
  if (result.keySource !== 'none') notes.append(el('li', `key: ${result.keySource === 'registry' ? `the registry's key ${result.keyid ?? ''}` : 'the pasted key (not stored)'}`))
}

// `signet serve --debug` names, in its problem body, the @target-uri and @authority it rebuilt:
// the scheme and authority the server saw, which is what the inspector needs to rebuild its base.
$('debug-answer').addEventListener('input', () => {
  const text = $<HTMLInputElement>('debug-answer').value.trim()
  const status = $('debug-status')
  if (text === '') {
    status.textContent = ''
    return
  }
  try {
    const debug = (JSON.parse(text) as { debug?: Record<string, unknown> }).debug
    const target = debug?.['@target-uri']
    if (typeof target !== 'string') throw new Error('no "debug" member with "@target-uri" (was serve started with --debug?)')
    const url = new URL(target)
    $<HTMLSelectElement>('server-scheme').value = url.protocol === 'https:' ? 'https' : 'http'
    $<HTMLInputElement>('server-authority').value = typeof debug?.['@authority'] === 'string' ? debug['@authority'] : url.host
    status.textContent = `the server saw ${target}`
  } catch (error) {
    status.textContent = error instanceof SyntaxError ? 'not JSON' : (error as Error).message
  }
})

$('inspect-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const button = $<HTMLButtonElement>('inspect')
  button.disabled = true
  call<InspectResult>('/api/inspect', {
    request: $<HTMLTextAreaElement>('request').value,
    key: $<HTMLTextAreaElement>('key').value,
    clientScheme: $<HTMLSelectElement>('client-scheme').value,
    serverScheme: $<HTMLSelectElement>('server-scheme').value,
    serverAuthority: $<HTMLInputElement>('server-authority').value,
    label: $<HTMLInputElement>('label').value,
  })
    .then(showInspection, (error: Error) => showInspection({ verdict: 'invalid', reason: error.message, keySource: 'none', labels: [], lines: [], notes: [] }))
    .finally(() => {
      button.disabled = false
    })
})

// ---- keys ----------------------------------------------------------------------------------

let keys: KeyView[] = []
let selected: string | undefined
let chart: uPlot | undefined
const wideBars = uPlot.paths.bars?.({ size: [0.6, 40], gap: 2 })
const narrowBars = uPlot.paths.bars?.({ size: [0.3, 16], gap: 2 })

function list(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.map(String) : []
}

function cellList(items: string[], empty: string): HTMLElement {
  return items.length === 0 ? el('span', empty, 'none') : el('span', items.join(' '))
}

function limitsOf(key: KeyView): Obj {
  const limits = key['limits']
  return typeof limits === 'object' && limits !== null && !Array.isArray(limits) ? (limits as Obj) : {}
}

function describe(value: Json | undefined): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'object') {
    return Array.isArray(value)
      ? value.map(describe).join(', ')
      : Object.entries(value)
          .map(([k, v]) => `${k} ${describe(v)}`)
          .join(', ')
  }
  return String(value)
}

/** The limit members (rate limits, quotas) and the credit members (credits, refill) of a key. */
function limitParts(key: KeyView, credit: boolean): string[] {
  return Object.entries(limitsOf(key))
    .filter(([name]) => /credit|refill/i.test(name) === credit)
    .map(([name, value]) => (/^(rateLimit|credits)$/.test(name) ? describe(value) : `${name.replace(/([A-Z])/g, ' $1').toLowerCase()} ${describe(value)}`))
}

function limitText(key: KeyView): HTMLElement {
  const parts = limitParts(key, false)
  return parts.length === 0 ? el('span', 'no rate limit set', 'none') : el('span', parts.join('; '))
}

function creditText(key: KeyView): HTMLElement {
  const parts = limitParts(key, true)
  return parts.length === 0 ? el('span', 'no credit limit', 'none') : el('span', parts.join('; '))
}

/** The state as an operator reads it: an active key past its expiry is expired; one rotated away, rotated. */
function stateOf(key: KeyView): string {
  if (key.state !== 'active') return key.state
  if (key['expired'] === true) return 'expired'
  return key['replacedBy'] === null || key['replacedBy'] === undefined ? 'active' : 'rotated'
}

function renderKeys(): void {
  const body = $<HTMLTableElement>('key-table').tBodies[0] as HTMLTableSectionElement
  body.replaceChildren()
  for (const key of keys) {
    const row = el('tr')
    row.dataset['keyid'] = key.keyid
    if (key.keyid === selected) row.className = 'selected'
    const state = stateOf(key)
    const ips = [...list(key['allowIps']).map((ip) => `allow ${ip}`), ...list(key['denyIps']).map((ip) => `deny ${ip}`)]
    const stateCell = el('td')
    stateCell.append(el('span', state, `state state-${state}`))
    const cells: HTMLElement[] = [el('td', key.keyid, 'keyid'), el('td', String(key['owner'] ?? '')), stateCell, el('td', String(key['alg'] ?? ''))]
    for (const content of [cellList(list(key['scopes']), 'any scope'), cellList(ips, 'any address'), limitText(key), creditText(key)]) {
      const td = el('td')
      td.append(content)
      cells.push(td)
    }
    cells.push(el('td', time(key['expires'] as number | null)))
    row.append(...cells)
    row.addEventListener('click', () => selectKey(key.keyid))
    body.append(row)
  }
  $('keys-status').textContent = keys.length === 0 ? 'This registry has no keys yet (signet keys create).' : `${keys.length} key${keys.length === 1 ? '' : 's'}. Select one for its usage, rotation timeline and actions.`
}

let shownKeys = ''

async function loadKeys(onlyIfChanged = false): Promise<void> {
  let fresh: KeyView[]
  try {
    fresh = (await call<{ keys: KeyView[] }>('/api/keys')).keys
  } catch (error) {
    $('keys-status').textContent = (error as Error).message
    return
  }
  const text = JSON.stringify(fresh)
  if (onlyIfChanged && text === shownKeys) return
  shownKeys = text
  keys = fresh
  renderKeys()
  if (selected !== undefined) renderDetail()
}

// Changes made elsewhere (`signet keys`, a verifier's usage) show up without a reload; the table
// is redrawn only when something changed, and never under an open dialog.
setInterval(() => {
  if (!$('keys').hidden && !$<HTMLDialogElement>('confirm').open) void loadKeys(true)
}, 15_000)

function renderDetail(): void {
  const key = keys.find((k) => k.keyid === selected)
  if (key === undefined) {
    $('key-detail').hidden = true
    return
  }
  $('key-detail').hidden = false
  $('detail-title').textContent = key.keyid
  const fields: Array<[string, string | HTMLElement]> = [
    ['owner', String(key['owner'] ?? '')],
    ['state', stateOf(key)],
    ['algorithm', String(key['alg'] ?? '')],
    ['scopes', cellList(list(key['scopes']), 'any scope')],
    ['allowed IPs', cellList(list(key['allowIps']), 'any address')],
    ['denied IPs', cellList(list(key['denyIps']), 'none')],
    ['rate limit', limitText(key)],
    ['credits', creditText(key)],
    ['created', time(key['created'] as number)],
    ['not before', key['notBefore'] === null ? 'immediately' : time(key['notBefore'] as number)],
    ['expires', time(key['expires'] as number | null)],
    ['last used', key['lastUsed'] === null ? 'never' : `${time(key['lastUsed'] as number)} from ${String(key['lastIp'] ?? '?')}`],
    ['replaces', String(key['replaces'] ?? '—')],
    ['replaced by', key['replacedBy'] === null ? '—' : `${String(key['replacedBy'])} (overlap until ${time(key['overlapUntil'] as number)})`],
  ]
  const dl = $('detail-fields')
  dl.replaceChildren()
  for (const [name, value] of fields) {
    const dd = el('dd')
    dd.append(value)
    dl.append(el('dt', name), dd)
  }
  const revoked = key.state === 'revoked'
  for (const button of document.querySelectorAll<HTMLButtonElement>('.actions button')) {
    const action = button.dataset['action']
    button.disabled =
      revoked || (action === 'disable' && key.state === 'disabled') || (action === 'enable' && key.state === 'active') || (action === 'rotate' && key['replacedBy'] !== null)
  }
  void loadUsage(key.keyid)
  void loadTimeline(key.keyid)
  void loadHistory(key.keyid)
}

interface AuditEntry {
  time: number
  actor: string
  action: string
  details?: Record<string, Json>
}

async function loadHistory(keyid: string): Promise<void> {
  const body = $<HTMLTableElement>('history').tBodies[0] as HTMLTableSectionElement
  let entries: AuditEntry[]
  try {
    entries = (await call<{ entries: AuditEntry[] }>(`/api/keys/${encodeURIComponent(keyid)}/audit`)).entries
  } catch (error) {
    body.replaceChildren(el('tr', (error as Error).message))
    return
  }
  if (keyid !== selected) return
  body.replaceChildren(
    ...entries.map((e) => {
      const row = el('tr')
      const details = Object.entries(e.details ?? {})
        .map(([k, v]) => `${k} ${k === 'overlapUntil' || k === 'expires' ? time(v as number | null) : describe(v)}`)
        .join(', ')
      row.append(el('td', time(e.time)), el('td', e.action), el('td', e.actor), el('td', details))
      return row
    }),
  )
}

function selectKey(keyid: string): void {
  selected = keyid
  $('shown-once').hidden = true
  $('shown-once-value').textContent = ''
  renderKeys()
  renderDetail()
}

async function loadUsage(keyid: string): Promise<void> {
  const by = $<HTMLSelectElement>('usage-by').value
  let series: UsageSeries
  try {
    series = await call<UsageSeries>(`/api/keys/${encodeURIComponent(keyid)}/usage?by=${by}`)
  } catch (error) {
    $('usage-note').textContent = (error as Error).message
    return
  }
  if (keyid !== selected) return
  const xs = series.buckets.map((b) => b.start)
  const accepted = series.buckets.map((b) => b.requests)
  const refused = series.buckets.map((b) => Object.values(b.rejections).reduce((n, v) => n + v, 0))
  const codes = new Map<string, number>()
  for (const b of series.buckets) for (const [code, n] of Object.entries(b.rejections)) codes.set(code, (codes.get(code) ?? 0) + n)
  const half = ({ minute: 60, hour: 3600, day: 86_400 }[series.by] ?? 60) / 2
  const box = $('usage-chart')
  chart?.destroy()
  box.replaceChildren()
  const width = Math.max(320, Math.min(box.clientWidth || 900, 1100))
  chart = new uPlot(
    {
      width,
      height: 220,
      // Half a bucket of room at each end, so the first and last bars are drawn whole.
      scales: {
        x: { time: true, range: (_u, min, max) => [min - half, max + half] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      // Bars: a bucket is a count over its whole interval, and one bucket still reads as one.
      series: [
        {},
        { label: 'accepted', stroke: '#2450b2', fill: 'rgba(36,80,178,.35)', width: 1, points: { show: false }, ...(wideBars === undefined ? {} : { paths: wideBars }) },
        { label: 'refused', stroke: '#a3161c', fill: 'rgba(163,22,28,.6)', width: 1, points: { show: false }, ...(narrowBars === undefined ? {} : { paths: narrowBars }) },
      ],
      axes: [{}, { label: 'requests' }],
    },
    [xs, accepted, refused],
    box,
  )
  const source =
    series.source === 'registry'
      ? `From the registry's ${series.by} buckets.`
      : `Sampled by this console since ${time(series.since)}: this registry keeps usage totals only.`
  const byCode = [...codes].map(([code, n]) => `${code} ${n}`).join(', ')
  $('usage-note').textContent = `${source} ${xs.length === 0 ? 'No requests yet.' : `Refusals by code: ${byCode === '' ? 'none' : byCode}.`}`
}
$('usage-by').addEventListener('change', () => {
  if (selected !== undefined) void loadUsage(selected)
})

async function loadTimeline(keyid: string): Promise<void> {
  const box = $('timeline')
  let answer: { now: number; chain: RotationStep[] }
  try {
    answer = await call<{ now: number; chain: RotationStep[] }>(`/api/keys/${encodeURIComponent(keyid)}/rotation`)
  } catch (error) {
    box.textContent = (error as Error).message
    return
  }
  if (keyid !== selected) return
  const { chain, now } = answer
  box.replaceChildren()
  if (chain.length === 0) return
  const ends = chain.map((s) => s.until ?? Number.POSITIVE_INFINITY)
  // The window worth seeing: the creations, the overlaps and now, padded. A 90-day key must not
  // shrink a six-hour overlap to nothing; bars running past the window are cut at its edge and
  // their end is written beside them.
  const focus = [now, ...chain.map((s) => s.from), ...chain.flatMap((s) => (s.overlap === null ? [] : [s.overlap.until]))]
  const lo = Math.min(...focus)
  const hi = Math.max(lo + 3600, ...focus)
  const start = lo - (hi - lo) * 0.15
  const end = hi + (hi - lo) * 0.15
  const clamp = (t: number): number => Math.min(end, Math.max(start, t))
  const pos = (t: number): string => `${(((clamp(t) - start) / (end - start)) * 100).toFixed(2)}%`
  const span = (a: number, b: number): string => `${Math.max(0.5, ((clamp(b) - clamp(a)) / (end - start)) * 100).toFixed(2)}%`
  chain.forEach((step, i) => {
    const row = el('div', undefined, 'tl-row')
    row.dataset['keyid'] = step.keyid
    const label = el('div', `${step.keyid === keyid ? '▸ ' : ''}${step.keyid}`, 'tl-label')
    label.title = `${step.keyid}: ${step.state}, ${time(step.from)} to ${time(step.until)}`
    const track = el('div', undefined, 'tl-track')
    const bar = el('div', undefined, `tl-bar ${step.state}`)
    bar.style.left = pos(step.from)
    bar.style.width = span(step.from, ends[i] as number)
    track.append(bar)
    if (step.overlap !== null) {
      const overlap = el('div', undefined, 'tl-overlap')
      overlap.title = `overlap: both keys verify from ${time(step.overlap.from)} to ${time(step.overlap.until)}`
      overlap.style.left = pos(step.overlap.from)
      overlap.style.width = span(step.overlap.from, step.overlap.until)
      track.append(overlap)
    }
    const mark = el('div', undefined, 'tl-now')
    mark.style.left = pos(now)
    track.append(mark)
    row.append(label, track, el('div', step.until === null ? 'never ends' : `until ${time(step.until)}`, 'tl-end'))
    box.append(row)
  })
  const overlaps = chain.filter((s) => s.overlap !== null)
  box.append(
    el(
      'p',
      chain.length === 1
        ? 'Never rotated. Bars: when each key verifies; red line: now.'
        : `Bars: when each key verifies; striped: the overlap in which old and new both verify (${overlaps
            .map((s) => `${time(s.overlap?.from)} to ${time(s.overlap?.until)}`)
            .join('; ')}); red line: now.`,
      'tl-legend',
    ),
  )
}

// ---- actions, each after a confirmation --------------------------------------------------

const WORDS: Record<string, { title: string; text: string; ok: string }> = {
  disable: { title: 'Disable this key?', text: 'Requests signed with it are refused at once, by every verifier, until it is enabled again.', ok: 'Disable key' },
  enable: { title: 'Enable this key?', text: 'Requests signed with it are accepted again.', ok: 'Enable key' },
  revoke: { title: 'Revoke this key?', text: 'Revocation is final: the key never verifies again and cannot be enabled.', ok: 'Revoke key' },
  rotate: {
    title: 'Rotate this key?',
    text: 'A successor is created and shown once; the old key keeps verifying for the overlap, then stops.',
    ok: 'Rotate key',
  },
}

function confirmAction(action: string, key: KeyView): Promise<boolean> {
  const words = WORDS[action] as { title: string; text: string; ok: string }
  const dialog = $<HTMLDialogElement>('confirm')
  $('confirm-title').textContent = words.title
  $('confirm-text').textContent = `${key.keyid} (${String(key['owner'] ?? '')}). ${words.text}`
  $('confirm-ok').textContent = words.ok
  $('rotate-options').hidden = action !== 'rotate'
  // A key registered from its owner's public key rotates only to the owner's next public key.
  $('rotate-public-label').hidden = key['generated'] !== false
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true })
    dialog.returnValue = ''
    dialog.showModal()
  })
}

for (const button of document.querySelectorAll<HTMLButtonElement>('.actions button')) {
  button.addEventListener('click', async () => {
    const action = button.dataset['action'] as string
    const key = keys.find((k) => k.keyid === selected)
    if (key === undefined || !(await confirmAction(action, key))) return
    const body: Record<string, string> = { confirm: key.keyid }
    if (action === 'rotate') {
      body['overlap'] = $<HTMLInputElement>('rotate-overlap').value
      body['publicKey'] = $<HTMLTextAreaElement>('rotate-public').value
    }
    try {
      const answer = await call<{ key: KeyView; once?: Record<string, Json> }>(`/api/keys/${encodeURIComponent(key.keyid)}/${action}`, body)
      $<HTMLTextAreaElement>('rotate-public').value = ''
      await loadKeys()
      if (action === 'rotate') {
        selectKey(answer.key.keyid)
        const once = answer.once ?? {}
        if (Object.keys(once).length > 0) {
          $('shown-once').hidden = false
          $('shown-once-value').textContent = JSON.stringify(once, null, 2)
        }
      }
      $('keys-status').textContent = `${key.keyid}: ${action} done.`
    } catch (error) {
      $('keys-status').textContent = `${action} failed: ${(error as Error).message}`
    }
  })
}
$('shown-once-done').addEventListener('click', () => {
  $('shown-once').hidden = true
  $('shown-once-value').textContent = ''
})

if (location.hash === '#keys') showTab('keys')
