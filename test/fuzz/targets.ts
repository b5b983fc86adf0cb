/**
 * The fuzz targets (issue 11, "Fuzzing in CI"): every parser that reads a field or a message
 * from the network, each with a generator of inputs shaped like its grammar (fragments of
 * valid syntax, mutated, repeated up to the size limits) and the function that consumes one.
 *
 * A target's `run` must return normally or throw a `SignetError` with a stable code; anything
 * else (a TypeError, a RangeError, a hang) is a defect. Shared by test/fuzz/fuzz.test.ts (the
 * bounded budget in `pnpm test`) and `pnpm fuzz` (any budget, `SIGNET_FUZZ_RUNS`).
 */
import fc from 'fast-check'
import { parseAcceptSignature, parseSignatureField, parseSignatureInput, verifyContentDigest } from '@signet/core'
import { createForwarding } from '@signet/server'
import { parseMessageBytes } from '../../packages/cli/src/message-file.ts'

/** One fuzz target. */
export interface FuzzTarget {
  readonly name: string
  readonly input: fc.Arbitrary<string>
  /** Consume one input; throw only a SignetError. A string returned names the outcome. */
  readonly run: (input: string) => unknown
}

const LIMIT = 16_384

// Fragments of RFC 8941/9651 and RFC 9421 syntax, and of the things that break it.
const sfFragments = [
  'sig1', 'sig2', 'a', '*', 'x-y', 'A', '=', '(', ')', '"@method"', '"@target-uri"', '"@authority"', '"content-digest"',
  '"@query-param";name="Pet"', '"x";sf', '"x";bs', '"x";req', '"x";key="a"', '"x";tr', ';', ';created=', '1618884473', ';expires=',
  ';keyid="test-key"', ';nonce="n"', ';alg="hmac-sha256"', ';tag="web-bot-auth"', ':', ':dGVzdA==:', ':AB:', ':====:', '::',
  ',', ', ', ' ', '  ', '\t', '1', '-1', '0', '007', '1.5', '-0.125', '1.2345', '123456789012345', '1234567890123456',
  '?1', '?0', '?2', '%"a"', '%"%c3%a9"', '%"%C3"', '@1659578233', '@', 'tok', 'Tok:/x', '"', '\\', '\\"', '""', '"a b"',
  'é', '\u0000', '\u007f', '\r\n', '\n', 'sha-256=', 'sha-512=', ':X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
]

const fragments = (extra: readonly string[]): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...sfFragments, ...extra), { maxLength: 48 }).map((parts) => parts.join(''))

/** Long inputs: a fragment run repeated up to the field limit (the parser's worst cases). */
const repeated = (extra: readonly string[]): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom('a=(', 'sig1=(', 'a=', '', 'k='), fragments(extra), fc.integer({ min: 2, max: 4000 }), fc.constantFrom(')', '', ')x', ','))
    .map(([open, unit, times, close]) => {
      const body = unit === '' ? '1 ' : unit
      return (open + body.repeat(Math.min(times, Math.ceil(LIMIT / body.length)))).slice(0, LIMIT - close.length) + close
    })

/** Random printable and not-so-printable text. */
const noise = fc.string({ maxLength: 200, unit: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...'=(); ,:"\\?@%*-.0123456789abcdefxyzAZ\t'.split('')) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) }) })

const shaped = (extra: readonly string[] = []): fc.Arbitrary<string> =>
  fc.oneof({ weight: 6, arbitrary: fragments(extra) }, { weight: 3, arbitrary: noise }, { weight: 1, arbitrary: repeated(extra) })

const body = new TextEncoder().encode('{"hello": "world"}')

const trustedProxies = ['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32']
const forwarding = {
  'x-forwarded-for': createForwarding({ trustedProxies, forwardedHeader: 'x-forwarded-for' }),
  forwarded: createForwarding({ trustedProxies, forwardedHeader: 'forwarded' }),
}
const forwardingFragments = [
  '203.0.113.7', '10.0.0.1', '192.0.2.9', '2001:db8::1', '[2001:db8::1]:443', '::ffff:10.0.0.1', 'unknown', '_hidden',
  'for=', 'proto=https', 'by=', 'host=', ';', ',', ', ', ' ', '"', '"[2001:db8::1]"', '1.2.3', '256.1.1.1', '::', 'fe80::1%eth0',
]

/** Raw HTTP/1.1 messages: a start line, field lines (folded, repeated, malformed), a body. */
const startLines = fc.constantFrom(
  'GET / HTTP/1.1', 'POST /foo?param=Value&Pet=dog HTTP/1.1', 'HTTP/1.1 200 OK', 'GET http://example.com/x HTTP/1.1', 'OPTIONS * HTTP/1.1',
  'CONNECT example.com:443 HTTP/1.1', 'GET /%zz HTTP/1.1', 'GET / HTTP/1.0', 'get / http/1.1', 'HTTP/1.1 999', 'GET  / HTTP/1.1', '', ' ', 'GET',
)
const fieldNames = fc.constantFrom('Host', 'Content-Type', 'Content-Length', 'Content-Digest', 'Signature-Input', 'Signature', 'X-Forwarded-For',
  'Forwarded', 'Transfer-Encoding', 'Accept-Signature', 'X-Ex', 'Bad Name', '', ':authority', 'Host ')
const fieldLine = fc.tuple(fieldNames, fc.constantFrom(': ', ':', ' : ', ':\t', ''), shaped(forwardingFragments)).map(([n, s, v]) => n + s + v)
const rawMessage = fc
  .tuple(startLines, fc.array(fieldLine, { maxLength: 8 }), fc.constantFrom('\r\n', '\n', '\r', '\r\n '), fc.constantFrom('', '{"hello": "world"}', '0\r\n\r\n', 'x'.repeat(300)))
  .map(([start, fields, eol, b]) => [start, ...fields].join(eol) + eol + eol + b)

/** Every target. */
export const targets: readonly FuzzTarget[] = [
  { name: 'Signature-Input', input: shaped(), run: (v) => parseSignatureInput([v]) },
  { name: 'Signature', input: shaped(), run: (v) => parseSignatureField([v]) },
  { name: 'Accept-Signature', input: shaped(), run: (v) => parseAcceptSignature([v]) },
  // Content-Digest's own limit is 4096 characters; longer inputs are refused by length first.
  { name: 'Content-Digest', input: shaped(), run: (v) => verifyContentDigest(v, body) },
  {
    name: 'forwarding fields',
    input: fc.tuple(fc.constantFrom('x-forwarded-for', 'forwarded', 'x-forwarded-proto'), fragments(forwardingFragments)).map(([n, v]) => `${n}\n${v}`),
    run: (v) => {
      const [name, value] = v.split('\n', 2) as [string, string]
      // Each field under the policy that reads it; X-Forwarded-Proto under the X-Forwarded-For one.
      const policy = name === 'forwarded' ? forwarding.forwarded : forwarding['x-forwarded-for']
      const info = policy.resolve('10.0.0.5', [{ name, value }])
      // Refusal is not an outcome here (a bad hop is skipped); what was believed is.
      return info.clientIp === '10.0.0.5' ? 'peer' : info.clientIp === undefined ? 'unknown' : 'forwarded'
    },
  },
  {
    name: 'raw HTTP message',
    input: rawMessage,
    run: (v) => parseMessageBytes(new TextEncoder().encode(v), 'fuzz.http', { scheme: 'https' }),
  },
]
