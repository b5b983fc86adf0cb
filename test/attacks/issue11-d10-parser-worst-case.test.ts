/**
 * Issue 11, defect 10: crafted structured fields at the 16 KiB limit (the default
 * `maxFieldLength`, and the CLI's) must each parse or fail in under 1 ms. The slow cases were
 * bare item types the hot-path scanner left to `structured-headers` (decimals, tokens, display
 * strings, lenient base64) and, for any invalid field, a second full parse.
 *
 * Timing on a shared machine is noisy, so each case runs 21 times (median and fastest are
 * logged), and the main assertion is relative: no crafted field may cost more than 3 times a
 * plain field of the same length made of integers (the old code paid about 10 times for
 * decimals). Both that ratio and the absolute bound (1 ms) use the fastest run, the parser's
 * own cost without the machine's other load; the absolute bound is skipped when even the plain
 * field runs at twice its idle cost (a loaded machine), where the ratio still holds it.
 */
import { isSignetError, parseAcceptSignature, parseSignatureField, parseSignatureInput, verifyContentDigest } from '@signet/core'
import { describe, expect, it } from 'vitest'

const LIMIT = 16_384

/** `a=(ITEM ITEM ...)` filling the limit. */
function innerListOf(item: string, key = 'a'): string {
  const n = Math.floor((LIMIT - key.length - 3) / (item.length + 1))
  return `${key}=(${Array(n).fill(item).join(' ')})`
}

/** `k0=ITEM, k1=ITEM, ...` filling the limit. */
function membersOf(item: string): string {
  const parts: string[] = []
  let length = 0
  for (let i = 0; length + item.length + 12 < LIMIT; i++) {
    const m = `k${i}=${item}`
    parts.push(m)
    length += m.length + 2
  }
  return parts.join(', ')
}

const parsers: Record<string, (value: string) => unknown> = {
  'Signature-Input': (v) => parseSignatureInput([v]),
  Signature: (v) => parseSignatureField([v]),
  'Accept-Signature': (v) => parseAcceptSignature([v]),
}

const crafted: Record<string, string> = {
  'decimals in an inner list (the reported 1.4 ms field)': innerListOf('1.5'),
  'decimals with three fraction digits': innerListOf('-123456789012.125'),
  tokens: innerListOf('a'),
  'display strings': innerListOf('%"a"'),
  'escaped display strings': innerListOf('%"%c3%a9"'),
  'lenient base64': innerListOf(':AB:'),
  'decimal parameters': `a=1;${Array.from({ length: 2000 }, (_, i) => `k${i}=1.5`).join(';')}`.slice(0, LIMIT),
  'decimal members': membersOf('1.5'),
  'token members': membersOf('tok'),
  'valid decimals, then an error at the end': `${innerListOf('1.5').slice(0, -5)} !)`,
  'valid tokens, then a trailing comma': `${innerListOf('a').slice(0, -3)}), `,
}

/** Median and fastest of `rounds` runs, in milliseconds. */
function timed(run: () => void, rounds = 21): { median: number; fastest: number } {
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const start = performance.now()
    run()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return { median: times[rounds >> 1] as number, fastest: times[0] as number }
}

/** Parse, accepting either a result or a coded SignetError (anything else fails the test). */
function attempt(parse: (v: string) => unknown, value: string): void {
  try {
    parse(value)
  } catch (err) {
    if (!isSignetError(err)) throw err
  }
}

describe('issue 11 defect 10: structured-field worst cases at the 16 KiB limit', () => {
  for (const [fieldName, parse] of Object.entries(parsers)) {
    it(`${fieldName}: every crafted field costs at most 3x a plain one, and under 1 ms`, () => {
      const baseline = innerListOf('1')
      for (let i = 0; i < 30; i++) attempt(parse, baseline) // warm up
      const report: string[] = []
      for (const [name, value] of Object.entries(crafted)) {
        expect(value.length).toBeLessThanOrEqual(LIMIT)
        for (let i = 0; i < 10; i++) attempt(parse, value)
        // Interleave so a burst of load on the machine hits both sides alike.
        const base = timed(() => attempt(parse, baseline))
        const cost = timed(() => attempt(parse, value))
        report.push(`${name}: median ${cost.median.toFixed(3)} ms, fastest ${cost.fastest.toFixed(3)} ms (plain ${base.median.toFixed(3)} ms)`)
        // Fastest against fastest: each run's own cost, so a burst of load on one side cannot tip it.
        expect(cost.fastest / Math.max(base.fastest, 0.05), `${fieldName}, ${name}: ${cost.fastest.toFixed(3)} ms vs ${base.fastest.toFixed(3)} ms`).toBeLessThan(3)
        // The fastest run is the parser's own cost. When even the plain field is slowed (over
        // 0.5 ms, about twice its idle cost), the machine is loaded and the ratio alone decides.
        if (base.fastest < 0.5) expect(cost.fastest, `${fieldName}, ${name}`).toBeLessThan(1)
      }
      console.log(`${fieldName}\n  ${report.join('\n  ')}`)
    })
  }

  it('Content-Digest (4096-character limit): decimals and tokens cost no more than the plain field', async () => {
    const body = new Uint8Array(0)
    const fill = (item: string): string => membersOf(item).slice(0, 4000).replace(/,[^,]*$/, '')
    const run = (v: string) => () => void verifyContentDigest(v, body).catch(() => undefined)
    const base = timed(run(fill('1')))
    for (const item of ['1.5', 'tok', '%"a"']) {
      const cost = timed(run(fill(item)))
      expect(cost.fastest / Math.max(base.fastest, 0.05), item).toBeLessThan(3)
      if (base.fastest < 0.5) expect(cost.fastest).toBeLessThan(1)
    }
  })
})
